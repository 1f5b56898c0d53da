import http2 from 'node:http2';
import { importPKCS8, SignJWT } from 'jose';
import { type Accepted, PermanentSendError } from './send-errors';

export interface ApnsOptions {
  url: string;
  keyPem: string;
  keyId: string;
  teamId: string;
  topic: string;
}

const DEVICE_TOKEN_RE = /^[0-9a-fA-F]{64,200}$/;
/** Reasons that mean the token or request will never be accepted. */
const PERMANENT = new Set(['BadDeviceToken', 'Unregistered', 'DeviceTokenNotForTopic', 'TopicDisallowed']);

/** APNs over HTTP/2 with a provider token (ES256 JWT, renewed every 50 minutes) and one kept-open session. */
export function apnsSender(opts: ApnsOptions) {
  let session: http2.ClientHttp2Session | undefined;
  let jwt: { value: string; until: number } | undefined;

  async function providerToken(): Promise<string> {
    if (jwt && jwt.until > Date.now()) return jwt.value;
    const key = await importPKCS8(opts.keyPem, 'ES256');
    const value = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: opts.keyId })
      .setIssuer(opts.teamId)
      .setIssuedAt()
      .sign(key);
    jwt = { value, until: Date.now() + 50 * 60_000 };
    return value;
  }

  function connection(): http2.ClientHttp2Session {
    if (!session || session.closed || session.destroyed) {
      session = http2.connect(opts.url);
      session.on('error', () => session?.destroy());
      session.unref();
    }
    return session;
  }

  const send = async (
    deviceToken: string,
    message: { title: string; body: string; data: Record<string, string> },
  ): Promise<Accepted> => {
    if (!DEVICE_TOKEN_RE.test(deviceToken)) throw new PermanentSendError('ios device token is not an APNs token');
    const auth = await providerToken();
    const payload = JSON.stringify({ aps: { alert: { title: message.title, body: message.body } }, ...message.data });
    return new Promise<Accepted>((resolve, reject) => {
      const req = connection().request({
        ':method': 'POST',
        ':path': `/3/device/${deviceToken}`,
        authorization: `bearer ${auth}`,
        'apns-topic': opts.topic,
        'apns-push-type': 'alert',
        'apns-priority': '10',
        'content-type': 'application/json',
      });
      req.setTimeout(10_000, () => req.close(http2.constants.NGHTTP2_CANCEL));
      let status = 0;
      let apnsId = '';
      const chunks: Buffer[] = [];
      req.on('response', (h) => {
        status = Number(h[':status']);
        apnsId = String(h['apns-id'] ?? '');
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', reject);
      req.on('close', () => {
        if (status === 200) return resolve({ externalId: apnsId });
        const reason = (() => {
          try {
            return (JSON.parse(Buffer.concat(chunks).toString()) as { reason?: string }).reason ?? '';
          } catch {
            return '';
          }
        })();
        if (status === 403 && reason === 'ExpiredProviderToken') jwt = undefined;
        if (PERMANENT.has(reason) || status === 410)
          reject(new PermanentSendError(`APNs refused: ${reason || status}`));
        else reject(new Error(`APNs answered ${status || 'nothing'} ${reason}`.trim()));
      });
      req.end(payload);
    });
  };
  return Object.assign(send, { close: () => session?.close() });
}
