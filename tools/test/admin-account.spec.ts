import { Readable } from 'node:stream';
import { hashPassword, verifyPassword } from '@sheaf/crypto';
import { AuditEventEntity, UserEntity } from '@sheaf/db';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN } from '@sheaf/contracts';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { AdminAccountError, describeAdminAccount, emailProblem, setAdminAccount } from '../src/admin-account';
import { readAdminInput, type Terminal } from '../src/create-admin';

describe('create-admin: the first admin of a deployment, or the way back in', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db?.drop());

  const users = () => db.dataSource.getRepository(UserEntity);
  const withHash = (email: string) => users().createQueryBuilder('u').addSelect('u.passwordHash').where('u.email = :email', { email }).getOneOrFail();
  const auditOf = (userId: string) => db.dataSource.getRepository(AuditEventEntity).find({ where: { entityType: 'user', entityId: userId }, order: { id: 'ASC' } });

  /**
   * What the API's login (AuthService.login) requires: the email trimmed and lower-cased names an
   * account not deleted, the password verifies against its hash, and the account is not disabled.
   */
  const canLogIn = async (typedEmail: string, password: string) => {
    const user = await users()
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.email = :email AND u.deletedAt IS NULL', { email: typedEmail.trim().toLowerCase() })
      .getOne();
    return Boolean(user && !user.disabledAt && user.role === 'admin' && (await verifyPassword(password, user.passwordHash)));
  };

  it('creates the admin, whose password then logs in; a second run sets a new password on the same account, ending its sessions; a third with it changes nothing', async () => {
    const made = await setAdminAccount(db.dataSource, { email: ' Root@Example.org ', password: 'first-password', actor: 'create-admin' });
    expect(made).toEqual({ email: 'root@example.org', userId: expect.any(String), created: true, passwordSet: true, reenabled: false });
    expect(describeAdminAccount(made)).toBe(`created the admin account root@example.org (id ${made.userId}): sign in with the password given`);
    expect(await canLogIn('ROOT@example.org', 'first-password')).toBe(true);

    const again = await setAdminAccount(db.dataSource, { email: 'root@example.org', password: 'second-password', actor: 'create-admin' });
    expect(again).toEqual({ email: 'root@example.org', userId: made.userId, created: false, passwordSet: true, reenabled: false });
    expect(describeAdminAccount(again)).toBe(`root@example.org (id ${made.userId}): password set (sessions signed in before now are ended)`);
    expect(await users().countBy({ email: 'root@example.org' })).toBe(1);
    expect(await canLogIn('root@example.org', 'first-password')).toBe(false);
    expect(await canLogIn('root@example.org', 'second-password')).toBe(true);
    expect((await withHash('root@example.org')).passwordChangedAt).toBeInstanceOf(Date);

    const same = await setAdminAccount(db.dataSource, { email: 'root@example.org', password: 'second-password', actor: 'create-admin' });
    expect(describeAdminAccount(same)).toBe(`root@example.org (id ${made.userId}) is already an enabled admin with this password: nothing changed`);

    // Two events (the third run changed nothing), by the tool, with no password or hash in them.
    const events = await auditOf(made.userId);
    expect(events.map((e) => [e.actor, e.actorUserId, e.action])).toEqual([
      ['system:create-admin', null, 'user.created'],
      ['system:create-admin', null, 'user.updated'],
    ]);
    expect(events[0].after).toEqual({ id: made.userId, email: 'root@example.org', displayName: 'Administrator', role: 'admin', disabled: false, password: '***' });
    expect(events[1].after).toMatchObject({ password: '***', passwordChanged: true });
    expect(JSON.stringify(events)).not.toMatch(/second-password|\$2[aby]\$/);
  });

  it('makes a disabled user an enabled admin, and leaves a deleted account with the email as it is', async () => {
    await users().insert({ email: 'lab@example.org', displayName: 'Lab lead', role: 'user', passwordHash: await hashPassword('lab-lead-old-password'), disabledAt: new Date() });
    const promoted = await setAdminAccount(db.dataSource, { email: 'lab@example.org', password: 'lab-lead-password', actor: 'create-admin' });
    expect(describeAdminAccount(promoted)).toBe(`lab@example.org (id ${promoted.userId}): password set (sessions signed in before now are ended), role user changed to admin, enabled again`);
    expect(await users().findOneByOrFail({ id: promoted.userId })).toMatchObject({ role: 'admin', disabledAt: null, displayName: 'Lab lead' });
    expect(await canLogIn('lab@example.org', 'lab-lead-password')).toBe(true);

    await users().softDelete({ id: promoted.userId });
    const fresh = await setAdminAccount(db.dataSource, { email: 'lab@example.org', password: 'another-password', actor: 'create-admin' });
    expect(fresh.created).toBe(true);
    expect(fresh.userId).not.toBe(promoted.userId);
    expect(await users().findOne({ where: { id: promoted.userId }, withDeleted: true })).toMatchObject({ deletedAt: expect.any(Date) });
  });

  it.each([
    ['too short', 'short', `the password must be at least ${PASSWORD_MIN} characters`],
    ['longer than bcrypt reads', 'é'.repeat(37), `the password must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8`],
  ])('refuses a password %s and changes nothing, for an existing account or a new one', async (_case, password, message) => {
    await setAdminAccount(db.dataSource, { email: 'keeper@example.org', password: 'kept-password', actor: 'create-admin' });
    const before = await withHash('keeper@example.org');
    const count = await users().count();
    for (const email of ['keeper@example.org', 'newcomer@example.org']) {
      const attempt = setAdminAccount(db.dataSource, { email, password, actor: 'create-admin' });
      await expect(attempt).rejects.toThrow(AdminAccountError);
      await expect(attempt).rejects.toThrow(message);
    }
    expect(await withHash('keeper@example.org')).toEqual(before);
    expect(await users().count()).toBe(count);
  });

  it('refuses the emails the login form refuses, and takes those it takes', () => {
    for (const email of ['jane..doe@lab.org', 'a,b@lab.org', '.a@lab.org', `${'a'.repeat(65)}@lab.org`, 'admin@localhost']) expect({ email, problem: emailProblem(email) }).toEqual({ email, problem: expect.any(String) });
    for (const email of ['admin@bücher.de', 'admin@example.xn--p1ai', 'jane.doe+sheaf@lab.example.org']) expect({ email, problem: emailProblem(email) }).toEqual({ email, problem: undefined });
  });
});

