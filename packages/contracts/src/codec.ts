import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { v7 as uuidv7 } from 'uuid';
import { type Envelope, EnvelopeSchema, type EventDefinition } from './envelope';
import { AllEvents } from './events';

const envelopeCheck = TypeCompiler.Compile(EnvelopeSchema);
const dataChecks = new Map<string, { def: EventDefinition; check: TypeCheck<TSchema> }>(
  AllEvents.map((def) => [`${def.type}@${def.version}`, { def, check: TypeCompiler.Compile(def.schema) }]),
);

export class InvalidEventError extends Error {
  readonly code = 'EVENT.INVALID';
  readonly problems: { path: string; message: string }[];
  constructor(message: string, problems: { path: string; message: string }[] = []) {
    super(problems.length ? `${message}: ${problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}` : message);
    this.problems = problems;
  }
}

export interface EventContext {
  correlationId: string;
  causationId?: string;
  occurredAt?: Date;
  id?: string;
}

/** Builds a validated envelope for one of the platform's events. */
export function buildEvent<S extends TSchema>(
  def: EventDefinition<S>,
  key: string,
  data: Static<S>,
  ctx: EventContext,
): Envelope<Static<S>> {
  const entry = dataChecks.get(`${def.type}@${def.version}`);
  if (!entry) throw new InvalidEventError(`unknown event ${def.type} v${def.version}`);
  if (!entry.check.Check(data)) {
    throw new InvalidEventError(
      `${def.type} data is invalid`,
      [...entry.check.Errors(data)].slice(0, 10).map((e) => ({ path: e.path, message: e.message })),
    );
  }
  return {
    id: ctx.id ?? uuidv7(),
    type: def.type,
    version: def.version,
    occurredAt: (ctx.occurredAt ?? new Date()).toISOString(),
    source: def.source,
    key,
    correlationId: ctx.correlationId,
    ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
    data,
  };
}

/**
 * Parses and validates a raw message. Throws InvalidEventError for a malformed envelope or data;
 * returns `known: false` for a well-formed envelope of a type this build does not know (additive change).
 */
export function parseEvent(raw: string | Buffer): { envelope: Envelope; known: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    throw new InvalidEventError(`not JSON: ${(err as Error).message}`);
  }
  if (!envelopeCheck.Check(value)) {
    throw new InvalidEventError(
      'envelope is invalid',
      [...envelopeCheck.Errors(value)].slice(0, 10).map((e) => ({ path: e.path, message: e.message })),
    );
  }
  const envelope = value as Envelope;
  const entry = dataChecks.get(`${envelope.type}@${envelope.version}`);
  if (!entry) return { envelope, known: false };
  if (!entry.check.Check(envelope.data)) {
    throw new InvalidEventError(
      `${envelope.type} data is invalid`,
      [...entry.check.Errors(envelope.data)].slice(0, 10).map((e) => ({ path: e.path, message: e.message })),
    );
  }
  return { envelope, known: true };
}

/** Narrows a parsed envelope to one event's data type. */
export function isEvent<S extends TSchema>(
  envelope: Envelope,
  def: EventDefinition<S>,
): envelope is Envelope<Static<S>> {
  return envelope.type === def.type && envelope.version === def.version;
}
