import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openUserFields, sealUserFields } from './sealed-fields';

const key = () => ({ keyId: 'k-1', key: randomBytes(32) });
const user = '0190c4a2-7b1e-7c3d-8e4f-5a6b7c8d9e0f';

describe('sealed user fields', () => {
  it('when fields are sealed, then no plain value is in the output and the same key opens them', () => {
    const k = key();
    const sealed = sealUserFields(k, user, { email: 'ada@example.com', firstName: 'Ada', deviceToken: null });
    expect(JSON.stringify(sealed)).not.toContain('ada@example.com');
    expect(sealed.deviceToken).toBeUndefined();
    expect(openUserFields(k, user, sealed)).toEqual({ email: 'ada@example.com', firstName: 'Ada' });
  });

  it('when the key is another one (a destroyed key replaced), then nothing opens', () => {
    const sealed = sealUserFields(key(), user, { email: 'ada@example.com' });
    expect(() => openUserFields({ ...key(), keyId: 'k-1' }, user, sealed)).toThrow();
  });

  it('when a sealed value is moved to another field or user, then it does not open', () => {
    const k = key();
    const sealed = sealUserFields(k, user, { email: 'ada@example.com', firstName: 'Ada' });
    expect(() => openUserFields(k, user, { ...sealed, firstName: sealed.email })).toThrow();
    expect(() => openUserFields(k, '0190c4a2-7b1e-7c3d-8e4f-5a6b7c8d9e10', sealed)).toThrow();
  });

  it('when the tag is cut short, then the value is refused', () => {
    const k = key();
    const sealed = sealUserFields(k, user, { email: 'ada@example.com' });
    const [iv, tag, ct] = (sealed.email as string).split('.') as [string, string, string];
    const short = Buffer.from(tag, 'base64').subarray(0, 4).toString('base64');
    expect(() => openUserFields(k, user, { ...sealed, email: `${iv}.${short}.${ct}` })).toThrow(/malformed/);
  });
});
