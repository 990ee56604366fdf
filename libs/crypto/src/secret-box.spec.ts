import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

const key = () => randomBytes(32).toString('base64');

describe('SecretBox', () => {
  it('round-trips a secret and never stores it in clear', () => {
    const box = SecretBox.fromBase64(key());
    const sealed = box.seal('Pa55w0rd! ünïcode');
    expect(sealed).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(sealed.slice(3), 'base64').toString('latin1')).not.toContain('Pa55w0rd');
    expect(box.open(sealed)).toBe('Pa55w0rd! ünïcode');
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('refuses another key and an altered value', () => {
    const sealed = SecretBox.fromBase64(key()).seal('secret');
    expect(() => SecretBox.fromBase64(key()).open(sealed)).toThrow(/wrong encryption key/);
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => SecretBox.fromBase64(key()).open(`v1:${raw.toString('base64')}`)).toThrow(/could not be opened/);
  });

  it('refuses a value too short to hold a whole tag (a 4-byte tag is 2^32 guesses from a forgery)', () => {
    const box = SecretBox.fromBase64(key());
    expect(() => box.open(`v1:${randomBytes(12 + 4).toString('base64')}`)).toThrow('not a sealed secret');
  });

  it('opens what an older key sealed, seals only with the current one, and re-seals the older values', () => {
    const [older, current] = [key(), key()];
    const before = SecretBox.fromBase64(older).seal('pw-before');
    const rotated = SecretBox.fromBase64(current, [older]);
    expect(rotated.open(before)).toBe('pw-before');
    const resealed = rotated.reseal(before)!;
    expect(SecretBox.fromBase64(current).open(resealed)).toBe('pw-before');
    expect(() => SecretBox.fromBase64(older).open(rotated.seal('pw-after'))).toThrow(/wrong encryption key/);
    // Sealed with the current key already: nothing to do.
    expect(rotated.reseal(resealed)).toBeUndefined();
    expect(() => rotated.reseal(SecretBox.fromBase64(key()).seal('x'))).toThrow(/wrong encryption key/);
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => SecretBox.fromBase64(Buffer.alloc(16).toString('base64'))).toThrow('32 bytes');
  });
});
