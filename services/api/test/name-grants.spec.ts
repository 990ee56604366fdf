import type { NestExpressApplication } from '@nestjs/platform-express';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { createTestApp } from './app';
import { as, createCaller, createInstrumentRow, seedHarvestedFile, whileRowHeld, type Caller, type SeededFile } from './fixtures';

/**
 * Access hooks, and the files they granted, name groups and projects by name: renaming one must
 * not take that access from its members silently, nor leave it for the next holder of the name.
 */
describe('renaming a group or project that access is granted to by name', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let admin: Caller;
  /** Member of group "Optics" and of project "Beam". */
  let member: Caller;
  /** Member of a group created later under a name the files once granted. */
  let newcomer: Caller;
  let hidden: string;
  /** Of an instrument granted to no one: seen by name only. */
  let byGroup: SeededFile;
  let byProject: SeededFile;

  const a = () => as(app, admin);
  const fileSeen = async (caller: Caller, file: SeededFile) => (await as(app, caller).get(`/api/files/${file.fileVersionId}`)).status === 200;
  const accessOf = async (file: SeededFile) =>
    ((await db.dataSource.query(`SELECT access FROM file_versions WHERE id = $1`, [file.fileVersionId])) as Array<{ access: unknown }>)[0].access;
  const hookConfig = async (id: string) => (await a().get(`/api/hooks/${id}`).expect(200)).body.config as Record<string, unknown>;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db.url, '127.0.0.1:1');
    admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
    member = await createCaller(app, db.dataSource, 'member@example.org', 'user');
    newcomer = await createCaller(app, db.dataSource, 'newcomer@example.org', 'user');
    hidden = (await createInstrumentRow(db.dataSource, 'hidden')).id;
    byGroup = await seedHarvestedFile(db.dataSource, hidden, { path: 'a.tif', access: { groups: ['other', 'optics', 'Photonics'], projects: [] } });
    byProject = await seedHarvestedFile(db.dataSource, hidden, { path: 'b.tif', access: { groups: [], projects: ['beam'] } });
    // Not a list (written by hand): neither counted nor renamed, and no failure.
    await db.dataSource.query(`INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, access) VALUES ($1, 'odd.tif', 1, now(), 1, 'verified', '{"groups": "optics", "projects": []}')`, [hidden]);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('refuses to rename a group that files name until told what to do with the grants, and renames them when told', async () => {
    const optics = (await a().post('/api/groups', { name: 'Optics' }).expect(201)).body.id as string;
    await a().put(`/api/groups/${optics}/members/${member.id}`).expect(200);
    const hook = (await a().post('/api/hooks', { name: 'grant optics', phase: 'post', kind: 'access', config: { groups: ['OPTICS', 'other'] }, instrumentId: hidden }).expect(201)).body
      .id as string;
    expect(await fileSeen(member, byGroup)).toBe(true);

    const refused = await a().patch(`/api/groups/${optics}`, { name: 'photonics' }).expect(409);
    expect(refused.body).toMatchObject({ code: 'granted_by_name', field: 'grantsByName' });
    expect(refused.body.message).toContain('1 file version and the access hook "grant optics" grant access to this group by its name, "Optics".');
    expect((await a().get(`/api/groups/${optics}`).expect(200)).body.name).toBe('Optics');

    // Names compare ignoring case: a change of case takes nothing away, so nothing is asked.
    await a().patch(`/api/groups/${optics}`, { name: 'OPTICS' }).expect(200);
    await a().patch(`/api/groups/${optics}`, { name: 'photonics', grantsByName: 'move' }).expect(400, /grantsByName must be one of rename, keep/);

    // A run of the hook's instrument would write the old name back: refused while it runs.
    const [run] = (await db.dataSource.query(`INSERT INTO harvest_runs (instrument_id, status, phase, trigger) VALUES ($1, 'running', 'transferring', 'manual') RETURNING id`, [
      hidden,
    ])) as Array<{ id: string }>;
    const running = await a().patch(`/api/groups/${optics}`, { name: 'photonics', grantsByName: 'rename' }).expect(409);
    expect(running.body).toMatchObject({ code: 'harvest_running', runId: run.id });
    await db.dataSource.query(`UPDATE harvest_runs SET status = 'succeeded', phase = 'finished', finished_at = now() WHERE id = $1`, [run.id]);

    await a().patch(`/api/groups/${optics}`, { name: 'photonics', grantsByName: 'rename' }).expect(200);
    // In place, and the file's "Photonics" (already there) is kept once.
    expect(await accessOf(byGroup)).toEqual({ groups: ['other', 'photonics'], projects: [] });
    expect((await hookConfig(hook)).groups).toEqual(['photonics', 'other']);
    expect(await fileSeen(member, byGroup)).toBe(true);
    const [event] = (await a().get(`/api/audit?entityType=group&entityId=${optics}`).expect(200)).body.items as Array<{ action: string; after: Record<string, unknown> }>;
    expect(event.after.grantsRenamed).toEqual({ files: 1, hooks: ['grant optics'] });
    const [hookEvent] = (await a().get(`/api/audit?entityType=hook&entityId=${hook}`).expect(200)).body.items as Array<{ action: string; before: unknown; after: unknown }>;
    expect(hookEvent).toMatchObject({ action: 'hook.updated', before: { config: { groups: ['OPTICS', 'other'] } }, after: { config: { groups: ['photonics', 'other'] } } });

    // A group that takes the old name later gains nothing.
    const later = (await a().post('/api/groups', { name: 'optics' }).expect(201)).body.id as string;
    await a().put(`/api/groups/${later}/members/${newcomer.id}`).expect(200);
    expect(await fileSeen(newcomer, byGroup)).toBe(false);
  });

  it('waits for a run being recorded for an instrument that could write the old name back, then refuses the rename of the grants', async () => {
    const lab = (await a().post('/api/groups', { name: 'cryo' }).expect(201)).body.id as string;
    await seedHarvestedFile(db.dataSource, hidden, { path: 'd.tif', access: { groups: ['cryo'], projects: [] } });
    // Another request records a run of that instrument (its foreign key holds the instrument's row), not yet committed.
    const { res, held: run } = await whileRowHeld(
      db.dataSource,
      async (other) => {
        const [inserted] = (await other.query(`INSERT INTO harvest_runs (instrument_id, status, phase, trigger) VALUES ($1, 'pending', 'queued', 'manual') RETURNING id`, [
          hidden,
        ])) as Array<{ id: string }>;
        return inserted;
      },
      () => a().patch(`/api/groups/${lab}`, { name: 'cryo-em', grantsByName: 'rename' }),
    );
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 409, body: { code: 'harvest_running', runId: run.id } });
    await db.dataSource.query(`UPDATE harvest_runs SET status = 'cancelled', phase = 'finished', finished_at = now() WHERE id = $1`, [run.id]);
    await a().patch(`/api/groups/${lab}`, { name: 'cryo-em', grantsByName: 'rename' }).expect(200);
  });

  it('keeps the old name on the files when told to, and the members lose that access', async () => {
    const beam = (await a().post('/api/projects', { name: 'Beam' }).expect(201)).body.id as string;
    await a().put(`/api/projects/${beam}/members/users/${member.id}`).expect(200);
    expect(await fileSeen(member, byProject)).toBe(true);
    const refused = await a().patch(`/api/projects/${beam}`, { name: 'beamline' }).expect(409);
    expect(refused.body.message).toContain('1 file version grants access to this project by its name, "Beam".');
    await a().patch(`/api/projects/${beam}`, { name: 'beamline', grantsByName: 'keep' }).expect(200);
    expect(await accessOf(byProject)).toEqual({ groups: [], projects: ['beam'] });
    expect(await fileSeen(member, byProject)).toBe(false);
    const [event] = (await a().get(`/api/audit?entityType=project&entityId=${beam}`).expect(200)).body.items as Array<{ after: Record<string, unknown> }>;
    expect(event.after.grantsKept).toEqual({ files: 1, hooks: [] });
  });

  it('renames a group nothing grants access to by name without asking', async () => {
    const plain = (await a().post('/api/groups', { name: 'plain' }).expect(201)).body.id as string;
    await a().patch(`/api/groups/${plain}`, { name: 'still plain' }).expect(200);
  });

  it("gives a deleted group's name, which files still grant access by, to no new or renamed group: the deleted one is restored instead", async () => {
    const file = await seedHarvestedFile(db.dataSource, hidden, { path: 'c.tif', access: { groups: ['genomics'], projects: [] } });
    const genomics = (await a().post('/api/groups', { name: 'genomics' }).expect(201)).body.id as string;
    await a().delete(`/api/groups/${genomics}`).expect(200);
    const refused = await a().post('/api/groups', { name: 'Genomics' }).expect(409);
    expect(refused.body).toMatchObject({ code: 'name_of_deleted', field: 'name' });
    expect(refused.body.message).toContain(`A deleted group (${genomics}) was named "Genomics", and 1 file version grants access by that name`);
    const other = (await a().post('/api/groups', { name: 'sequencing' }).expect(201)).body.id as string;
    await a().put(`/api/groups/${other}/members/${newcomer.id}`).expect(200);
    await a().patch(`/api/groups/${other}`, { name: 'genomics' }).expect(409, /name_of_deleted/);
    expect(await fileSeen(newcomer, file)).toBe(false);

    await a().post(`/api/groups/${genomics}/restore`).expect(200);
    // A deleted group's name that nothing grants access by is free.
    const unused = (await a().post('/api/groups', { name: 'unused' }).expect(201)).body.id as string;
    await a().delete(`/api/groups/${unused}`).expect(200);
    await a().post('/api/groups', { name: 'unused' }).expect(201);
  });
});
