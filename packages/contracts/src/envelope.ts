import { FormatRegistry, type Static, type TSchema, Type } from '@sinclair/typebox';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (v) => UUID_RE.test(v));
if (!FormatRegistry.Has('date-time'))
  FormatRegistry.Set('date-time', (v) => DATE_TIME_RE.test(v) && !Number.isNaN(Date.parse(v)));

export const Uuid = Type.String({ format: 'uuid' });
export const IsoDateTime = Type.String({ format: 'date-time' });

/** The envelope every Marquee event travels in (ARCHITECTURE.md §3). */
export const EnvelopeSchema = Type.Object(
  {
    id: Uuid,
    type: Type.String({ pattern: '^[a-z_]+(\\.[a-z_]+)+$' }),
    version: Type.Integer({ minimum: 1 }),
    occurredAt: IsoDateTime,
    source: Type.String({ minLength: 1 }),
    key: Type.String({ minLength: 1 }),
    correlationId: Type.String({ minLength: 1 }),
    causationId: Type.Optional(Type.String({ minLength: 1 })),
    data: Type.Unknown(),
  },
  { additionalProperties: false },
);

export type Envelope<D = unknown> = Omit<Static<typeof EnvelopeSchema>, 'data'> & { data: D };

export interface EventDefinition<S extends TSchema = TSchema> {
  type: string;
  version: number;
  topic: string;
  source: string;
  schema: S;
}

export function defineEvent<S extends TSchema>(def: EventDefinition<S>): EventDefinition<S> {
  return def;
}
