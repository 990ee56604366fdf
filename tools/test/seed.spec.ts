import { verifyPassword } from '@sheaf/crypto';
import { InstrumentEntity, StorageLocationEntity, UserEntity } from '@sheaf/db';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { seedAdmin, seedDemoInstrument } from '../src/stack/seed';

describe("npm start's seed data", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db?.drop());

  const adminHash = async () =>
    (await db.dataSource.getRepository(UserEntity).createQueryBuilder('u').addSelect('u.passwordHash').where("u.role = 'admin'").getOneOrFail()).passwordHash;

  it('makes the first admin once, and sets its password from SHEAF_ADMIN_PASSWORD on a later start when that differs', async () => {
    const made = await seedAdmin(db.dataSource, 'Admin@Example.org', undefined);
    expect(made).toEqual({ email: 'admin@example.org', password: expect.any(String) });
    expect(await verifyPassword(made.password!, await adminHash())).toBe(true);

    // A later start without the variable, or with the same password, changes nothing and prints no password.
    expect(await seedAdmin(db.dataSource, 'admin@example.org', undefined)).toEqual({ email: 'admin@example.org' });
    expect(await seedAdmin(db.dataSource, 'admin@example.org', made.password)).toEqual({ email: 'admin@example.org' });

    // The printed password was lost: a start with the variable set is the way back in, and ends older sessions.
    expect(await seedAdmin(db.dataSource, 'admin@example.org', 'a-new-admin-password')).toEqual({ email: 'admin@example.org', reset: true });
    expect(await verifyPassword('a-new-admin-password', await adminHash())).toBe(true);
    expect((await db.dataSource.getRepository(UserEntity).findOneByOrFail({ role: 'admin' })).passwordChangedAt).toBeInstanceOf(Date);
    expect(await db.dataSource.getRepository(UserEntity).countBy({ role: 'admin' })).toBe(1);
  });

  it('prints the password it made up when an account of that email, not an admin, took it (there being no admin)', async () => {
    await db.dataSource.query(`UPDATE users SET role = 'user' WHERE role = 'admin'`);
    await db.dataSource.query(`INSERT INTO users (email, display_name, role, password_hash) VALUES ('taken@example.org', 'Taken', 'user', 'x')`);
    const made = await seedAdmin(db.dataSource, 'taken@example.org', undefined);
    expect(made).toEqual({ email: 'taken@example.org', password: expect.any(String) });
    expect(await verifyPassword(made.password!, await adminHash())).toBe(true);
  });

  it('points the demo instrument and its storage at the data folder of this start, where the checkout may have moved', async () => {
    const first = await seedDemoInstrument(db.dataSource, '/old/checkout/.data/demo-instrument', '/old/checkout/.data/storage');
    const again = await seedDemoInstrument(db.dataSource, '/new/checkout/.data/demo-instrument', '/new/checkout/.data/storage');
    expect(again.id).toBe(first.id);
    expect(again.sourceConfig).toEqual({ path: '/new/checkout/.data/demo-instrument' });
    expect((await db.dataSource.getRepository(InstrumentEntity).findOneByOrFail({ id: first.id })).sourceConfig).toEqual({ path: '/new/checkout/.data/demo-instrument' });
    expect((await db.dataSource.getRepository(StorageLocationEntity).findOneByOrFail({ name: 'demo-storage' })).config).toEqual({ path: '/new/checkout/.data/storage' });
  });

  it("leaves alone a storage location named demo-storage that is not the demo instrument's destination", async () => {
    const instrument = await seedDemoInstrument(db.dataSource, '/new/checkout/.data/demo-instrument', '/new/checkout/.data/storage');
    // The demo storage detached and deleted, and someone's own made under its name.
    await db.dataSource.query(`DELETE FROM instrument_destinations WHERE instrument_id = $1`, [instrument.id]);
    await db.dataSource.query(`UPDATE storage_locations SET deleted_at = now() WHERE name = 'demo-storage'`);
    const theirs = await db.dataSource.getRepository(StorageLocationEntity).save({ name: 'demo-storage', type: 'posix', config: { path: '/srv/archive' } });
    await seedDemoInstrument(db.dataSource, '/moved/checkout/.data/demo-instrument', '/moved/checkout/.data/storage');
    expect((await db.dataSource.getRepository(StorageLocationEntity).findOneByOrFail({ id: theirs.id })).config).toEqual({ path: '/srv/archive' });
  });
});
