import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyFromBase64(encoded: string): Buffer {
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== 32) throw new Error(`an encryption key must be 32 bytes of base64 (got ${key.length} bytes)`);
  return key;
}

/**
 * Secrets at rest (service-account passwords, storage keys, webhook keys): AES-256-GCM under one
 * 32-byte key from the environment. Sealed values are `v1:<base64(iv | tag | ciphertext)>`.
 * Rotation: new values are sealed with the current key; values sealed with an older key (given as
 * `oldKeys`) still open, and `reseal` moves each to the current one.
 */
export class SecretBox {
  private constructor(private readonly keys: readonly Buffer[]) {}

  /** `encoded` seals and opens; each of `oldKeys` only opens (what it sealed before a rotation). */
  static fromBase64(encoded: string, oldKeys: readonly string[] = []): SecretBox {
    return new SecretBox([encoded, ...oldKeys].map(keyFromBase64));
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0], iv);
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
  }

  /** Throws when the value was sealed with none of the keys, or was altered. */
  open(sealed: string): string {
    return this.opened(sealed).plain;
  }

  /** The value sealed anew with the current key when an older key sealed it; undefined when the current one did. */
  reseal(sealed: string): string | undefined {
    const { plain, keyIndex } = this.opened(sealed);
    return keyIndex === 0 ? undefined : this.seal(plain);
  }

  private opened(sealed: string): { plain: string; keyIndex: number } {
    const [version, body] = sealed.split(':', 2);
    if (version !== VERSION || !body) throw new Error('not a sealed secret');
    const raw = Buffer.from(body, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('not a sealed secret');
    for (const [keyIndex, key] of this.keys.entries()) {
      // The tag's length fixed: GCM would take a tag cut to 4 bytes, much easier to forge.
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      try {
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return { plain: Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8'), keyIndex };
      } catch {
        // Not this key's (GCM's tag check): the next one may have sealed it.
      }
    }
    throw new Error('a sealed secret could not be opened: wrong encryption key, or the value was altered');
  }
}
