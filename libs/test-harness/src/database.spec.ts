import { MIGRATIONS, UserEntity } from '@sheaf/db';
import { createTestDatabase, type TestDatabase } from './database';

// Here rather than in libs/db: db's tests importing the harness would make a dependency cycle.
describe('a test database carries the real migrations and their constraints', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('creates the catalogue tables', async () => {
    const rows: Array<{ table_name: string }> = await db.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['harvest_runs', 'instrument_destinations', 'instruments', 'migrations', 'storage_locations', 'users']),
    );
    expect(await db.dataSource.showMigrations()).toBe(false);
  });

  it('keeps emails unique among live users, and frees an email when its user is deleted', async () => {
    const users = db.dataSource.getRepository(UserEntity);
    const row = { email: 'ada@example.org', displayName: 'Ada', role: 'user' as const, passwordHash: 'x' };
    const first = await users.save(users.create(row));
    await expect(users.insert(row)).rejects.toThrow(/users_email_live/);
    await users.softDelete({ id: first.id });
    await expect(users.insert(row)).resolves.toBeDefined();
  });

  it('refuses an upper-case email and an unknown role at the database, not only in the API', async () => {
    const users = db.dataSource.getRepository(UserEntity);
    await expect(users.insert({ email: 'Bob@Example.org', displayName: 'Bob', role: 'user', passwordHash: 'x' })).rejects.toThrow(
      /check constraint/,
    );
    await expect(
      users.insert({ email: 'bob@example.org', displayName: 'Bob', role: 'root' as never, passwordHash: 'x' }),
    ).rejects.toThrow(/check constraint/);
  });

  it('reverts every migration and applies them again', async () => {
    for (let i = 0; i < MIGRATIONS.length; i++) await db.dataSource.undoLastMigration();
    const left: Array<{ n: string }> = await db.dataSource.query(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
    );
    expect(Number(left[0].n)).toBe(0);
    await db.dataSource.runMigrations();
    expect(await db.dataSource.showMigrations()).toBe(false);
  });
});
