/**
 * TRUST_PROXY as Fastify takes it: a hop count trusts that many proxies in front (the client is the
 * address the outermost one appended), a list trusts only those addresses; never "any proxy",
 * which lets a client write its own address into X-Forwarded-For.
 */
export function trustProxySetting(value: string): number | string | false {
  const v = value.trim();
  if (v === '' || v === '0') return false;
  return /^\d+$/.test(v) ? Number(v) : v;
}
