import { randomUUID } from 'node:crypto';

/** The parts of an OpenAPI 3 document the hostile requests are built from. */
export interface Schema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  minimum?: number;
  minLength?: number;
  properties?: Record<string, Schema>;
  required?: string[];
}
interface Operation {
  parameters?: { in: string; name: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

export interface HostileRequest {
  method: string;
  url: string;
  /** Raw JSON text, so values JSON.stringify cannot write (1e309) reach the parser. */
  payload?: string;
  what: string;
}

/** Text values for path and query parameters (already URL-encoded where they must be). */
const HOSTILE_TEXT = [
  '1e309',
  '-1e309',
  'Infinity',
  '-Infinity',
  'NaN',
  '9'.repeat(40),
  '2147483648',
  '-2147483649',
  '-1',
  '0',
  '1.5',
  '0x10',
  'true',
  '%00',
  'a%00b',
  '%01%1F%7F',
  '%FF%FE',
  '%F0%9F%8E%AC',
  encodeURIComponent("'; drop table users; --"),
  '..%2F..%2Fetc%2Fpasswd',
  'x'.repeat(5000),
];

/** Raw JSON values for body properties: non-finite and huge numbers, control bytes, huge strings, wrong types. */
const HOSTILE_JSON = [
  '1e309',
  '-1e309',
  '1e308',
  '99999999999999999999999',
  '2147483648',
  '-1',
  '0',
  '1.5',
  'true',
  'null',
  '[]',
  '{}',
  '[null]',
  '"1e309"',
  '"Infinity"',
  '"\\u0000"',
  '"a\\u0000b"',
  '"\\u0001\\u001f\\u007f"',
  '"\\ud800"',
  `"${'x'.repeat(10_000)}"`,
  '{"__proto__":{"isAdmin":true}}',
];

/** Whole bodies of the wrong shape. */
const HOSTILE_BODIES = ['[]', '"text"', '1e309', 'null', '{"__proto__":{"role":"admin"}}', '\u0000'];

function firstType(schema: Schema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
}

/** A plausible valid value, so that one hostile field at a time is what the service sees. */
export function sample(schema: Schema | undefined): unknown {
  if (!schema) return 'x';
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.anyOf?.length) return sample(schema.anyOf.find((s) => firstType(s) !== 'null') ?? schema.anyOf[0]);
  switch (firstType(schema)) {
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((k) => [k, sample(schema.properties?.[k])]));
    default:
      if (schema.format === 'uuid') return randomUUID();
      if (schema.format === 'email') return 'someone@example.com';
      if (schema.format === 'date-time') return '2020-01-01T00:00:00Z';
      if (schema.format === 'date') return '2020-01-01';
      if (schema.format === 'uri') return 'https://example.com/a.png';
      return 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
  }
}

const MARK = '"__hostile__"';

/** Every hostile request for one operation: each path parameter, query parameter and body property in turn. */
export function hostileRequests(path: string, method: string, op: Operation): HostileRequest[] {
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const query = params.filter((p) => p.in === 'query');
  const bodySchema = op.requestBody?.content?.['application/json']?.schema;
  const urlWith = (override?: { name: string; value: string }) =>
    path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      if (override?.name === name) return override.value;
      return encodeURIComponent(String(sample(pathParams.find((p) => p.name === name)?.schema)));
    });
  const baseBody = bodySchema ? JSON.stringify(sample(bodySchema)) : undefined;
  const m = method.toUpperCase();
  const out: HostileRequest[] = [];
  for (const p of pathParams)
    for (const value of HOSTILE_TEXT)
      out.push({
        method: m,
        url: urlWith({ name: p.name, value }),
        payload: baseBody,
        what: `path ${p.name}=${value.slice(0, 40)}`,
      });
  for (const q of query)
    for (const value of HOSTILE_TEXT)
      out.push({
        method: m,
        url: `${urlWith()}?${q.name}=${value}`,
        payload: baseBody,
        what: `query ${q.name}=${value.slice(0, 40)}`,
      });
  if (bodySchema) {
    for (const body of HOSTILE_BODIES)
      out.push({ method: m, url: urlWith(), payload: body, what: `body ${body.slice(0, 40)}` });
    const base = sample(bodySchema) as Record<string, unknown>;
    for (const prop of Object.keys(bodySchema.properties ?? {})) {
      const text = JSON.stringify({ ...base, [prop]: '__hostile__' });
      for (const value of HOSTILE_JSON)
        out.push({
          method: m,
          url: urlWith(),
          payload: text.replace(MARK, value),
          what: `body.${prop}=${value.slice(0, 40)}`,
        });
    }
  }
  return out;
}
