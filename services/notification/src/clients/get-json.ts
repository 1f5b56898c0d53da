import http from 'node:http';
import https from 'node:https';

/** Largest response body read; a bigger one is an error (the answers read here are a few KB). */
const MAX_BODY_BYTES = 1024 * 1024;

// Sockets are kept open between requests: a digest run asks the same service once per recipient.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

export interface JsonResponse {
  status: number;
  /** The parsed body of a 2xx answer; undefined otherwise. */
  body: unknown;
}

/**
 * GET a JSON document within `timeoutMs` over kept-alive node:http sockets. On the digest path, fetch() (its
 * streams and abort signals) cost several times the CPU per request of the whole rest of this call.
 */
export function getJson(url: string, timeoutMs: number): Promise<JsonResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const agent = agents[target.protocol as keyof typeof agents];
    if (!agent) {
      reject(new Error(`unsupported protocol in ${target.origin}`));
      return;
    }
    const get = target.protocol === 'https:' ? https.get : http.get;
    const req = get(target, { agent, headers: { accept: 'application/json' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        res.resume();
        res.on('end', () => done(undefined, { status, body: undefined }));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES)
          req.destroy(new Error(`${target.origin} answered more than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        try {
          done(undefined, { status, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch (err) {
          done(err as Error);
        }
      });
      res.on('error', (err) => done(err));
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`${target.origin} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (err) => done(err));
    let settled = false;
    function done(err: Error | undefined, value?: JsonResponse) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value as JsonResponse);
    }
  });
}
