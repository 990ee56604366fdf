import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Secrets at rest (service-account passwords, storage keys): AES-256-GCM under one 32-byte key
 * from the environment. Sealed values are `v1:<base64(iv | tag | ciphertext)>`; the version
 * leaves room for key rotation.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromBase64(encoded: string): SecretBox {
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) throw new Error(`an encryption key must be 32 bytes of base64 (got ${key.length} bytes)`);
    return new SecretBox(key);
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
  }

  /** Throws when the value was not sealed with this key or was altered. */
  open(sealed: string): string {
    const [version, body] = sealed.split(':', 2);
    if (version !== VERSION || !body) throw new Error('not a sealed secret');
    const raw = Buffer.from(body, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('not a sealed secret');
    // The tag's length fixed: GCM would take a tag cut to 4 bytes, much easier to forge.
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    try {
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('a sealed secret could not be opened: wrong encryption key, or the value was altered');
    }
  }
}
