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

  it('rejects a key that is not 32 bytes', () => {
    expect(() => SecretBox.fromBase64(Buffer.alloc(16).toString('base64'))).toThrow('32 bytes');
  });
});
