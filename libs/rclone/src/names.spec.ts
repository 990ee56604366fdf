import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@sheaf/toolchain';
import { localName } from './names';
import { Rclone, type ListedFile } from './rclone';

describe('localName', () => {
  it('leaves ordinary names alone', () => {
    expect(localName('dir/ünïcødé ✓ "quoted" back\\slash.txt')).toBe('dir/ünïcødé ✓ "quoted" back\\slash.txt');
  });

  it('turns rclone\'s symbols back into control characters and unquotes real symbols', () => {
    expect(localName('tab␉here/nl␊x')).toBe('tab\there/nl\nx');
    expect(localName('del␡x ctl␁')).toBe('del\x7fx ctl\x01');
    expect(localName('lit‛␉eral lit‛‛quote')).toBe('lit␉eral lit‛quote');
  });

  it('gives back every name on disk from a real rclone listing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rclone-names-'));
    try {
      const names = ['tab\there', 'ctl\x01x', 'del\x7fx', 'nl\nx', 'lit␉eral', 'lit‛quote', 'lit␡del', ' lead', 'plain.txt'];
      await Promise.all(names.map((name) => writeFile(join(dir, name), name)));
      const listed: ListedFile[] = [];
      for await (const entries of new Rclone(requireTool('rclone', process.env)).listFiles(dir)) listed.push(...entries);
      expect(listed.map((e) => localName(e.Path)).sort()).toEqual((await readdir(dir)).sort());
      expect(listed.map((e) => localName(e.Path)).sort()).toEqual([...names].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
