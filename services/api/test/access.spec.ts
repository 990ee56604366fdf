import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { createTestApp } from './app';
import { as, createCaller, createInstrumentRow, seedHarvestedFile, type Caller, type SeededFile } from './fixtures';

/**
 * Who sees what: instruments, their runs, files, schedules, notifications and ARK metadata
 * through grants to groups and projects (directly or through a group), files also through the
 * names the access hook wrote; everything else is 404.
 */
describe('access scoping through groups and projects', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let admin: Caller;
  /** Member of "microscopy", which is granted krios. */
  let microscopist: Caller;
  /** Member of "genomics", granted nothing directly; genomics is a member of project "atlas", granted sequencer. */
  let geneticist: Caller;
  /** Direct member of project "atlas". */
  let atlasMember: Caller;
  /** In no group or project. */
  let stranger: Caller;
  let krios: string;
  let sequencer: string;
  let hidden: string;
  let kriosFile: SeededFile;
  let sequencerFile: SeededFile;
  let hiddenFile: SeededFile;
  /** A file of the hidden instrument that the access hook granted to "microscopy" by name. */
  let sharedFile: SeededFile;
  let microscopyId: string;

  const ids = (body: { items: Array<{ id: string }> }) => body.items.map((i) => i.id).sort();

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db.url, '127.0.0.1:1');
    admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
    microscopist = await createCaller(app, db.dataSource, 'mia@example.org', 'user');
    geneticist = await createCaller(app, db.dataSource, 'gene@example.org', 'user');
    atlasMember = await createCaller(app, db.dataSource, 'atlas@example.org', 'user');
    stranger = await createCaller(app, db.dataSource, 'stranger@example.org', 'user');
    const a = as(app, admin);
    microscopyId = (await a.post('/api/groups', { name: 'microscopy' }).expect(201)).body.id;
    const genomics = (await a.post('/api/groups', { name: 'genomics' }).expect(201)).body.id;
    const atlas = (await a.post('/api/projects', { name: 'atlas' }).expect(201)).body.id;
    await a.put(`/api/groups/${microscopyId}/members/${microscopist.id}`).expect(200);
    await a.put(`/api/groups/${genomics}/members/${geneticist.id}`).expect(200);
    await a.put(`/api/projects/${atlas}/members/groups/${genomics}`).expect(200);
    await a.put(`/api/projects/${atlas}/members/users/${atlasMember.id}`).expect(200);
    krios = (await createInstrumentRow(db.dataSource, 'krios')).id;
    sequencer = (await createInstrumentRow(db.dataSource, 'sequencer')).id;
    hidden = (await createInstrumentRow(db.dataSource, 'hidden')).id;
    await a.put(`/api/instruments/${krios}/grants/groups/${microscopyId}`).expect(200);
    await a.put(`/api/instruments/${sequencer}/grants/projects/${atlas}`).expect(200);
    kriosFile = await seedHarvestedFile(db.dataSource, krios, { path: 'grid1/image.tif' });
    sequencerFile = await seedHarvestedFile(db.dataSource, sequencer, { path: 'run7/reads.fastq' });
    hiddenFile = await seedHarvestedFile(db.dataSource, hidden, { path: 'secret/plan.txt' });
    sharedFile = await seedHarvestedFile(db.dataSource, hidden, { path: 'shared/with-microscopy.txt', access: { groups: ['microscopy'], projects: [] } });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('lists each caller exactly the instruments granted to them, directly, through a project, or a group in a project', async () => {
    const seen = async (caller: Caller) => ids((await as(app, caller).get('/api/instruments').expect(200)).body);
    expect((await seen(admin)).filter((id) => [krios, sequencer, hidden].includes(id))).toEqual([krios, sequencer, hidden].sort());
    expect(await seen(microscopist)).toEqual([krios]);
    expect(await seen(geneticist)).toEqual([sequencer]);
    expect(await seen(atlasMember)).toEqual([sequencer]);
    expect(await seen(stranger)).toEqual([]);
  });

  it.each([
    ['instrument', (_file: SeededFile, i: string) => `/api/instruments/${i}`],
    ['run', (f: SeededFile) => `/api/harvests/${f.runId}`],
    ['file', (f: SeededFile) => `/api/files/${f.fileVersionId}`],
    ['ARK ?info', (f: SeededFile) => `/${f.ark}?info`],
  ])("answers 404 for another group's %s, and 200 for one's own", async (_what, url) => {
    await as(app, microscopist).get(url(kriosFile, krios)).expect(200);
    await as(app, geneticist).get(url(sequencerFile, sequencer)).expect(200);
    const foreign = await as(app, microscopist).get(url(sequencerFile, sequencer)).expect(404);
    expect(foreign.body).toEqual({ statusCode: 404, code: 'not_found', message: expect.stringMatching(/not found$/) });
    await as(app, geneticist).get(url(kriosFile, krios)).expect(404);
    await as(app, stranger).get(url(hiddenFile, hidden)).expect(404);
  });

  it('takes an id in upper case for the same id: a granted instrument is still granted', async () => {
    expect((await as(app, microscopist).get(`/api/instruments/${krios.toUpperCase()}`).expect(200)).body.id).toBe(krios);
    await as(app, microscopist).get(`/api/instruments/${sequencer.toUpperCase()}`).expect(404);
  });

  it('answers a nonexistent id exactly like a foreign one', async () => {
    const missing = await as(app, microscopist).get('/api/files/00000000-0000-4000-8000-000000000000').expect(404);
    const foreign = await as(app, microscopist).get(`/api/files/${hiddenFile.fileVersionId}`).expect(404);
    expect(missing.body).toEqual(foreign.body);
  });

  it('shows a file the access hook granted to a group by name, but not its instrument or run', async () => {
    // The file says its instrument is not the caller's to open (the portal shows it without a link).
    expect((await as(app, microscopist).get(`/api/files/${sharedFile.fileVersionId}`).expect(200)).body.instrumentVisible).toBe(false);
    expect((await as(app, microscopist).get(`/api/files/${kriosFile.fileVersionId}`).expect(200)).body.instrumentVisible).toBe(true);
    await as(app, microscopist).get(`/${sharedFile.ark}?info`).expect(200);
    await as(app, microscopist).get(`/api/instruments/${hidden}`).expect(404);
    await as(app, microscopist).get(`/api/harvests/${sharedFile.runId}`).expect(404);
    const files = await as(app, microscopist).get('/api/files').expect(200);
    expect(ids(files.body)).toEqual([kriosFile.fileVersionId, sharedFile.fileVersionId].sort());
    await as(app, geneticist).get(`/api/files/${sharedFile.fileVersionId}`).expect(404);
  });

  it('matches the access hook\'s group and project names whatever their case, as names are unique ignoring case', async () => {
    // A hook that takes the group from a folder name ("Microscopy/…") and the project from metadata ("ATLAS").
    const byGroup = await seedHarvestedFile(db.dataSource, hidden, { path: 'Microscopy/cased.tif', access: { groups: ['Microscopy'], projects: [] } });
    const byProject = await seedHarvestedFile(db.dataSource, hidden, { path: 'runs/cased.fastq', access: { groups: [], projects: ['ATLAS'] } });
    try {
      const listed = async (caller: Caller) => ids((await as(app, caller).get('/api/files?instrumentId=' + hidden).expect(200)).body);
      expect(await listed(microscopist)).toEqual([byGroup.fileVersionId, sharedFile.fileVersionId].sort());
      expect(await listed(atlasMember)).toEqual([byProject.fileVersionId]);
      // Project members through a group see it too.
      expect(await listed(geneticist)).toEqual([byProject.fileVersionId]);
      await as(app, microscopist).get(`/api/files/${byGroup.fileVersionId}`).expect(200);
      await as(app, microscopist).get(`/${byGroup.ark}?info`).expect(200);
      await as(app, microscopist).get(`/api/files/${byProject.fileVersionId}`).expect(404);
      await as(app, stranger).get(`/api/files/${byGroup.fileVersionId}`).expect(404);
    } finally {
      // Granted to nobody again, also when this test failed, so the tests after it see what they expect.
      await db.dataSource.query(`UPDATE file_versions SET access = '{"groups": [], "projects": []}' WHERE id = ANY($1)`, [[byGroup.fileVersionId, byProject.fileVersionId]]);
    }
  });

  it("lists only the versions of a file's path that the access hook granted the caller", async () => {
    // A later version of the shared path that the hook did not grant to microscopy.
    const [later] = (await db.dataSource.query(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, sha256, access)
       VALUES ($1, 'shared/with-microscopy.txt', 7, '2026-02-03T04:05:06Z', 2, 'verified', $2, '{"groups": [], "projects": []}') RETURNING id`,
      [hidden, 'b'.repeat(64)],
    )) as Array<{ id: string }>;
    const granted = await as(app, microscopist).get(`/api/files/${sharedFile.fileVersionId}`).expect(200);
    expect(granted.body.versions.map((v: { id: string }) => v.id)).toEqual([sharedFile.fileVersionId]);
    await as(app, microscopist).get(`/api/files/${later.id}`).expect(404);
    const all = await as(app, admin).get(`/api/files/${sharedFile.fileVersionId}`).expect(200);
    expect(all.body.versions.map((v: { id: string }) => v.id)).toEqual([later.id, sharedFile.fileVersionId]);
  });

  it('lists the newest 100 versions of a path the caller may see, and says when there are more', async () => {
    // A log rewritten hourly: 250 versions, the access hook granted the odd ones to microscopy.
    await db.dataSource.query(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, access)
       SELECT $1, 'logs/hourly.log', n, '2026-01-01T00:00:00Z'::timestamptz + n * interval '1 hour', n, 'verified',
              CASE WHEN n % 2 = 1 THEN '{"groups": ["microscopy"], "projects": []}' ELSE '{"groups": [], "projects": []}' END::jsonb
       FROM generate_series(1, 250) n`,
      [hidden],
    );
    const [newestGranted] = (await db.dataSource.query(`SELECT id FROM file_versions WHERE path = 'logs/hourly.log' AND version = 249`)) as Array<{ id: string }>;
    const versionsOf = async (caller: Caller) => {
      const body = (await as(app, caller).get(`/api/files/${newestGranted.id}`).expect(200)).body as { versions: Array<{ version: number }>; versionsTruncated: boolean };
      return { versions: body.versions.map((v) => v.version), truncated: body.versionsTruncated };
    };
    const newest = (from: number, step: number) => Array.from({ length: 100 }, (_, i) => from - i * step);
    expect(await versionsOf(microscopist)).toEqual({ versions: newest(249, 2), truncated: true });
    expect(await versionsOf(admin)).toEqual({ versions: newest(250, 1), truncated: true });
    // Not truncated when the caller may see 100 or fewer.
    await db.dataSource.query(`UPDATE file_versions SET access = '{"groups": [], "projects": []}' WHERE path = 'logs/hourly.log' AND version <= 50`);
    expect(await versionsOf(microscopist)).toEqual({ versions: newest(249, 2), truncated: false });
  });

  it('scopes run, transfer and schedule lists, and filters cannot widen them', async () => {
    const runs = await as(app, microscopist).get(`/api/harvests?instrumentId=${sequencer}`).expect(200);
    expect(runs.body).toMatchObject({ items: [], total: 0 });
    expect(ids((await as(app, microscopist).get('/api/harvests').expect(200)).body)).toEqual([kriosFile.runId]);
    const transfers = (await as(app, microscopist).get('/api/transfers').expect(200)).body.items as Array<{ fileVersionId: string }>;
    expect(transfers.map((t) => t.fileVersionId).sort()).toEqual([kriosFile.fileVersionId, sharedFile.fileVersionId].sort());
    await db.dataSource.query(`INSERT INTO schedules (instrument_id, cron) VALUES ($1, '0 1 * * *'), ($2, '0 2 * * *')`, [krios, sequencer]);
    const schedules = (await as(app, microscopist).get('/api/schedules').expect(200)).body.items as Array<{ instrumentId: string }>;
    expect(schedules.map((s) => s.instrumentId)).toEqual([krios]);
    const search = await as(app, microscopist).get(`/api/files?ark=${sequencerFile.ark}`).expect(200);
    expect(search.body.total).toBe(0);
  });

  it.each([
    ['instruments', '/api/instruments'],
    ['schedules', '/api/schedules'],
  ])('refuses deleted %s to users with 403 naming the field, instead of listing live ones', async (what, list) => {
    const res = await as(app, microscopist).get(`${list}?deleted=true`).expect(403);
    expect(res.body).toEqual({ statusCode: 403, code: 'admin_only', message: `Only admins can list deleted ${what}`, field: 'deleted' });
    await as(app, microscopist).get(`${list}?deleted=false`).expect(200);
    await as(app, admin).get(`${list}?deleted=true`).expect(200);
  });

  it("notifies admins and the users who see the instrument of a failed run, and nobody else", async () => {
    const [run] = (await db.dataSource.query(
      `INSERT INTO harvest_runs (instrument_id, status, trigger) VALUES ($1, 'running', 'schedule') RETURNING id`,
      [krios],
    )) as Array<{ id: string }>;
    await db.dataSource.query(`UPDATE harvest_runs SET status = 'failed', error = 'the source of instrument krios: credentials rejected: rclone: NT_STATUS_LOGON_FAILURE' WHERE id = $1`, [run.id]);
    const notificationsOf = async (caller: Caller) =>
      ((await as(app, caller).get('/api/notifications').expect(200)).body.items as Array<{ runId: string; kind: string }>).filter((n) => n.runId === run.id);
    expect(await notificationsOf(admin)).toEqual([expect.objectContaining({ kind: 'credentials_rejected', instrumentName: 'krios' })]);
    expect(await notificationsOf(microscopist)).toHaveLength(1);
    expect(await notificationsOf(geneticist)).toEqual([]);
    expect(await notificationsOf(stranger)).toEqual([]);
  });

  it('shows an rclone connection string (it may carry credentials) to admins only', async () => {
    const created = await as(app, admin)
      .post('/api/instruments', { name: 'remote-scope', sourceType: 'rclone', sourceConfig: { remote: ':sftp,host=scope.lab,pass=abc:data' } })
      .expect(201);
    await as(app, admin).put(`/api/instruments/${created.body.id}/grants/groups/${microscopyId}`).expect(200);
    expect((await as(app, admin).get(`/api/instruments/${created.body.id}`).expect(200)).body.sourceConfig).toEqual({ remote: ':sftp,host=scope.lab,pass=abc:data' });
    expect((await as(app, microscopist).get(`/api/instruments/${created.body.id}`).expect(200)).body.sourceConfig).toEqual({ remote: '***' });
    const listed = (await as(app, microscopist).get('/api/instruments').expect(200)).body.items as Array<{ id: string; sourceConfig: unknown }>;
    expect(listed.find((i) => i.id === created.body.id)?.sourceConfig).toEqual({ remote: '***' });
    // Nor to an admin's API token: an integration holding it would hand the credentials on.
    const { token } = (await as(app, admin).post('/api/auth/tokens', { name: 'reporting', scope: 'read' }).expect(201)).body as { token: string };
    const viaToken = await request(app.getHttpServer()).get(`/api/instruments/${created.body.id}`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(viaToken.body.sourceConfig).toEqual({ remote: '***' });
  });

  it('stops counting a grant when its group is deleted, and counts it again after a restore', async () => {
    await as(app, admin).delete(`/api/groups/${microscopyId}`).expect(200);
    try {
      await as(app, microscopist).get(`/api/instruments/${krios}`).expect(404);
      await as(app, microscopist).get(`/api/files/${sharedFile.fileVersionId}`).expect(404);
    } finally {
      await as(app, admin).post(`/api/groups/${microscopyId}/restore`).expect(200);
    }
    await as(app, microscopist).get(`/api/instruments/${krios}`).expect(200);
  });

  it('takes a revoked grant away at once', async () => {
    await as(app, admin).delete(`/api/instruments/${krios}/grants/groups/${microscopyId}`).expect(200);
    try {
      await as(app, microscopist).get(`/api/instruments/${krios}`).expect(404);
      await as(app, microscopist).get(`/api/files/${kriosFile.fileVersionId}`).expect(404);
    } finally {
      await as(app, admin).put(`/api/instruments/${krios}/grants/groups/${microscopyId}`).expect(200);
    }
  });
  it("revokes a deleted instrument's grant, which its runs and files are still seen through", async () => {
    const member = await createCaller(app, db.dataSource, 'retired-reader@example.org', 'user');
    const group = (await as(app, admin).post('/api/groups', { name: 'retired-readers' }).expect(201)).body.id as string;
    await as(app, admin).put(`/api/groups/${group}/members/${member.id}`).expect(200);
    const retired = (await createInstrumentRow(db.dataSource, 'retired')).id;
    await as(app, admin).put(`/api/instruments/${retired}/grants/groups/${group}`).expect(200);
    const file = await seedHarvestedFile(db.dataSource, retired, { path: 'old/scan.tif' });
    await as(app, admin).delete(`/api/instruments/${retired}`).expect(200);
    await as(app, member).get(`/api/harvests/${file.runId}`).expect(200);
    await as(app, member).get(`/api/files/${file.fileVersionId}`).expect(200);

    await as(app, admin).delete(`/api/instruments/${retired}/grants/groups/${group}`).expect(200);
    await as(app, member).get(`/api/harvests/${file.runId}`).expect(404);
    await as(app, member).get(`/api/files/${file.fileVersionId}`).expect(404);
    const audit = await as(app, admin).get(`/api/audit?entityType=instrument&entityId=${retired}&action=instrument.grant_revoked`).expect(200);
    expect(audit.body.items).toEqual([expect.objectContaining({ actorUserId: admin.id, before: { kind: 'group', id: group, name: 'retired-readers' } })]);
    // Granting stays for live instruments.
    await as(app, admin).put(`/api/instruments/${retired}/grants/groups/${group}`).expect(404);
  });

  it('removes a member from a deleted group: restored, the group gives them nothing', async () => {
    const leaver = await createCaller(app, db.dataSource, 'left-deleted-group@example.org', 'user');
    const group = (await as(app, admin).post('/api/groups', { name: 'dissolved' }).expect(201)).body.id as string;
    const instrument = (await createInstrumentRow(db.dataSource, 'dissolved-scope')).id;
    await as(app, admin).put(`/api/groups/${group}/members/${leaver.id}`).expect(200);
    await as(app, admin).put(`/api/instruments/${instrument}/grants/groups/${group}`).expect(200);
    await as(app, admin).delete(`/api/groups/${group}`).expect(200);

    await as(app, admin).delete(`/api/groups/${group}/members/${leaver.id}`).expect(200);
    const [removed] = (await as(app, admin).get(`/api/audit?entityType=group&entityId=${group}`).expect(200)).body.items;
    expect(removed).toMatchObject({ action: 'group.member_removed', actorUserId: admin.id, before: { userId: leaver.id, email: leaver.email } });
    const restored = await as(app, admin).post(`/api/groups/${group}/restore`).expect(200);
    expect(restored.body.members).toEqual([]);
    await as(app, leaver).get(`/api/instruments/${instrument}`).expect(404);
  });

  it('removes a user or a group from a deleted project: restored, the project gives them nothing', async () => {
    const leaver = await createCaller(app, db.dataSource, 'left-deleted-project@example.org', 'user');
    const viaGroup = await createCaller(app, db.dataSource, 'group-left-deleted-project@example.org', 'user');
    const group = (await as(app, admin).post('/api/groups', { name: 'left-project' }).expect(201)).body.id as string;
    const project = (await as(app, admin).post('/api/projects', { name: 'wound-up' }).expect(201)).body.id as string;
    const instrument = (await createInstrumentRow(db.dataSource, 'wound-up-scope')).id;
    await as(app, admin).put(`/api/groups/${group}/members/${viaGroup.id}`).expect(200);
    await as(app, admin).put(`/api/projects/${project}/members/users/${leaver.id}`).expect(200);
    await as(app, admin).put(`/api/projects/${project}/members/groups/${group}`).expect(200);
    await as(app, admin).put(`/api/instruments/${instrument}/grants/projects/${project}`).expect(200);
    await as(app, admin).delete(`/api/projects/${project}`).expect(200);

    await as(app, admin).delete(`/api/projects/${project}/members/users/${leaver.id}`).expect(200);
    await as(app, admin).delete(`/api/projects/${project}/members/groups/${group}`).expect(200);
    const events = (await as(app, admin).get(`/api/audit?entityType=project&entityId=${project}&action=project.member_removed`).expect(200)).body.items as Array<{ before: unknown }>;
    expect(events.map((e) => e.before)).toEqual([
      { kind: 'group', id: group, name: 'left-project' },
      { kind: 'user', id: leaver.id, name: 'left-deleted-project', email: leaver.email },
    ]);
    const restored = await as(app, admin).post(`/api/projects/${project}/restore`).expect(200);
    expect(restored.body.members).toEqual([]);
    await as(app, leaver).get(`/api/instruments/${instrument}`).expect(404);
    await as(app, viaGroup).get(`/api/instruments/${instrument}`).expect(404);
  });
});
