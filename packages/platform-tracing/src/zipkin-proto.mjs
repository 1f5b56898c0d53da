// A SpanExporter that sends spans to Zipkin's /api/v2/spans as proto3 (application/x-protobuf, zipkin2's
// zipkin.proto ListOfSpans), in place of @opentelemetry/exporter-zipkin. That one builds a Zipkin object
// per span, turns every attribute into a tag object entry, copies the resource's attributes onto each span
// and JSON.stringifies the lot on a new connection per batch; the server then parses JSON. Here each span is
// written straight into one buffer, the connection is kept alive, and the Zipkin server reads proto3, the
// format it decodes with the least work. Tags are the span's attributes, its status (otel.status_code,
// error) and the resource's attributes except service.name (the local endpoint already says it) and
// telemetry.sdk.* (the same three values on every span of every service: they say nothing about a request).
import http from 'node:http';
import https from 'node:https';
import { diag, SpanKind, SpanStatusCode } from '@opentelemetry/api';

// @opentelemetry/core's ExportResultCode (core is the SDK's dependency, not this package's).
const ExportResultCode = { SUCCESS: 0, FAILED: 1 };

// zipkin.proto: Span.Kind
const KIND = { [SpanKind.CLIENT]: 1, [SpanKind.SERVER]: 2, [SpanKind.PRODUCER]: 3, [SpanKind.CONSUMER]: 4 };
// Field keys (field number << 3 | wire type): 2 = length-delimited, 0 = varint, 1 = 64-bit.
const LIST_SPANS = (1 << 3) | 2;
const TRACE_ID = (1 << 3) | 2;
const PARENT_ID = (2 << 3) | 2;
const ID = (3 << 3) | 2;
const SPAN_KIND = (4 << 3) | 0;
const NAME = (5 << 3) | 2;
const TIMESTAMP = (6 << 3) | 1;
const DURATION = (7 << 3) | 0;
const LOCAL_ENDPOINT = (8 << 3) | 2;
const ANNOTATIONS = (10 << 3) | 2;
const TAGS = (11 << 3) | 2;
const ENDPOINT_SERVICE_NAME = (1 << 3) | 2;
const ANNOTATION_TIMESTAMP = (1 << 3) | 1;
const ANNOTATION_VALUE = (2 << 3) | 2;
const ENTRY_KEY = (1 << 3) | 2;
const ENTRY_VALUE = (2 << 3) | 2;
/** Bytes kept free before a nested message for its key and a length of up to 2^35 - 1. */
const HEADROOM = 6;

const micros = (hr) => hr[0] * 1e6 + Math.floor(hr[1] / 1e3);

/** Writes one span after another into a buffer that grows as needed; `bytes()` is the ListOfSpans. */
class Writer {
  constructor(size) {
    this.buf = Buffer.allocUnsafe(size);
    this.pos = 0;
  }

