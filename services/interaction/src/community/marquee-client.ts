/** A failure talking to a Marquee service, said in one line (the CLI prints it without a stack). */
export class ServiceCallError extends Error {}

export interface ServiceUrls {
  auth: string;
  catalog: string;
  interaction: string;
}

async function call(url: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, ...rest } = init;
  try {
    return await fetch(url, {
      ...rest,
      ...(json === undefined
        ? {}
        : { body: JSON.stringify(json), headers: { ...rest.headers, 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (err) {
    const origin = new URL(url).origin;
    throw new ServiceCallError(
      `nothing answers at ${origin} (${(err as Error).message}); start Marquee with ./marquee up`,
    );
  }
}

async function expectOk<T>(res: Response, what: string): Promise<T> {
  if (!res.ok) throw new ServiceCallError(`${what} failed: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

/** The admin's access token, renewed by logging in again before it expires. */
export class AdminSession {
  private token = '';
  private expiresAt = 0;
  private readonly urls: ServiceUrls;
  private readonly login: string;
  private readonly password: string;

  constructor(urls: ServiceUrls, login: string, password: string) {
    this.urls = urls;
    this.login = login;
    this.password = password;
  }

  async header(): Promise<{ authorization: string }> {
    if (Date.now() > this.expiresAt - 60_000) {
      const res = await call(`${this.urls.auth}/v1/auth/login`, {
        method: 'POST',
        json: { login: this.login, password: this.password },
      });
      const body = await expectOk<{ accessToken: string; expiresIn: number; user: { role?: string } }>(
        res,
        `admin login as ${this.login}`,
      );
      this.token = body.accessToken;
      this.expiresAt = Date.now() + body.expiresIn * 1000;
    }
    return { authorization: `Bearer ${this.token}` };
  }
}

/** Registers the account, or finds it by email when it exists already (a re-run): its user id either way. */
export async function ensureAccount(
  urls: ServiceUrls,
  admin: AdminSession,
  account: { username: string; email: string; firstName: string; lastName: string; password: string },
): Promise<{ userId: string; created: boolean }> {
  const res = await call(`${urls.auth}/v1/auth/register`, { method: 'POST', json: account });
  if (res.status === 201) return { userId: ((await res.json()) as { user: { id: string } }).user.id, created: true };
  if (res.status !== 409) await expectOk(res, `registering ${account.email}`);
  await res.body?.cancel();
  // The email goes in a body: URLs are logged.
  const found = await call(`${urls.auth}/v1/admin/users/search`, {
    method: 'POST',
    headers: await admin.header(),
    json: { email: account.email },
  });
  const page = await expectOk<{ items: { id: string }[] }>(found, `looking up ${account.email}`);
  const userId = page.items[0]?.id;
  if (!userId) throw new ServiceCallError(`${account.email} is taken but not found by email (username clash?)`);
  return { userId, created: false };
}

/** MovieLens movie id → catalog movie id, from the catalog's own import mapping (movielensId on each movie). */
export async function catalogIdsByMovielensId(urls: ServiceUrls): Promise<Map<number, number>> {
  const ids = new Map<number, number>();
  let cursor: string | null = null;
  do {
    const query: string = `limit=100&include_adult=true&sort=title${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await expectOk<{ items: { id: number; movielensId: number | null }[]; nextCursor: string | null }>(
      await call(`${urls.catalog}/v1/movies?${query}`),
      'listing catalog movies',
    );
    for (const m of page.items) if (m.movielensId !== null) ids.set(m.movielensId, m.id);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

export interface ImportResult {
  recorded: number;
  unchanged: number;
  superseded: number;
  rejected: { index: number; field: string; reason: string }[];
}

export async function importBatch(urls: ServiceUrls, admin: AdminSession, items: unknown[]): Promise<ImportResult> {
  const res = await call(`${urls.interaction}/v1/admin/interactions/import`, {
    method: 'POST',
    headers: await admin.header(),
    json: { items },
  });
  return expectOk<ImportResult>(res, 'importing a batch of ratings');
}

/** How many ratings a user has (0 or more), to tell an empty system from one already seeded. */
export async function hasRatings(urls: ServiceUrls, admin: AdminSession, userId: string): Promise<boolean> {
  const res = await call(`${urls.interaction}/v1/users/${userId}/library/ratings?limit=1`, {
    headers: await admin.header(),
  });
  return (await expectOk<{ items: unknown[] }>(res, 'reading a demo library')).items.length > 0;
}
