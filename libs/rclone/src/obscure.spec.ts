import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireTool } from '@sheaf/toolchain';
import { obscure } from './obscure';

const run = promisify(execFile);
const rclone = requireTool('rclone', process.env);

/** The real binary's `rclone reveal`; `--` because an obscured value may start with '-'. */
async function reveal(obscured: string): Promise<string> {
  const { stdout } = await run(rclone, ['reveal', '--', obscured], {
    env: { PATH: process.env.PATH, RCLONE_CONFIG: '/dev/null' },
  });
  return stdout.replace(/\n$/, '');
}

describe('obscure', () => {
  it.each([
    ['an ASCII password', 's3cret-Passw0rd'],
    ['the empty string', ''],
    ['unicode', 'pässwörd ✓ 日本語 🧪'],
    ['quotes, commas and shell characters', `"a,b';$HOME&|\\ %`],
    ['a value longer than one AES block', 'x'.repeat(1000)],
  ])('round-trips %s through the real `rclone reveal`', async (_what, plain) => {
    expect(await reveal(obscure(plain))).toBe(plain);
  });

  it('puts a fresh 16-byte IV in front of each value, in unpadded base64url', () => {
    const a = obscure('same');
    const b = obscure('same');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(16 + Buffer.byteLength('same'));
  });
});
