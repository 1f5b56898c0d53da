import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, type Identity } from '@marquee/platform-auth';
import type { Database, DbOrTx } from '@marquee/platform-db';
import { and, desc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import {
  type CryptoKey,
  errors,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type JWK,
  type JWTVerifyGetKey,
  SignJWT,
} from 'jose';
import { signingKeys } from '../db/schema';
import type { FieldCipher } from '@marquee/platform-crypto';

const ALG = 'EdDSA';
const CACHE_MS = 30_000;
const MISS_COOLDOWN_MS = 5_000;
const keyContext = (kid: string) => `signing_keys.private_key:${kid}`;

async function insertNewKey(tx: DbOrTx, cipher: FieldCipher): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  const kid = randomUUID();
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
  await tx.insert(signingKeys).values({
    kid,
    algorithm: ALG,
    publicJwk,
    privateKeyEncrypted: cipher.encrypt(await exportPKCS8(privateKey), keyContext(kid)),
  });
  return kid;
}

/** Creates the first signing key when none is active (safe when replicas start together). */
export async function ensureSigningKey(database: Database, cipher: FieldCipher): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('auth.signing_keys'))`);
    const active = await tx
      .select({ kid: signingKeys.kid })
      .from(signingKeys)
      .where(isNull(signingKeys.retiredAt))
      .limit(1);
    if (active.length === 0) await insertNewKey(tx, cipher);
  });
}

/** Retires the signing key(s) in use and makes a new one; retired keys stay in the JWKS for a while. */
export async function rotateSigningKey(
  database: Database,
  cipher: FieldCipher,
): Promise<{ kid: string; retired: string[] }> {
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('auth.signing_keys'))`);
    const retired = await tx
      .update(signingKeys)
      .set({ retiredAt: new Date() })
      .where(isNull(signingKeys.retiredAt))
      .returning({ kid: signingKeys.kid });
    const kid = await insertNewKey(tx, cipher);
    return { kid, retired: retired.map((r) => r.kid) };
  });
}

/** Re-encrypts private signing keys written under an old encryption key. */
export async function reencryptSigningKeys(database: Database, cipher: FieldCipher): Promise<number> {
  const rows = await database.db.select().from(signingKeys);
  let changed = 0;
  for (const row of rows) {
    if (!cipher.isStale(row.privateKeyEncrypted)) continue;
    const pem = cipher.decrypt(row.privateKeyEncrypted, keyContext(row.kid));
    await database.db
      .update(signingKeys)
      .set({ privateKeyEncrypted: cipher.encrypt(pem, keyContext(row.kid)) })
      .where(and(eq(signingKeys.kid, row.kid), eq(signingKeys.privateKeyEncrypted, row.privateKeyEncrypted)));
    changed += 1;
  }
  return changed;
}

interface ActiveKey {
  kid: string;
  privateKey: CryptoKey;
  loadedAt: number;
}

/**
 * Signs access tokens with the newest active key and answers which public keys are valid. Keys are
 * cached briefly, so a rotation made by the CLI is picked up within CACHE_MS by every replica; the
 * old key stays published meanwhile.
 */
export class SigningKeyStore {
  private active: ActiveKey | undefined;
  private publicKeys = new Map<string, { key: CryptoKey | Uint8Array; loadedAt: number }>();
  private misses = new Map<string, number>();
  private readonly database: Database;
  private readonly cipher: FieldCipher;
  private readonly opts: { accessTokenTtlSeconds: number; retiredPublishHours: number };

  constructor(
    database: Database,
    cipher: FieldCipher,
    opts: { accessTokenTtlSeconds: number; retiredPublishHours: number },
  ) {
    this.database = database;
    this.cipher = cipher;
    this.opts = opts;
  }

  private async activeKey(): Promise<ActiveKey> {
    if (this.active && Date.now() - this.active.loadedAt < CACHE_MS) return this.active;
    const [row] = await this.database.db
      .select()
      .from(signingKeys)
      .where(isNull(signingKeys.retiredAt))
      .orderBy(desc(signingKeys.createdAt))
      .limit(1);
    if (!row) throw new Error('no active signing key; start the service or run rotate-signing-key');
    const pem = this.cipher.decrypt(row.privateKeyEncrypted, keyContext(row.kid));
    this.active = { kid: row.kid, privateKey: await importPKCS8(pem, ALG), loadedAt: Date.now() };
    return this.active;
  }

  async signAccessToken(identity: Identity): Promise<{ token: string; expiresIn: number }> {
    const key = await this.activeKey();
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ role: identity.role, ...(identity.sessionId ? { sid: identity.sessionId } : {}) })
      .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'at+jwt' })
      .setSubject(identity.userId)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + this.opts.accessTokenTtlSeconds)
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { token, expiresIn: this.opts.accessTokenTtlSeconds };
  }

  /** Active keys and keys retired within the publish window. */
  async publishedJwks(): Promise<{ keys: JWK[] }> {
    const since = new Date(Date.now() - this.opts.retiredPublishHours * 3600_000);
    const rows = await this.database.db
      .select({ publicJwk: signingKeys.publicJwk })
      .from(signingKeys)
      .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, since)))
      .orderBy(desc(signingKeys.createdAt));
    return { keys: rows.map((r) => r.publicJwk as JWK) };
  }

  /** jose key resolver over the same published set, so auth verifies its own tokens without HTTP. */
  readonly resolveKey: JWTVerifyGetKey = async (header) => {
    const kid = header.kid;
    if (!kid) throw new errors.JWKSNoMatchingKey('token names no kid');
    const hit = this.publicKeys.get(kid);
    if (hit && Date.now() - hit.loadedAt < CACHE_MS) return hit.key;
    const missAt = this.misses.get(kid);
    if (missAt && Date.now() - missAt < MISS_COOLDOWN_MS) throw new errors.JWKSNoMatchingKey();
    const { keys } = await this.publishedJwks();
    const jwk = keys.find((k) => k.kid === kid);
    if (!jwk) {
      if (this.misses.size > 1000) this.misses.clear();
      this.misses.set(kid, Date.now());
      throw new errors.JWKSNoMatchingKey();
    }
    const key = await importJWK(jwk, ALG);
    this.publicKeys.set(kid, { key, loadedAt: Date.now() });
    return key;
  };
}
