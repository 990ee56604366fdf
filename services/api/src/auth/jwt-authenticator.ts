import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { API_CONFIG, type ApiConfig } from '../config';
import type { TokenClaims } from './auth.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Verifies session JWTs with passport-jwt (HS256, expiry checked) and returns the user id they
 * name. The strategy lives in this application's own Passport instance, not passport's
 * process-wide one, so two applications in one process (a restart in a test, the OpenAPI writer)
 * never use each other's secret or services.
 */
@Injectable()
export class JwtAuthenticator {
  private readonly passport = new Passport();

  constructor(@Inject(API_CONFIG) config: ApiConfig) {
    this.passport.use(
      'jwt',
      new JwtStrategy(
        { jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: config.jwt.secret, algorithms: ['HS256'] },
        (claims: TokenClaims, done: (error: unknown, userId?: string | false) => void) =>
          done(null, typeof claims.sub === 'string' && UUID.test(claims.sub) ? claims.sub : false),
      ),
    );
  }

  /** The user id of a valid, unexpired session token in the request; undefined otherwise. */
  userIdOf(request: Request): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      const authenticate = this.passport.authenticate('jwt', { session: false }, (error: unknown, userId: string | false) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(userId || undefined);
      }) as (req: Request, res: unknown, next: (error?: unknown) => void) => void;
      authenticate(request, {}, (error) => reject(error instanceof Error ? error : new Error(String(error))));
    });
  }
}
