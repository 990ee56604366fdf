import type { NestExpressApplication } from '@nestjs/platform-express';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { createTestApp, NO_TEMPORAL } from './app';
import { as, createCaller, createInstrumentRow, type Caller } from './fixtures';

/**
 * Updating a hook as the portal does: every save sends all of the hook's fields back (name,
 * phase, config, instrumentId, priority, enabled), the unchanged ones as the API showed them.
 */
describe('hook updates that send the unchanged fields back', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let admin: Caller;

  const a = () => as(app, admin);
  /** The body the portal's form sends on save: the hook as shown, with `changes`. */
  const formBody = (hook: Record<string, unknown>, changes: Record<string, unknown>) => ({
    name: hook.name,
    phase: hook.phase,
    config: hook.config,
    instrumentId: hook.instrumentId,
    priority: hook.priority,
    enabled: hook.enabled,
    ...changes,
  });
  /** A hook row straight into the database, as an older release could have stored it. */
  const insertHook = async (name: string, config: object, instrumentId: string | null = null): Promise<string> =>
    (
      (await db.dataSource.query(`INSERT INTO hooks (name, phase, kind, config, instrument_id, priority, enabled) VALUES ($1, 'pre', 'metadata', $2, $3, 100, true) RETURNING id`, [
        name,
        JSON.stringify(config),
        instrumentId,
      ])) as Array<{ id: string }>
    )[0].id;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db.url, NO_TEMPORAL);
    admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('disables, renames and moves a hook whose stored config fails today’s checks, with that config sent back unchanged; enabling it is refused', async () => {
    // Saved before metadata patterns compiled with RE2, which has no lookbehind.
    const id = await insertHook('older rules', { rules: [{ source: 'path', pattern: '(?<=raw/)(?<sample>S\\d+)' }] });
    const shown = (await a().get(`/api/hooks/${id}`).expect(200)).body as Record<string, unknown>;
    expect(shown.configProblem).toMatch(/^config\.rules\[0\]\.pattern/);

    const disabled = await a().patch(`/api/hooks/${id}`, formBody(shown, { enabled: false })).expect(200);
    expect(disabled.body).toMatchObject({ enabled: false, configProblem: expect.stringMatching(/^config\.rules\[0\]\.pattern/) });
    const [row] = (await db.dataSource.query('SELECT enabled, config FROM hooks WHERE id = $1', [id])) as Array<{ enabled: boolean; config: unknown }>;
    expect(row).toEqual({ enabled: false, config: shown.config });

    // Renamed and moved while disabled, the config still sent back as it is.
    const instrument = await createInstrumentRow(db.dataSource, 'moved-to');
    const moved = await a().patch(`/api/hooks/${id}`, formBody(disabled.body, { name: 'older rules, parked', instrumentId: instrument.id, priority: 5 })).expect(200);
    expect(moved.body).toMatchObject({ name: 'older rules, parked', instrumentId: instrument.id, priority: 5, enabled: false });

    // Enabling it, or a changed phase or config, is checked.
    const enabling = await a().patch(`/api/hooks/${id}`, formBody(moved.body, { enabled: true })).expect(400);
    expect(enabling.body.field).toBe('config.rules[0].pattern');
    expect((await a().patch(`/api/hooks/${id}`, formBody(moved.body, { phase: 'post' })).expect(400)).body.field).toBe('config.rules[0].pattern');
    const otherBroken = { rules: [{ source: 'filename', pattern: '(?<=x)(?<sample>S\\d+)' }] };
    expect((await a().patch(`/api/hooks/${id}`, formBody(moved.body, { config: otherBroken })).expect(400)).body.field).toBe('config.rules[0].pattern');
    expect((await a().get(`/api/hooks/${id}`).expect(200)).body).toMatchObject({ enabled: false, phase: 'pre', config: shown.config });
  });

  it('keeps an enabled hook with such a config enabled when only its name changes', async () => {
    const id = await insertHook('older rules, enabled', { rules: [{ source: 'path', pattern: '(?<=raw/)(?<sample>S\\d+)' }] });
    const shown = (await a().get(`/api/hooks/${id}`).expect(200)).body as Record<string, unknown>;
    const renamed = await a().patch(`/api/hooks/${id}`, formBody(shown, { name: 'renamed' })).expect(200);
    expect(renamed.body).toMatchObject({ name: 'renamed', enabled: true, configProblem: expect.any(String) });
  });

  it('sees a webhook config sent back with its header values as *** as unchanged, and a changed one as changed', async () => {
    const created = await a()
      .post('/api/hooks', { name: 'lims', phase: 'post', kind: 'webhook', config: { url: 'https://lims.example.org/in', headers: { Authorization: 'Bearer t-1' } }, secret: 'lims-signing-key-1' })
      .expect(201);
    const sealed = async () => ((await db.dataSource.query('SELECT headers_sealed FROM hooks WHERE id = $1', [created.body.id])) as Array<{ headers_sealed: string }>)[0].headers_sealed;
    const before = await sealed();
    expect(created.body.config).toEqual({ url: 'https://lims.example.org/in', headers: { Authorization: '***' } });
    await a().patch(`/api/hooks/${created.body.id}`, formBody(created.body, { enabled: false })).expect(200);
    // Not sealed again: the config was not taken as a new one.
    expect(await sealed()).toBe(before);
    await a()
      .patch(`/api/hooks/${created.body.id}`, { config: { url: 'https://lims.example.org/in', headers: { Authorization: 'Bearer t-2' } } })
      .expect(200);
    expect(await sealed()).not.toBe(before);
    // A *** for a URL on another server is still refused: the config changed.
    const moved = await a().patch(`/api/hooks/${created.body.id}`, { config: { url: 'https://elsewhere.example.org/in', headers: { Authorization: '***' } } }).expect(400);
    expect(moved.body.field).toBe('config.headers.Authorization');
  });

  it('edits a hook of an instrument deleted since, and refuses to move a hook to a deleted instrument', async () => {
    const instrument = await createInstrumentRow(db.dataSource, 'retired');
    const hook = await a()
      .post('/api/hooks', { name: 'per instrument', phase: 'pre', kind: 'metadata', instrumentId: instrument.id, config: { rules: [{ source: 'path', pattern: '^(?<project>[^/]+)/' }] } })
      .expect(201);
    await a().delete(`/api/instruments/${instrument.id}`).expect(200);
    expect((await db.dataSource.query('SELECT deleted_at IS NOT NULL AS deleted FROM instruments WHERE id = $1', [instrument.id]))[0].deleted).toBe(true);

    const saved = await a().patch(`/api/hooks/${hook.body.id}`, formBody(hook.body, { name: 'per instrument, retired', enabled: false })).expect(200);
    expect(saved.body).toMatchObject({ name: 'per instrument, retired', enabled: false, instrumentId: instrument.id });
    // Made global, and back again: the deleted instrument is a new choice then, and refused.
    await a().patch(`/api/hooks/${hook.body.id}`, formBody(saved.body, { instrumentId: null })).expect(200);
    const refused = await a().patch(`/api/hooks/${hook.body.id}`, { instrumentId: instrument.id }).expect(404);
    expect(refused.body.field).toBe('instrumentId');
  });
});
