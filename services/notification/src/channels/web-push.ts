import webpush from 'web-push';
import type { VapidKeys } from '../db/service-keys';
import { type Accepted, PermanentSendError } from './send-errors';

export interface WebPushOptions {
  keys: VapidKeys;
  subject: string;
  /** Host suffixes a subscription endpoint may point to; anything else is refused (no SSRF through a device token). */
  allowedHosts: string[];
}

function endpointAllowed(endpoint: string, allowedHosts: string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  const host = url.hostname;
  const listed = allowedHosts.some((h) => host === h || (h.startsWith('.') && host.endsWith(h)));
  // Plain http only for loopback hosts named explicitly (local test push services).
  const loopback = host === '127.0.0.1' || host === 'localhost';
  return listed && (url.protocol === 'https:' || (url.protocol === 'http:' && loopback));
}

/** Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payloads; the device token is the browser's subscription JSON. */
export function webPushSender(opts: WebPushOptions) {
  return async (
    deviceToken: string,
    message: { title: string; body: string; data: Record<string, string> },
  ): Promise<Accepted> => {
    let sub: webpush.PushSubscription;
    try {
      sub = JSON.parse(deviceToken) as webpush.PushSubscription;
    } catch {
      throw new PermanentSendError('web device token is not a push subscription');
    }
    if (typeof sub?.endpoint !== 'string' || !sub.keys?.p256dh || !sub.keys?.auth) {
      throw new PermanentSendError('web device token is not a push subscription');
    }
    if (!endpointAllowed(sub.endpoint, opts.allowedHosts))
      throw new PermanentSendError('push endpoint host is not allowed');
    const req = webpush.generateRequestDetails(sub, JSON.stringify(message), {
      vapidDetails: { subject: opts.subject, publicKey: opts.keys.publicKey, privateKey: opts.keys.privateKey },
      TTL: 86_400,
    });
    const res = await fetch(req.endpoint, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.body as Buffer,
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    // 404/410: the subscription expired or was withdrawn; it will not come back.
    if (res.status === 404 || res.status === 410)
      throw new PermanentSendError(`web push subscription gone (${res.status})`);
    if (!res.ok) throw new Error(`web push service answered ${res.status}`);
    return { externalId: res.headers.get('location') ?? '' };
  };
}
