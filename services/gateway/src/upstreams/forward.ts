import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

export interface UpstreamAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The whole body when it was small enough to buffer, else a stream of it. */
  body: Buffer | Readable;
}

/**
 * Sends one request through an undici pool with a handler of its own rather than `request()`: a small
 * answer (content-length up to `bufferLimit`) is collected straight into one buffer with no body stream
 * and no promise per chunk (the gateway's common case); a larger or unsized one is handed on as a stream
 * that pauses the upstream socket while the client is slower.
 */
export function forward(
  dispatcher: Dispatcher,
  opts: Dispatcher.DispatchOptions,
  bufferLimit: number,
): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let chunks: Buffer[] | undefined;
    let stream: Readable | undefined;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      onResponseStart(controller, statusCode, responseHeaders) {
        // 1xx answers are informational: the real one follows.
        if (statusCode < 200) return;
        status = statusCode;
        headers = responseHeaders;
        const size = Number(responseHeaders['content-length']);
        if (size <= bufferLimit) {
          chunks = [];
          return;
        }
        stream = new Readable({ read: () => controller.resume() });
        resolve({ status, headers, body: stream });
      },
      onResponseData(controller, chunk) {
        if (chunks) chunks.push(chunk);
        else if (stream && !stream.push(chunk)) controller.pause();
      },
      onResponseEnd() {
        if (chunks) {
          resolve({ status, headers, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks) });
        } else stream?.push(null);
      },
      onResponseError(_controller, err) {
        if (stream) stream.destroy(err);
        else reject(err);
      },
    };
    dispatcher.dispatch(opts, handler);
  });
}
