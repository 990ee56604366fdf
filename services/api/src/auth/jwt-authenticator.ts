import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { API_CONFIG, type ApiConfig } from '../config';
import type { TokenClaims } from './auth.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who a session token names, when it was issued, and (for tokens that carry it) which session it is. */
export interface Session {
  userId: string;
  issuedAtMs: number;
  /** A session that can be signed out: its id, and when its token expires. */
  session?: { id: string; expiresAtMs: number };
}

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
        (claims: TokenClaims, done: (error: unknown, session?: Session | false) => void) => {
          const issuedAtMs = typeof claims.issuedAtMs === 'number' ? claims.issuedAtMs : typeof claims.iat === 'number' ? claims.iat * 1000 : undefined;
          const valid = typeof claims.sub === 'string' && UUID.test(claims.sub) && issuedAtMs !== undefined;
          // Sheaf's session tokens carry both; one without them (issued before sessions had ids) cannot be signed out.
          const session = typeof claims.sid === 'string' && UUID.test(claims.sid) && typeof claims.exp === 'number' ? { id: claims.sid, expiresAtMs: claims.exp * 1000 } : undefined;
          done(null, valid ? { userId: claims.sub, issuedAtMs, session } : false);
        },
      ),
    );
  }

  /** The user and issue time of a valid, unexpired session token in the request; undefined otherwise. */
  sessionOf(request: Request): Promise<Session | undefined> {
    return new Promise((resolve, reject) => {
      const authenticate = this.passport.authenticate('jwt', { session: false }, (error: unknown, session: Session | false) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(session || undefined);
      }) as (req: Request, res: unknown, next: (error?: unknown) => void) => void;
      authenticate(request, {}, (error) => reject(error instanceof Error ? error : new Error(String(error))));
    });
  }
}
