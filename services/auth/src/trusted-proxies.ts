import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { Logger } from '@marquee/platform-logging';

const REFRESH_MS = 30_000;

function blockListOf(entries: string[], resolved: string[]): BlockList {
  const list = new BlockList();
  for (const e of entries) {
    if (e === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
    } else if (e.includes('/')) {
      const [net, bits] = e.split('/') as [string, string];
      list.addSubnet(net, Number(bits), isIP(net) === 6 ? 'ipv6' : 'ipv4');
    } else if (isIP(e)) list.addAddress(e, isIP(e) === 6 ? 'ipv6' : 'ipv4');
  }
  for (const a of resolved) list.addAddress(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
  return list;
}

/**
 * TRUSTED_PROXIES as Fastify's trust function: addresses, CIDRs, `loopback`, or host names (the
 * gateway's service name in docker-compose), the names looked up again every 30 s because the
 * gateway starts after auth and may move. Nothing listed: nobody is trusted.
 */
export function trustedProxies(setting: string, logger: Logger): { trust(address: string): boolean; stop(): void } {
  const entries = setting
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const names = entries.filter((e) => e !== 'loopback' && !e.includes('/') && !isIP(e));
  let list = blockListOf(entries, []);
  const refresh = async () => {
    const found = await Promise.all(
      names.map((n) =>
        lookup(n, { all: true }).then(
          (as) => as.map((a) => a.address),
          (err: Error) => {
            logger.debug({ name: n, err: err.message }, 'trusted proxy name not resolvable yet');
            return [];
          },
        ),
      ),
    );
    list = blockListOf(entries, found.flat());
  };
  const timer = names.length > 0 ? setInterval(() => void refresh(), REFRESH_MS) : undefined;
  timer?.unref();
  void refresh();
  return {
    trust(address) {
      const bare = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
      const family = isIP(bare);
      return family !== 0 && list.check(bare, family === 6 ? 'ipv6' : 'ipv4');
    },
    stop: () => clearInterval(timer),
  };
}
