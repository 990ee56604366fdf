import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { UserSummary } from '@sheaf/contracts';
import { API_CONFIG, type ApiConfig } from '../config';
import { AuthService, type TokenClaims } from './auth.service';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    @Inject(API_CONFIG) config: ApiConfig,
    private readonly auth: AuthService,
  ) {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: config.jwt.secret, algorithms: ['HS256'] });
  }

  /** Returning undefined rejects the request with 401. */
  async validate(claims: TokenClaims): Promise<UserSummary | undefined> {
    return this.auth.activeUser(claims.sub);
  }
}
