import { createHash } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Realistic sample instrument output: a Bruker-style NMR experiment, mass-spectrometry runs and
 * a microscopy session, with the awkward names real instruments produce (spaces, unicode, deep
 * folders, an empty file). Content is deterministic, so sizes and checksums repeat.
 */

/** Deterministic bytes from a seed (SHA-256 in counter mode): same input, same file. */
function bytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0, counter = 0; offset < size; counter++) {
    offset += createHash('sha256').update(`${seed}:${counter}`).digest().copy(out, offset);
  }
  return out;
}

function tiff(seed: string, width: number, height: number): Buffer {
  // Little-endian TIFF header; pixel data follows (not a viewable image, but typed like one).
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]);
  return Buffer.concat([header, bytes(seed, width * height * 2)]);
}

export interface DemoFile {
  path: string;
  content: Buffer;
}

export function demoFiles(): DemoFile[] {
  const files: DemoFile[] = [];
  const add = (path: string, content: Buffer | string) =>
    files.push({ path, content: typeof content === 'string' ? Buffer.from(content) : content });

  for (const [i, sample] of ['ethyl acetate', 'caffeine-D2O', 'β-lactam_7'].entries()) {
    const exp = `nmr/2026-11-1${i}_${sample}/${10 + i}`;
    add(`${exp}/acqus`, `##TITLE= Parameter file\n##$NS= ${16 * (i + 1)}\n##$SFO1= 600.13\n##$SW= 20.0\n##$TD= 65536\n##$SOLVENT= <CDCl3>\n`);
    add(`${exp}/fid`, bytes(`fid-${i}`, 256 * 1024));
    add(`${exp}/pulseprogram`, `;zg30\n#include <Avance.incl>\n1 ze\n2 30m\n  d1\n  p1*0.33 ph1\n  go=2 ph31\n  30m mc #0 to 2 F0(zd)\nexit\n`);
    add(`${exp}/pdata/1/1r`, bytes(`1r-${i}`, 128 * 1024));
    add(`${exp}/pdata/1/procs`, `##TITLE= Processing parameters\n##$SI= 32768\n##$LB= 0.3\n`);
    add(`${exp}/pdata/1/title`, `${sample}, 600 MHz, 298 K\n`);
  }

  for (let i = 1; i <= 4; i++) {
    const run = `ms/QExactive/2026-11/plate 07/run_${String(i).padStart(3, '0')}`;
    add(`${run}.raw`, bytes(`raw-${i}`, 512 * 1024 + i * 1000));
    add(
      `${run}.mzML`,
      `<?xml version="1.0" encoding="utf-8"?>\n<mzML xmlns="http://psi.hupo.org/ms/mzml" version="1.1.0">\n` +
        `  <run id="run_${i}" defaultInstrumentConfigurationRef="IC1">\n    <spectrumList count="${1200 + i}"/>\n  </run>\n</mzML>\n`,
    );
  }
  add('ms/QExactive/2026-11/plate 07/sequence.csv', 'Sample,Position,Method\nblank,A1,Std_60min\nQC,A2,Std_60min\nS1,A3,Std_60min\n');

  for (let tile = 0; tile < 6; tile++) {
    add(`microscopy/confocal/projekt Zellkern/2026-11-12/Ausschnitt ${tile}/z-stack/ch00.tif`, tiff(`t${tile}c0`, 256, 256));
    add(`microscopy/confocal/projekt Zellkern/2026-11-12/Ausschnitt ${tile}/z-stack/ch01.tif`, tiff(`t${tile}c1`, 256, 256));
  }
  add(
    'microscopy/confocal/projekt Zellkern/2026-11-12/metadata.json',
    JSON.stringify({ objective: '63x/1.40 Oil', pixelSizeUm: 0.09, channels: ['DAPI', 'GFP'], operator: 'm.müller' }, null, 2),
  );
  add('microscopy/confocal/projekt Zellkern/2026-11-12/.acquisition-complete', '');
  return files;
}

/**
 * Writes the demo tree under `root`, dated an hour back so it is past any quiet period. Existing
 * files are rewritten with identical content, so a second start leaves the tree as it was.
 */
export async function writeDemoFiles(root: string): Promise<{ files: number; bytes: number }> {
  const files = demoFiles();
  const anHourAgo = new Date(Date.now() - 3600_000);
  // Fixed dates keep re-runs unchanged (same size and mtime means the same file version).
  const stamp = new Date(Date.UTC(2026, 10, 12, 9, 30));
  const when = stamp < anHourAgo ? stamp : anHourAgo;
  let total = 0;
  for (const file of files) {
    const target = join(root, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content);
    await utimes(target, when, when);
    total += file.content.length;
  }
  return { files: files.length, bytes: total };
}
