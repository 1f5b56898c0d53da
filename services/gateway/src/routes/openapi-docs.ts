import swaggerUi from '@fastify/swagger-ui';
import type { HttpApp } from '@marquee/platform-http';
import { mergeOpenApi, type OpenApiDoc, type ServiceDoc } from '../domain/merge-openapi';
import type { UpstreamPools } from '../upstreams/upstream-pools';

const FETCH_TIMEOUT_MS = 2000;

/** The aggregated document, rebuilt at most once per cache period; concurrent readers share one rebuild. */
export function openApiAggregator(app: HttpApp, pools: UpstreamPools, cacheMs: number) {
  let latest: { doc: OpenApiDoc; at: number } | undefined;
  let building: Promise<OpenApiDoc> | undefined;

  async function fetchDoc(u: ReturnType<UpstreamPools['configured']>[number]): Promise<ServiceDoc> {
    const res = await u.pool.request({
      path: '/openapi.json',
      method: 'GET',
      headersTimeout: FETCH_TIMEOUT_MS,
      bodyTimeout: FETCH_TIMEOUT_MS,
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`status ${res.statusCode}`);
    }
    return { service: u.service, doc: (await res.body.json()) as OpenApiDoc };
  }

  async function build(): Promise<OpenApiDoc> {
    const upstreams = pools.configured();
    const settled = await Promise.allSettled(upstreams.map(fetchDoc));
    const docs: ServiceDoc[] = [];
    const unavailable: string[] = [];
    settled.forEach((r, i) => {
      const service = upstreams[i]?.service as string;
      if (r.status === 'fulfilled') docs.push(r.value);
      else {
        unavailable.push(service);
        app.log.warn({ service, err: r.reason }, 'service OpenAPI document unavailable');
      }
    });
    const doc = mergeOpenApi(app.swagger() as OpenApiDoc, docs, unavailable);
    // A partial document is kept only briefly, so a service that comes back appears soon.
    latest = { doc, at: unavailable.length > 0 ? Date.now() - cacheMs + Math.min(cacheMs, 2000) : Date.now() };
    return doc;
  }

  return {
    async current(): Promise<OpenApiDoc> {
      if (latest && Date.now() - latest.at < cacheMs) return latest.doc;
      building ??= build().finally(() => {
        building = undefined;
      });
      return building;
    },
    /** The last built document (for the docs UI, after current() has run in its hook). */
    last(): OpenApiDoc | undefined {
      return latest?.doc;
    },
  };
}

/** GET /openapi.json (aggregated) and the Swagger UI at /docs showing the same document. */
export async function openApiRoutes(app: HttpApp, opts: { pools: UpstreamPools; cacheMs: number }): Promise<void> {
  const aggregator = openApiAggregator(app, opts.pools, opts.cacheMs);
  app.get('/openapi.json', { schema: { hide: true }, logLevel: 'warn' }, () => aggregator.current());

  await app.register(async (docs) => {
    docs.addHook('onRequest', async () => {
      await aggregator.current();
    });
    await docs.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      uiConfig: { docExpansion: 'list', deepLinking: true },
      transformSpecificationClone: false,
      transformSpecification: () => aggregator.last() ?? {},
    });
  });
}
