import { runHooks, validateHookConfig, type HookConfigRow, type HookContext, type HookFile, type HookKind, type HookPhase } from './index';

const ctx: HookContext = { instrument: { id: 'inst-1', name: 'Krios' }, runId: 'run-1' };

function file(path: string, overrides: Partial<HookFile> = {}): HookFile {
  return { fileVersionId: `fv-${path}`, path, size: 1000, mtime: '2025-01-01T00:00:00.000Z', destinationPath: path, metadata: {}, access: { groups: [], projects: [] }, ...overrides };
}

function hook(id: string, kind: HookKind, config: unknown, options: { priority?: number; phase?: HookPhase; enabled?: boolean } = {}): HookConfigRow {
  return { id, kind, config, phase: options.phase ?? 'pre', priority: options.priority ?? 0, enabled: options.enabled ?? true };
}

describe('runHooks', () => {
  it('chains hooks in priority order: metadata from the first feeds the redirect and the access grants of later ones', async () => {
    const hooks = [
      // Listed out of order on purpose: priority decides.
      hook('access', 'access', { groups: ['staff'], groupsFromMetadata: 'lab', projectsFromMetadata: 'project' }, { priority: 30 }),
      hook('route', 'filter', { redirect: [{ match: '**', to: '{meta.project}/{meta.sample}{ext}' }] }, { priority: 20 }),
      hook('extract', 'metadata', { rules: [{ source: 'path', pattern: '^(?<project>P\\d+)/(?<lab>[^/]+)/' }, { source: 'filename', pattern: '^(?<sample>S\\d+)_' }] }, { priority: 10 }),
    ];
    const result = await runHooks('pre', hooks, [file('P12/cryo, staff/S7_grid.tif')], ctx);
    expect(result.decisions.get('fv-P12/cryo, staff/S7_grid.tif')).toEqual({ action: 'accept' });
    expect(result.files).toEqual([
      expect.objectContaining({
        metadata: { project: 'P12', lab: 'cryo, staff', sample: 'S7' },
        destinationPath: 'P12/S7.tif',
        // Comma-separated metadata values grant each name once.
        access: { groups: ['staff', 'cryo'], projects: ['P12'] },
      }),
    ]);
  });

  it('takes from metadata only names that the access hook would also accept as literal names: split at commas, trimmed', async () => {
    const hooks = [hook('access', 'access', { groupsFromMetadata: 'lab', projectsFromMetadata: 'project' })];
    const result = await runHooks('pre', hooks, [file('a', { metadata: { lab: '\u00a0cryo\t, ,em lab\n,', project: ' , ' } })], ctx);
    expect(result.files[0].access).toEqual({ groups: ['cryo', 'em lab'], projects: [] });
    expect(validateHookConfig('access', { groups: result.files[0].access.groups })).toEqual({ ok: true, config: { groups: ['cryo', 'em lab'] } });
  });

  it('orders hooks of equal priority by id, and later metadata rules win', async () => {
    const hooks = [
      hook('b', 'metadata', { rules: [{ source: 'filename', pattern: '^(?<kind>\\w+)\\.' }] }, { priority: 5 }),
      hook('a', 'metadata', { rules: [{ source: 'path', pattern: '^(?<kind>\\w+)/' }, { source: 'path', pattern: '/(?<kind>\\w+)/' }] }, { priority: 5 }),
    ];
    const result = await runHooks('pre', hooks, [file('first/second/third.txt')], ctx);
    // 'a' sets first then second; 'b' runs after 'a' and sets third.
    expect(result.files[0].metadata).toEqual({ kind: 'third' });
  });

  it('matches a metadata pattern that would backtrack exponentially in time linear in the name', async () => {
    // With JavaScript's RegExp this pattern takes seconds on a 30-character name and doubles with each further character.
    const hooks = [hook('extract', 'metadata', { rules: [{ source: 'filename', pattern: '^(?<run>(\\w+)+)\\.raw$' }] })];
    const long = `${'a'.repeat(5_000)}.tif`;
    const result = await runHooks('pre', hooks, [file(long), file('r42.raw')], ctx);
    expect(result.files.map((f) => f.metadata)).toEqual([{}, { run: 'r42' }]);
  });

  it('runs only enabled hooks of the requested phase, and later hooks see only accepted files', async () => {
    const hooks = [
      hook('skip-tmp', 'filter', { exclude: ['*.tmp'] }, { priority: 1 }),
      hook('disabled', 'access', { groups: ['nobody'] }, { priority: 2, enabled: false }),
      hook('post-only', 'access', { groups: ['post'] }, { priority: 3, phase: 'post' }),
      hook('grant', 'access', { groups: ['pre'] }, { priority: 4 }),
    ];
    const result = await runHooks('pre', hooks, [file('a.tmp'), file('a.tif')], ctx);
    expect(result.files.map((f) => [f.path, f.access.groups])).toEqual([
      ['a.tmp', []],
      ['a.tif', ['pre']],
    ]);
    expect(result.decisions.get('fv-a.tmp')).toEqual({ action: 'skip', reason: 'matches exclude glob "*.tmp"' });
  });

  it('fails closed: a built-in hook that throws holds the file it was on with the error, and lets no file through unjudged', async () => {
    const broken = file('broken', { path: null as unknown as string });
    const hooks = [hook('only-tif', 'filter', { include: ['**/*.tif'] }, { priority: 1 }), hook('grant', 'access', { groups: ['g'] }, { priority: 2 })];
    const result = await runHooks('pre', hooks, [broken, file('a.tif')], ctx);
    expect(result.decisions.get('fv-broken')).toEqual({ action: 'hold', reason: 'filter hook only-tif failed: Expected input to be a string' });
    // The held file is not handed to later hooks; the good one goes on.
    expect(result.files.map((f) => f.access.groups)).toEqual([[], ['g']]);
    expect(result.decisions.get('fv-a.tif')).toEqual({ action: 'accept' });
  });

  it('fails closed on a stored config that no longer validates', async () => {
    const result = await runHooks('post', [hook('m', 'metadata', { rules: [{ source: 'path', pattern: '(?<open' }] }, { phase: 'post' })], [file('a'), file('b')], ctx);
    const held = { action: 'hold', reason: expect.stringMatching(/^metadata hook m has an invalid config: rules\[0\]\.pattern: error parsing regexp: /) };
    expect(result.decisions).toEqual(new Map([['fv-a', held], ['fv-b', held]]));
  });

  it('fails closed on a filter configured to run after the copy', async () => {
    const result = await runHooks('post', [hook('f', 'filter', { exclude: ['**'] }, { phase: 'post' })], [file('a')], ctx);
    expect(result.decisions.get('fv-a')).toEqual({ action: 'hold', reason: 'filter hook f cannot run in the post phase' });
  });

  it('accepts every file when no hook applies, and never changes its inputs', async () => {
    const input = [file('a', { metadata: { x: '1' } })];
    const snapshot = structuredClone(input);
    const result = await runHooks('pre', [hook('grant', 'access', { groups: ['g'] }, { phase: 'post' })], input, ctx);
    expect(result.decisions).toEqual(new Map([['fv-a', { action: 'accept' }]]));
    await runHooks('pre', [hook('grant', 'access', { groups: ['g'] }), hook('meta', 'metadata', { rules: [{ source: 'path', pattern: '(?<x>.)' }] })], input, ctx);
    expect(input).toEqual(snapshot);
  });

  it('rejects with the reason of an aborted signal instead of judging the files', async () => {
    const controller = new AbortController();
    controller.abort(new Error('run cancelled'));
    await expect(runHooks('pre', [hook('grant', 'access', { groups: ['g'] })], [file('a')], { ...ctx, signal: controller.signal })).rejects.toThrow('run cancelled');
  });
});
