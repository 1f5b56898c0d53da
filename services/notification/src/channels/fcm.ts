import { importPKCS8, SignJWT } from 'jose';
import { type Accepted, PermanentSendError } from './send-errors';

interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  token_uri: string;
}

export function parseServiceAccount(json: string): ServiceAccount {
  const sa = JSON.parse(json) as Partial<ServiceAccount>;
  for (const k of ['project_id', 'client_email', 'private_key', 'token_uri'] as const) {
    if (typeof sa[k] !== 'string' || !sa[k]) throw new Error(`FCM_SERVICE_ACCOUNT_JSON has no ${k}`);
  }
  return sa as ServiceAccount;
}

/** FCM HTTP v1: an OAuth2 token from the service account (JWT bearer grant), then messages:send per device. */
export function fcmSender(account: ServiceAccount, baseUrl: string) {
  let token: { value: string; until: number } | undefined;

  async function accessToken(): Promise<string> {
    if (token && token.until > Date.now()) return token.value;
    const key = await importPKCS8(account.private_key, 'RS256');
    const assertion = await new SignJWT({ scope: 'https://www.googleapis.com/auth/firebase.messaging' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(account.client_email)
      .setAudience(account.token_uri)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    const res = await fetch(account.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`FCM token endpoint answered ${res.status}`);
    const body = (await res.json()) as { access_token: string; expires_in: number };
    // Renewed a minute early so a request never carries a token that expires in flight.
    token = { value: body.access_token, until: Date.now() + (body.expires_in - 60) * 1000 };
    return token.value;
  }

  return async (
    deviceToken: string,
    message: { title: string; body: string; data: Record<string, string> },
  ): Promise<Accepted> => {
    const res = await fetch(`${baseUrl}/v1/projects/${encodeURIComponent(account.project_id)}/messages:send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await accessToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        message: { token: deviceToken, notification: { title: message.title, body: message.body }, data: message.data },
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => ({}))) as {
      name?: string;
      error?: { status?: string; message?: string };
    };
    if (res.status === 401) token = undefined;
    // UNREGISTERED (404) and INVALID_ARGUMENT (400) mean this token will never work.
    if (res.status === 404 || res.status === 400) {
      throw new PermanentSendError(`FCM refused the token: ${body.error?.status ?? res.status}`);
    }
    if (!res.ok || !body.name) throw new Error(`FCM answered ${res.status} ${body.error?.status ?? ''}`.trim());
    return { externalId: body.name };
  };
}
