/** The fields of an ended span (the SDK's ReadableSpan) that encodeSpans reads. */
export interface EncodableSpan {
  spanContext(): { traceId: string; spanId: string };
  parentSpanContext?: { spanId: string };
  kind: number;
  name: string;
  startTime: [number, number];
  duration: [number, number];
  events: { name: string; time: [number, number] }[];
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
  droppedAttributesCount?: number;
  droppedEventsCount?: number;
  droppedLinksCount?: number;
  resource: { attributes: Record<string, unknown> };
}

/** Encodes ended spans as a zipkin2 proto3 ListOfSpans. */
export function encodeSpans(spans: readonly EncodableSpan[]): Buffer;

export class ZipkinProtoExporter {
  constructor(config?: { url?: string });
  export(spans: EncodableSpan[], resultCallback: (result: { code: number; error?: Error }) => void): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