describe('create-admin: where the email and password come from', () => {
  const EMAIL = { SHEAF_ADMIN_EMAIL: 'admin@example.org' };
  const stdin = (text: string) => Readable.from(text ? [Buffer.from(text)] : []);
  /** A terminal whose user types `answers`, one per prompt. */
  const typing = (...answers: string[]): Terminal & { asked: string[] } => {
    const asked: string[] = [];
    const prompt = (question: string) => {
      asked.push(question);
      return Promise.resolve(answers.shift() ?? '');
    };
    return { asked, prompt };
  };

  it('takes SHEAF_ADMIN_PASSWORD when set, and otherwise one line of stdin without its line ending', async () => {
    expect(await readAdminInput({ ...EMAIL, SHEAF_ADMIN_PASSWORD: 'from-the-env' }, stdin('ignored-password'))).toEqual({ email: 'admin@example.org', password: 'from-the-env' });
    for (const piped of ['piped password', 'piped password\n', 'piped password\r\n']) {
      expect(await readAdminInput({ ...EMAIL, SHEAF_ADMIN_PASSWORD: '' }, stdin(piped))).toEqual({ email: 'admin@example.org', password: 'piped password' });
    }
  });

  it('asks twice at a terminal, and refuses two that differ', async () => {
    const terminal = typing('typed-password', 'typed-password');
    expect(await readAdminInput(EMAIL, stdin(''), terminal)).toEqual({ email: 'admin@example.org', password: 'typed-password' });
    expect(terminal.asked).toEqual(['New password for admin@example.org: ', 'The same again: ']);
    await expect(readAdminInput(EMAIL, stdin(''), typing('typed-password', 'typo-password'))).rejects.toThrow('the two passwords differ');
  });

  it.each([
    ['no email', {}, 'x-password', 'SHEAF_ADMIN_EMAIL is not set'],
    ['an email the login form refuses', { SHEAF_ADMIN_EMAIL: 'admin@localhost' }, 'x-password', 'SHEAF_ADMIN_EMAIL must be an email address'],
    ['nothing on stdin', EMAIL, '', 'no password: set SHEAF_ADMIN_PASSWORD or give the password on stdin'],
    ['two lines on stdin', EMAIL, 'one-password\ntwo-password\n', 'stdin holds more than one line'],
    ['a short password on stdin', EMAIL, 'short\n', `the password on stdin must be at least ${PASSWORD_MIN} characters`],
    ['a short SHEAF_ADMIN_PASSWORD', { ...EMAIL, SHEAF_ADMIN_PASSWORD: 'short' }, '', `SHEAF_ADMIN_PASSWORD must be at least ${PASSWORD_MIN} characters`],
  ])('refuses %s', async (_case, env: NodeJS.ProcessEnv, piped, message) => {
    await expect(readAdminInput(env, stdin(piped))).rejects.toThrow(message);
  });
});
