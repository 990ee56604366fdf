import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DataSource } from 'typeorm';
import type { LoginResponse, UserSummary } from '@sheaf/contracts';
import { hashPassword, verifyPassword } from '@sheaf/crypto';
import { UserEntity } from '@sheaf/db';
import { AuditService, REDACTED } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { API_CONFIG, type ApiConfig } from '../config';
import type { UpdateMeDto } from './auth.dto';
import { LoginLimiter } from './login-limiter';
import type { Session } from './jwt-authenticator';
import type { Principal } from './principal';

/** What a session token carries. */
export interface TokenClaims {
  sub: string;
  role: UserSummary['role'];
  /**
   * When it was issued, in milliseconds: `iat` counts whole seconds, too coarse to tell a token
   * issued just before a password change from one issued just after it. Older tokens lack it.
   */
  issuedAtMs?: number;
  /** The session, so that signing out can end this one (tokens issued before it lack it). */
  sid?: string;
  /** Added by the JWT library on signing (seconds). */
  iat?: number;
  exp?: number;
}

// A fixed hash to compare against when the email is unknown, so timing does not reveal which
// emails exist.
const DUMMY_HASH = '$2b$12$AOwZhCD9PxOnoRC69tTgMuxdlLLoP5ZT/DGe6z6Ng7YPBfB6sWZMK';

/** A wrong password, an unknown email, a disabled account: one answer for all. */
function wrongCredentials(): DomainError {
  return new DomainError('unauthorized', 'invalid_credentials', 'Wrong email or password');
}

export function toSummary(user: Pick<UserEntity, 'id' | 'email' | 'displayName' | 'role'>): UserSummary {
  return { id: user.id, email: user.email, displayName: user.displayName, role: user.role };
}

@Injectable()
export class AuthService {
  private readonly limiter: LoginLimiter;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly jwt: JwtService,
    private readonly audit: AuditService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {
    this.limiter = new LoginLimiter(config.login.maxFailures, config.login.windowSeconds * 1000);
  }

  private get users() {
    return this.dataSource.getRepository(UserEntity);
  }

  private withPasswordHash(where: string, params: Record<string, unknown>) {
    return this.users.createQueryBuilder('u').addSelect('u.passwordHash').where(`${where} AND u.deletedAt IS NULL`, params).getOne();
  }

  /** Email and password; refused for a while after too many failures from one address. */
  async login(rawEmail: string, password: string, address: string): Promise<LoginResponse> {
    const email = rawEmail.trim().toLowerCase();
    const wait = this.limiter.begin(email, address);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new DomainError('rate_limited', 'too_many_login_attempts', `Too many failed logins; try again in ${seconds} s`, undefined, { retryAfterSeconds: seconds });
    }
    const user = await this.withPasswordHash('u.email = :email', { email });
    const matches = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !matches || user.disabledAt) throw wrongCredentials();
    const { accessToken, account } = await this.dataSource.transaction(async (tx) => {
      // The row again, FOR SHARE, still as checked: a reset, disable or delete (the row FOR
      // UPDATE, then passwordChangedAt) that committed since the read, or holds the row now (this
      // waits for it), refuses the login; one that comes later waits for this session and ends
      // it. Without it, a session issued on the old password could be later than the change.
      const locked = await tx
        .getRepository(UserEntity)
        .createQueryBuilder('u')
        .setLock('pessimistic_read')
        .where('u.id = :id AND u.passwordHash = :hash AND u.disabledAt IS NULL AND u.deletedAt IS NULL', { id: user.id, hash: user.passwordHash })
        .getOne();
      if (!locked) throw wrongCredentials();
      const claims: TokenClaims = { sub: locked.id, role: locked.role, issuedAtMs: Date.now(), sid: randomUUID() };
      return { accessToken: await this.jwt.signAsync(claims), account: locked };
    });
    this.limiter.succeeded(email, address);
    return { accessToken, expiresIn: this.config.jwt.ttlSeconds, user: toSummary(account) };
  }

  /**
   * The live user behind a session: a disabled or deleted user's sessions stop working at once,
   * and so do sessions issued before the user's password last changed, and signed-out ones.
   */
  async activeUser(session: Session): Promise<Principal | undefined> {
    // One query on every request: the user, unless disabled, deleted or this session signed out.
    const query = this.users.createQueryBuilder('u').where('u.id = :id AND u.disabledAt IS NULL', { id: session.userId });
    if (session.session) query.andWhere('NOT EXISTS (SELECT 1 FROM ended_sessions e WHERE e.session_id = :sessionId)', { sessionId: session.session.id });
    const user = await query.getOne();
    // A session of the change's own millisecond counts as issued before it: a change that
    // waited for a login's lock (see login) is stamped once it has the row, maybe that millisecond.
    if (!user || (user.passwordChangedAt && session.issuedAtMs <= user.passwordChangedAt.getTime())) return undefined;
    return { ...toSummary(user), ...(session.session && { session: session.session }) };
  }

  /**
   * Signs out the caller's session: its token is refused from now on, in every tab and copy. (A
   * token issued before sessions had ids cannot be ended; it lapses at its expiry.) Expired
   * entries are cleared on the way.
   */
  async logout(principal: Principal): Promise<void> {
    if (!principal.session) return;
    await this.dataSource.query(`DELETE FROM ended_sessions WHERE expires_at < now()`);
    await this.dataSource.query(
      `INSERT INTO ended_sessions (session_id, user_id, expires_at) VALUES ($1, $2, to_timestamp($3 / 1000.0)) ON CONFLICT (session_id) DO NOTHING`,
      [principal.session.id, principal.id, principal.session.expiresAtMs],
    );
  }

  me(principal: Principal): UserSummary {
    return toSummary(principal);
  }

  /** A user's own name and password; a new password needs the current one. */
  async updateMe(principal: Principal, body: UpdateMeDto): Promise<UserSummary> {
    if (body.newPassword !== undefined && body.currentPassword === undefined) {
      throw new DomainError('invalid', 'validation_failed', 'currentPassword is required to set a new password', 'currentPassword');
    }
    return this.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(UserEntity);
      const user = await repo
        .createQueryBuilder('u')
        .addSelect('u.passwordHash')
        .setLock('pessimistic_write')
        .where('u.id = :id AND u.deletedAt IS NULL', { id: principal.id })
        .getOne();
      if (!user) throw new DomainError('unauthorized', 'unauthorized', 'The account no longer exists');
      const before = toSummary(user);
      const changes: Partial<UserEntity> = {};
      if (body.displayName !== undefined) changes.displayName = body.displayName.trim();
      if (body.newPassword !== undefined) {
        if (!(await verifyPassword(body.currentPassword ?? '', user.passwordHash))) {
          throw new DomainError('invalid', 'wrong_password', 'currentPassword is wrong', 'currentPassword');
        }
        changes.passwordHash = await hashPassword(body.newPassword);
        // Every session ends, this one too: the portal signs in again with the new password.
        changes.passwordChangedAt = new Date();
      }
      if (Object.keys(changes).length) await repo.update({ id: user.id }, changes);
      const after = { ...before, ...(changes.displayName ? { displayName: changes.displayName } : {}) };
      await this.audit.record(tx, principal, {
        action: 'user.self_updated',
        entityType: 'user',
        entityId: user.id,
        before,
        after: changes.passwordHash ? { ...after, password: REDACTED, passwordChanged: true } : after,
      });
      return after;
    });
  }
}
