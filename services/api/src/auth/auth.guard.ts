import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { API_TOKEN_PREFIX, type TokenScope } from '@sheaf/contracts';
import { DomainError } from '../common/domain-error';
import { ADMIN_ONLY, IS_PUBLIC, TOKEN_SCOPE } from '../common/public.decorator';
import { ApiTokensService } from './api-tokens.service';
import { AuthService } from './auth.service';
import { JwtAuthenticator } from './jwt-authenticator';
import type { Principal } from './principal';

type AuthenticatedRequest = Request & { user?: Principal };

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearerOf(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : '';
}

/**
 * The one global guard. Authentication: a session JWT (HS256, verified by passport-jwt in
 * JwtAuthenticator) or an API token (`sheaf_...`), deny by default, `@Public()` opens a route (and
 * still reads a valid credential). Both resolve to the live user, so disabling or deleting a
 * user stops their sessions and tokens at once. Authorization that depends on the route only:
 * `@AdminOnly()` and the scope an API token needs. Which rows a caller sees is AccessService's
 * job.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokensService,
    private readonly jwt: JwtAuthenticator,
    private readonly auth: AuthService,
  ) {}

  private meta<T>(key: symbol, context: ExecutionContext): T | undefined {
    return this.reflector.getAllAndOverride<T>(key, [context.getHandler(), context.getClass()]);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const isPublic = this.meta<boolean>(IS_PUBLIC, context) ?? false;
    const principal = await this.authenticate(request);
    request.user = principal;
    if (isPublic) return true;
    if (!principal) throw new DomainError('unauthorized', 'unauthorized', 'Log in or send an API token (Authorization: Bearer ...)');
    if (this.meta<boolean>(ADMIN_ONLY, context) && principal.role !== 'admin') {
      throw new DomainError('forbidden', 'admin_only', 'Only admins may do this');
    }
    if (principal.token && !READ_METHODS.has(request.method)) {
      const needed = this.meta<TokenScope>(TOKEN_SCOPE, context);
      if (!needed) throw new DomainError('forbidden', 'session_required', 'API tokens cannot do this; log in instead');
      if (needed !== principal.token.scope && principal.token.scope !== 'harvest') {
        throw new DomainError('forbidden', 'token_scope', `This API token has scope ${principal.token.scope}; this needs scope ${needed}`);
      }
    }
    return true;
  }

  /** Never throws: a missing or invalid credential is an anonymous caller, and the checks above decide. */
  private async authenticate(request: AuthenticatedRequest): Promise<Principal | undefined> {
    const bearer = bearerOf(request);
    if (!bearer) return undefined;
    if (bearer.startsWith(API_TOKEN_PREFIX)) return this.tokens.authenticate(bearer);
    const session = await this.jwt.sessionOf(request);
    return session ? this.auth.activeUser(session) : undefined;
  }
}
