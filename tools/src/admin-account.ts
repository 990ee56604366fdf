/**
 * An admin account by email, from outside the API: `tools/dist/create-admin.js` (a deployment's
 * first admin, or the way back in) and `npm start`'s seed (tools/src/stack/seed.ts).
 */
import { isEmail, minLength } from 'class-validator';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { PASSWORD_MAX_BYTES, PASSWORD_MAX_BYTES_RULE, PASSWORD_MIN } from '@sheaf/contracts';
import { hashPassword, verifyPassword } from '@sheaf/crypto';
import { UserEntity } from '@sheaf/db';

/** The longest email the API takes (LoginDto). */
const EMAIL_MAX = 320;
const DISPLAY_NAME = 'Administrator';

/** A password or email refused before anything is changed. */
export class AdminAccountError extends Error {
  override name = 'AdminAccountError';
}

/**
 * Why the API would refuse this as a new password, or undefined: its rules (@sheaf/contracts) and
 * its check of the length (class-validator's, which counts a surrogate pair as one character).
 */
export function passwordProblem(password: string): string | undefined {
  if (!minLength(password, PASSWORD_MIN)) return `must be at least ${PASSWORD_MIN} characters`;
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    return `must be ${PASSWORD_MAX_BYTES_RULE}`;
  }
  return undefined;
}

/** Why the login form would refuse this email (after trimming), or undefined: the API's check (LoginDto's IsEmail). */
export function emailProblem(email: string): string | undefined {
  if (email.length > EMAIL_MAX) return `must be at most ${EMAIL_MAX} characters`;
  if (!isEmail(email)) return 'must be an email address (name@example.org)';
  return undefined;
}

export interface AdminAccountResult {
  email: string;
  userId: string;
  /** No account (not deleted) had the email: one was created. */
  created: boolean;
  /** The password differed from the account's and was set; its sessions from before end. */
  passwordSet: boolean;
  /** The role the account had when it was not admin. */
  roleBefore?: string;
  /** The account was disabled and is enabled again. */
  reenabled: boolean;
}

/** What the API's user pages and audit log show of an account (never the hash). */
const summary = (user: Pick<UserEntity, 'id' | 'email' | 'displayName' | 'role' | 'disabledAt'>) => ({
  id: user.id,
  email: user.email,
  displayName: user.displayName,
  role: user.role,
  disabled: Boolean(user.disabledAt),
});

async function audit(tx: EntityManager, actor: string, action: string, userId: string, before: unknown, after: unknown): Promise<void> {
  await tx.query(`INSERT INTO audit_events (actor_user_id, actor, action, entity_type, entity_id, before, after) VALUES (NULL, $1, $2, 'user', $3, $4, $5)`, [
    `system:${actor}`,
    action,
    userId,
    before === undefined ? null : JSON.stringify(before),
    JSON.stringify(after),
  ]);
}

/**
 * Makes the account with this email an enabled admin whose password is `password`, in one
 * transaction with its audit event (actor `system:<actor>`):
 * - no account with the email (deleted ones aside): an admin is created, named "Administrator";
 * - an account with it: its password is set when it differs (ending its sessions, as a reset in
 *   the portal does), its role becomes admin, and a disabled one is enabled.
 * Run again with the same input it changes nothing. A password or email the API would refuse is
 * refused, and nothing changes; `passwordFrom` names where the password came from in that message.
 */
export async function setAdminAccount(
  dataSource: DataSource,
  input: { email: string; password: string; actor: string; passwordFrom?: string },
): Promise<AdminAccountResult> {
  const email = input.email.trim().toLowerCase();
  const badEmail = emailProblem(email);
  if (badEmail) throw new AdminAccountError(`the email ${badEmail}`);
  const badPassword = passwordProblem(input.password);
  if (badPassword) throw new AdminAccountError(`${input.passwordFrom ?? 'the password'} ${badPassword}`);
  try {
    return await dataSource.transaction(async (tx) => {
      const users = tx.getRepository(UserEntity);
      const existing = await users
        .createQueryBuilder('u')
        .addSelect('u.passwordHash')
        .setLock('pessimistic_write')
        .where('u.email = :email AND u.deletedAt IS NULL', { email })
        .getOne();
      if (!existing) {
        const user = await users.save(users.create({ email, displayName: DISPLAY_NAME, role: 'admin', passwordHash: await hashPassword(input.password) }));
        await audit(tx, input.actor, 'user.created', user.id, undefined, { ...summary(user), password: '***' });
        return { email, userId: user.id, created: true, passwordSet: true, reenabled: false };
      }
      const before = summary(existing);
      const changes: Partial<UserEntity> = {};
      const passwordSet = !(await verifyPassword(input.password, existing.passwordHash));
      if (passwordSet) {
        changes.passwordHash = await hashPassword(input.password);
        changes.passwordChangedAt = new Date();
      }
      if (existing.role !== 'admin') changes.role = 'admin';
      if (existing.disabledAt) changes.disabledAt = null;
      const result: AdminAccountResult = {
        email,
        userId: existing.id,
        created: false,
        passwordSet,
        ...(changes.role && { roleBefore: existing.role }),
        reenabled: existing.disabledAt !== null,
      };
      if (!Object.keys(changes).length) return result;
      await users.update({ id: existing.id }, changes);
      const after = { ...summary({ ...existing, ...changes }), ...(passwordSet && { password: '***', passwordChanged: true }) };
      await audit(tx, input.actor, 'user.updated', existing.id, before, after);
      return result;
    });
  } catch (err) {
    // Two runs at once for the same new email: the second one's insert meets the first one's row.
    if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505') {
      throw new AdminAccountError(`an account with the email ${email} was created meanwhile; run this again to set its password`);
    }
    throw err;
  }
}

/** One line saying what setAdminAccount did. */
export function describeAdminAccount(result: AdminAccountResult): string {
  if (result.created) return `created the admin account ${result.email} (id ${result.userId}): sign in with the password given`;
  const done = [
    ...(result.passwordSet ? ['password set (sessions signed in before now are ended)'] : []),
    ...(result.roleBefore ? [`role ${result.roleBefore} changed to admin`] : []),
    ...(result.reenabled ? ['enabled again'] : []),
  ];
  if (!done.length) return `${result.email} (id ${result.userId}) is already an enabled admin with this password: nothing changed`;
  return `${result.email} (id ${result.userId}): ${done.join(', ')}`;
}
