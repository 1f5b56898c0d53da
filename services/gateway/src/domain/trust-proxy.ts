/**
 * TRUST_PROXY as Fastify takes it: the proxies' addresses or CIDRs, whose X-Forwarded-For names the client (the
 * address the nearest untrusted hop appended). Never "any proxy", and no hop count (config.ts refuses both): either
 * lets a client that reaches the gateway directly write its own address into X-Forwarded-For.
 */
export function trustProxySetting(value: string): string | false {
  const v = value.trim();
  return v === '' ? false : v;
}