  /** Room for at least n more bytes. */
  ensure(n) {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(v) {
    const buf = this.buf;
    while (v > 127) {
      buf[this.pos++] = (v & 127) | 128;
      v = Math.floor(v / 128);
    }
    buf[this.pos++] = v;
  }

  fixed64(v) {
    this.buf.writeUInt32LE(v % 4294967296, this.pos);
    this.buf.writeUInt32LE(Math.floor(v / 4294967296), this.pos + 4);
    this.pos += 8;
  }

  hexBytes(key, hex) {
    this.buf[this.pos++] = key;
    this.buf[this.pos++] = hex.length >> 1;
    this.pos += this.buf.hexWrite(hex, this.pos);
  }

  string(key, s) {
    this.buf[this.pos++] = key;
    // Up to 42 UTF-16 units make at most 126 UTF-8 bytes: a one-byte length, written after the bytes.
    if (s.length <= 42) {
      const at = this.pos++;
      const n = this.buf.utf8Write(s, this.pos);
      this.buf[at] = n;
      this.pos += n;
      return;
    }
    const n = Buffer.byteLength(s);
    this.ensure(n + 5);
    this.varint(n);
    this.pos += this.buf.utf8Write(s, this.pos, n);
  }

  /** Starts a nested message under key: its length is filled in by end(). */
  begin() {
    const start = this.pos;
    this.pos += HEADROOM;
    return start;
  }

  end(key, start) {
    const len = this.pos - start - HEADROOM;
    let lenBytes = 1;
    while (len >= 2 ** (7 * lenBytes)) lenBytes += 1;
    const at = start + HEADROOM - 1 - lenBytes;
    this.buf[at] = key;
    let v = len;
    for (let i = 1; i < lenBytes; i++) {
      this.buf[at + i] = (v & 127) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[at + lenBytes] = v;
    // The message's key and length now sit right before its bytes; close the gap left before them.
    if (at > start) {
      this.buf.copyWithin(start, at, this.pos);
      this.pos -= at - start;
    }
  }

  tag(key, value) {
    this.ensure(key.length * 3 + value.length * 3 + 24);
    const entry = this.begin();
    this.string(ENTRY_KEY, key);
    this.string(ENTRY_VALUE, value);
    this.end(TAGS, entry);
  }

  span(span, serviceName, resourceTags) {
    const sc = span.spanContext();
    this.ensure(256 + span.name.length * 3);
    const start = this.begin();
    this.hexBytes(TRACE_ID, sc.traceId);
    const parent = span.parentSpanContext?.spanId;
    if (parent) this.hexBytes(PARENT_ID, parent);
    this.hexBytes(ID, sc.spanId);
    const kind = KIND[span.kind];
    if (kind) {
      this.buf[this.pos++] = SPAN_KIND;
      this.buf[this.pos++] = kind;
    }
    this.string(NAME, span.name);
    this.buf[this.pos++] = TIMESTAMP;
    this.fixed64(micros(span.startTime));
    const duration = Math.round(span.duration[0] * 1e6 + span.duration[1] / 1e3);
    if (duration > 0) {
      this.buf[this.pos++] = DURATION;
      this.varint(duration);
    }
    const endpoint = this.begin();
    this.string(ENDPOINT_SERVICE_NAME, serviceName);
    this.end(LOCAL_ENDPOINT, endpoint);
    for (const event of span.events) {
      this.ensure(32 + event.name.length * 3);
      const a = this.begin();
      this.buf[this.pos++] = ANNOTATION_TIMESTAMP;
      this.fixed64(micros(event.time));
      this.string(ANNOTATION_VALUE, event.name);
      this.end(ANNOTATIONS, a);
    }
    const attributes = span.attributes;
    for (const key in attributes) {
      const value = attributes[key];
      if (value !== undefined) this.tag(key, String(value));
    }
    const status = span.status;
    if (status.code !== SpanStatusCode.UNSET) this.tag('otel.status_code', SpanStatusCode[status.code]);
    if (status.code === SpanStatusCode.ERROR && status.message) this.tag('error', status.message);
    if (span.droppedAttributesCount) this.tag('otel.dropped_attributes_count', String(span.droppedAttributesCount));
    if (span.droppedEventsCount) this.tag('otel.dropped_events_count', String(span.droppedEventsCount));
    if (span.droppedLinksCount) this.tag('otel.dropped_links_count', String(span.droppedLinksCount));
    for (const [key, value] of resourceTags) this.tag(key, value);
    this.end(LIST_SPANS, start);
  }
}

/** Encodes ended spans as a zipkin2 proto3 ListOfSpans. */
export function encodeSpans(spans) {
  const w = new Writer(Math.max(4096, spans.length * 512));
  let resource;
  let serviceName = '';
  let resourceTags = [];
  for (const span of spans) {
    // One resource per tracer provider: its tags are worked out once a batch, not once a span.
    if (span.resource !== resource) {
      resource = span.resource;
      const attrs = resource.attributes;
      serviceName = String(attrs['service.name'] ?? 'unknown_service');
      resourceTags = Object.keys(attrs)
        .filter((k) => k !== 'service.name' && !k.startsWith('telemetry.sdk.') && attrs[k] !== undefined)
        .map((k) => [k, String(attrs[k])]);
    }
    w.span(span, serviceName, resourceTags);
  }
  return w.buf.subarray(0, w.pos);
}

export class ZipkinProtoExporter {
  /** @param {{ url?: string }} [config] */
  constructor(config = {}) {
    this.url = new URL(config.url ?? process.env.OTEL_EXPORTER_ZIPKIN_ENDPOINT ?? 'http://localhost:9411/api/v2/spans');
    const client = this.url.protocol === 'https:' ? https : http;
    this.request = client.request;
    // One kept-alive connection: batches go one at a time from the batch processor.
    this.agent = new client.Agent({ keepAlive: true, maxSockets: 2 });
    this.timeoutMs = Number(process.env.OTEL_EXPORTER_ZIPKIN_TIMEOUT ?? 10_000);
    this.pending = new Set();
    this.stopped = false;
  }

  export(spans, resultCallback) {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('Exporter has been shut down') });
      return;
    }
    if (spans.length === 0) {
      resultCallback({ code: ExportResultCode.SUCCESS });
      return;
    }
    const sent = this.send(encodeSpans(spans)).then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (error) => resultCallback({ code: ExportResultCode.FAILED, error }),
    );
    this.pending.add(sent);
    sent.finally(() => this.pending.delete(sent));
  }

  send(body) {
    return new Promise((resolve, reject) => {
      const req = this.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
          timeout: this.timeoutMs,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            if (text.length < 1000) text += chunk;
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status < 400) resolve();
            else reject(new Error(`Zipkin answered ${status}: ${text.slice(0, 200)}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`Zipkin did not answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  async forceFlush() {
    await Promise.all([...this.pending]);
  }

  async shutdown() {
    this.stopped = true;
    await this.forceFlush();
    this.agent.destroy();
    diag.debug('zipkin proto exporter shut down');
  }
}
