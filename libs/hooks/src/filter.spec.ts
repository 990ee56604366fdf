import { runHooks, type HookConfigRow, type HookContext, type HookFile } from './index';

const ctx: HookContext = { instrument: { id: 'inst-1', name: 'Krios' }, runId: 'run-1' };

function file(path: string, overrides: Partial<HookFile> = {}): HookFile {
  return { fileVersionId: path, path, size: 1000, mtime: '2025-01-01T00:00:00.000Z', destinationPath: path, metadata: {}, access: { groups: [], projects: [] }, ...overrides };
}

function filter(config: unknown): HookConfigRow {
  return { id: 'filter-1', phase: 'pre', kind: 'filter', priority: 10, enabled: true, config };
}

async function decide(config: unknown, files: HookFile[]) {
  const result = await runHooks('pre', [filter(config)], files, ctx);
  return {
    decisions: Object.fromEntries(result.decisions),
    destinations: Object.fromEntries(result.files.map((f) => [f.fileVersionId, f.destinationPath])),
  };
}

describe('filter hook', () => {
  it('skips files outside the include globs and names the globs, dotfiles included', async () => {
    const { decisions } = await decide({ include: ['**/*.tif', 'session/**'] }, [file('a/b.tif'), file('.hidden/c.tif'), file('a/b.txt'), file('session/x.log')]);
    expect(decisions).toEqual({
      'a/b.tif': { action: 'accept' },
      '.hidden/c.tif': { action: 'accept' },
      'a/b.txt': { action: 'skip', reason: 'matches no include glob ("**/*.tif", "session/**")' },
      'session/x.log': { action: 'accept' },
    });
  });

  it('skips files matching an exclude glob and names the glob that matched', async () => {
    const { decisions } = await decide({ exclude: ['**/*.tmp', '**/~$*'] }, [file('run/img.tmp'), file('run/~$report.docx'), file('run/img.tif')]);
    expect(decisions).toEqual({
      'run/img.tmp': { action: 'skip', reason: 'matches exclude glob "**/*.tmp"' },
      'run/~$report.docx': { action: 'skip', reason: 'matches exclude glob "**/~$*"' },
      'run/img.tif': { action: 'accept' },
    });
  });

  it('skips files outside the size limits, bounds inclusive', async () => {
    const { decisions } = await decide({ minSize: 10, maxSize: 100 }, [file('small', { size: 9 }), file('min', { size: 10 }), file('max', { size: 100 }), file('big', { size: 101 })]);
    expect(decisions).toEqual({
      small: { action: 'skip', reason: 'size 9 bytes is below minSize 10' },
      min: { action: 'accept' },
      max: { action: 'accept' },
      big: { action: 'skip', reason: 'size 101 bytes is above maxSize 100' },
    });
  });

  it('redirects with the first matching rule and fills every placeholder', async () => {
    const config = {
      redirect: [
        { match: 'raw/**/*.gz', to: 'archive/{dir}/{stem}{ext}|{name}|{path}|{meta.project}' },
        { match: 'raw/**', to: 'never/{name}' },
        { match: '*', to: 'top/{dir}/{name}' },
      ],
    };
    const { decisions, destinations } = await decide(config, [file('raw/d1/x.tar.gz', { metadata: { project: 'p7' } }), file('root.txt'), file('other/y.txt')]);
    expect(Object.values(decisions).every((decision) => decision.action === 'accept')).toBe(true);
    expect(destinations).toEqual({
      'raw/d1/x.tar.gz': 'archive/raw/d1/x.tar.gz|x.tar.gz|raw/d1/x.tar.gz|p7',
      // {dir} of a file at the root is '.', and '.' segments are dropped.
      'root.txt': 'top/root.txt',
      'other/y.txt': 'other/y.txt',
    });
  });

  it('holds a file whose redirect would escape the destination or lacks the metadata it needs', async () => {
    const config = { redirect: [{ match: '**', to: 'by-project/{meta.project}/{name}' }] };
    const { decisions, destinations } = await decide(config, [
      file('a.raw', { metadata: { project: '../../etc' } }),
      file('c.raw'),
      file('d.raw', { metadata: { project: 'p1' } }),
    ]);
    expect(decisions['a.raw']).toEqual({ action: 'hold', reason: 'redirect "by-project/{meta.project}/{name}" gives destination "by-project/../../etc/a.raw", which contains a .. segment' });
    expect(decisions['c.raw']).toEqual({ action: 'hold', reason: 'redirect "by-project/{meta.project}/{name}" needs metadata "project", which the file does not have' });
    expect(destinations['d.raw']).toBe('by-project/p1/d.raw');
  });

  it("holds a file whose redirect gives an absolute path; a '/' inside the path only separates segments", async () => {
    const config = { redirect: [{ match: '**', to: '{meta.root}/{name}' }] };
    const { decisions, destinations } = await decide(config, [
      file('a.raw', { metadata: { root: '/etc' } }),
      file('b.raw', { metadata: { root: 'C:' } }),
      file('c.raw', { metadata: { root: 'x//y/' } }),
    ]);
    expect(decisions['a.raw']).toEqual({ action: 'hold', reason: 'redirect "{meta.root}/{name}" gives destination "/etc/a.raw", which is absolute' });
    expect(decisions['b.raw']).toEqual({ action: 'hold', reason: 'redirect "{meta.root}/{name}" gives destination "C:/b.raw", which is absolute' });
    expect(destinations['c.raw']).toBe('x/y/c.raw');
  });

  it('holds a file whose redirect puts a control character in its destination: a line break would make it two paths for rclone', async () => {
    const config = { redirect: [{ match: '**', to: '{meta.project}/{name}' }] };
    const { decisions, destinations } = await decide(config, [
      // As rclone reads a list of paths one a line (deleting a batch's copies, say): "x" and another instrument's file.
      file('a.raw', { metadata: { project: 'x\nother-instrument/runs/2024' } }),
      file('b.raw', { metadata: { project: 'p\r' } }),
      file('c.raw', { metadata: { project: 'tab\there' } }),
      file('d.raw', { metadata: { project: 'del\x7f' } }),
      file('e.raw', { metadata: { project: 'p1' } }),
    ]);
    const because = (shown: string) => ({
      action: 'hold',
      reason: `redirect "{meta.project}/{name}" gives destination "${shown}", which contains a control character (a line break, tab, NUL or DEL)`,
    });
    expect(decisions).toEqual({
      'a.raw': because('x\\nother-instrument/runs/2024/a.raw'),
      'b.raw': because('p\\r/b.raw'),
      'c.raw': because('tab\\there/c.raw'),
      'd.raw': because('del\\x7f/d.raw'),
      'e.raw': { action: 'accept' },
    });
    expect(destinations['a.raw']).toBe('a.raw');
    expect(destinations['e.raw']).toBe('p1/e.raw');
  });

  // With picomatch's JavaScript RegExp 32 and 40 characters took 2 s and 6 s (the first doubling
  // with each further character), and 255 would take ages, blocking the worker's event loop. The
  // matching is synchronous, so a hang cannot be caught by a timeout: the short names come first,
  // and the limit is not a speed target but far above RE2's time (about 1 ms) and far below
  // backtracking's.
  it.each([
    ['+(+([a-z_])).raw', [35, 255]],
    ['*a*a*a*a*a*a*a*a*a*z', [44, 255]],
  ])('matches %s in time linear in the name, where backtracking took seconds', async (glob, lengths) => {
    for (const length of lengths) {
      const name = `${'a'.repeat(length - 4)}.tif`;
      const started = performance.now();
      const { decisions } = await decide({ exclude: [glob] }, [file(name)]);
      expect({ length, decision: decisions[name], fast: performance.now() - started < 1_000 }).toEqual({ length, decision: { action: 'accept' }, fast: true });
    }
  });

  it("keeps picomatch's meaning where its regular expressions look ahead: dot segments, names after a dot, negation", async () => {
    const matches = async (glob: string, paths: string[]) => {
      const { decisions } = await decide({ include: [glob] }, paths.map((path) => file(path)));
      return paths.filter((path) => decisions[path].action === 'accept');
    };
    expect(await matches('*.*', ['a.b', 'a.', '.a', 'a', 'd/a.b'])).toEqual(['a.b', '.a']);
    expect(await matches('**/*.*', ['a.b', 'a.', 'd/e/a.b', 'd/a.'])).toEqual(['a.b', 'd/e/a.b']);
    expect(await matches('.*', ['.a', '.a.b', 'a.'])).toEqual(['.a', '.a.b']);
    expect(await matches('**.tmp', ['a.tmp', 'd/e/a.tmp', 'a.tmp/b'])).toEqual(['a.tmp', 'd/e/a.tmp']);
    expect(await matches('raw/**/*.{tif,mrc}', ['raw/a.tif', 'raw/.x/b.mrc', 'raw/a.txt', 'other/a.tif'])).toEqual(['raw/a.tif', 'raw/.x/b.mrc']);
    expect(await matches('!**/*.tmp', ['a.tmp', 'd/a.tmp', 'd/a.tif'])).toEqual(['d/a.tif']);
    expect(await matches('@(raw|ebic)/+([0-9]).tif', ['raw/12.tif', 'ebic/3.tif', 'raw/x.tif'])).toEqual(['raw/12.tif', 'ebic/3.tif']);
    // A path that spells the glob matches it, as in picomatch.
    expect(await matches('run[1].log', ['run[1].log', 'run1.log'])).toEqual(['run[1].log', 'run1.log']);
  });

  it('checks include, then exclude, then size, and redirects only accepted files', async () => {
    const config = { include: ['**/*.tif'], exclude: ['tmp/**'], maxSize: 5, redirect: [{ match: '**', to: 'out/{name}' }] };
    const { decisions, destinations } = await decide(config, [file('tmp/big.tif', { size: 10 }), file('ok.tif', { size: 1 })]);
    expect(decisions['tmp/big.tif']).toEqual({ action: 'skip', reason: 'matches exclude glob "tmp/**"' });
    expect(destinations).toEqual({ 'tmp/big.tif': 'tmp/big.tif', 'ok.tif': 'out/ok.tif' });
  });
});
