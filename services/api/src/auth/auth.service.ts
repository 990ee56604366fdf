import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DataSource, IsNull } from 'typeorm';
import type { LoginResponse, UserSummary } from '@sheaf/contracts';
import { verifyPassword } from '@sheaf/crypto';
import { UserEntity } from '@sheaf/db';
import { DomainError } from '../common/domain-error';
import { API_CONFIG, type ApiConfig } from '../config';

/** What a session token carries. */
export interface TokenClaims {
  sub: string;
  role: UserSummary['role'];
}

// A fixed hash to compare against when the email is unknown, so timing does not reveal which
// emails exist.
const DUMMY_HASH = '$2b$12$AOwZhCD9PxOnoRC69tTgMuxdlLLoP5ZT/DGe6z6Ng7YPBfB6sWZMK';

function toSummary(user: UserEntity): UserSummary {
  return { id: user.id, email: user.email, displayName: user.displayName, role: user.role };
}

@Injectable()
export class AuthService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly jwt: JwtService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  private get users() {
    return this.dataSource.getRepository(UserEntity);
  }

  async login(email: string, password: string): Promise<LoginResponse> {
    const user = await this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.email = :email AND u.deletedAt IS NULL', { email: email.trim().toLowerCase() })
      .getOne();
    const matches = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !matches || user.disabledAt) {
      throw new DomainError('unauthorized', 'invalid_credentials', 'Wrong email or password');
    }
    const claims: TokenClaims = { sub: user.id, role: user.role };
    const accessToken = await this.jwt.signAsync(claims);
    return { accessToken, expiresIn: this.config.jwt.ttlSeconds, user: toSummary(user) };
  }

  /** The live user behind a token: a disabled or deleted user's tokens stop working at once. */
  async activeUser(userId: string): Promise<UserSummary | undefined> {
    const user = await this.users.findOne({ where: { id: userId, disabledAt: IsNull() } });
    return user ? toSummary(user) : undefined;
  }
}
