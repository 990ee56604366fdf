import { createCipheriv, randomBytes } from 'node:crypto';

/**
 * rclone's fixed obscuring key (fs/config/obscure/obscure.go). It is public: obscuring only keeps
 * passwords from being read at a glance, it is not encryption.
 */
const OBSCURE_KEY = Buffer.from('9c935b48730a554d6bfd7c63c886a92bd390198eb8128afbf4de162b8b95f638', 'hex');
const IV_BYTES = 16;

/**
 * What `rclone obscure` prints for `plain`: AES-256-CTR under rclone's fixed key with a random
 * 16-byte IV in front, base64 URL encoding without padding. rclone expects passwords in this
 * form (`RCLONE_CONFIG_<REMOTE>_PASS`), so Node can hand them over without an extra process and
 * without the plain text in any argv.
 */
export function obscure(plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-ctr', OBSCURE_KEY, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body]).toString('base64url');
}
