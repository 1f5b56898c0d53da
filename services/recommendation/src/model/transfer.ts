import { DenseEase } from '../domain/ease';
import { WoodburyEase } from '../domain/ease-woodbury';
import type { Csr } from '../domain/feedback-matrix';
import { SequenceNeighbours } from '../domain/sequence-neighbours';

export type TransferredModel =
  | { kind: 'dense'; items: Int32Array; b: Float32Array; itemCount: number }
  | { kind: 'woodbury'; x: Csr; xt: Csr; k: Float64Array; diagP: Float64Array; lambda: number };

const csrBuffers = (m: Csr) => [m.indptr.buffer, m.indices.buffer, m.values.buffer] as ArrayBuffer[];

/** The model's typed arrays, moved (not copied) between the worker and the service. */
export function toTransfer(model: DenseEase | WoodburyEase): { model: TransferredModel; buffers: ArrayBuffer[] } {
  if (model instanceof DenseEase) {
    const itemCount = model.itemCount;
    return {
      model: { kind: 'dense', items: model.items, b: model.b, itemCount },
      buffers: [model.items.buffer, model.b.buffer] as ArrayBuffer[],
    };
  }
  return {
    model: { kind: 'woodbury', x: model.x, xt: model.xt, k: model.k, diagP: model.diagP, lambda: model.lambda },
    buffers: [...csrBuffers(model.x), ...csrBuffers(model.xt), model.k.buffer, model.diagP.buffer] as ArrayBuffer[],
  };
}

export type TransferredSequence = Pick<SequenceNeighbours, 'itemCount' | 'indptr' | 'indices' | 'values'>;

export function sequenceTransfer(model: SequenceNeighbours): TransferredSequence {
  return { itemCount: model.itemCount, indptr: model.indptr, indices: model.indices, values: model.values };
}

export function sequenceFromTransfer(m: TransferredSequence): SequenceNeighbours {
  return new SequenceNeighbours(m.itemCount, m.indptr, m.indices, m.values);
}

export function fromTransfer(m: TransferredModel): DenseEase | WoodburyEase {
  return m.kind === 'dense'
    ? new DenseEase(m.items, m.b, m.itemCount)
    : new WoodburyEase(m.x, m.xt, m.k, m.diagP, m.lambda);
}
