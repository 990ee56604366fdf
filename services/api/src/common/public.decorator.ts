import { SetMetadata } from '@nestjs/common';
import type { TokenScope } from '@sheaf/contracts';

export const IS_PUBLIC = Symbol('isPublic');
export const ADMIN_ONLY = Symbol('adminOnly');
export const TOKEN_SCOPE = Symbol('tokenScope');

/**
 * Opens a route to anonymous callers; every other route requires authentication. A valid
 * credential on a public route is still read (the ARK resolver's `?info` uses it).
 */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only admins; a user gets 403 (the route exists for everyone, its data is admin's). */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

/**
 * The API-token scope a non-GET route needs. Tokens may call GET routes with any scope and
 * other routes only when marked here; routes not marked refuse tokens (sessions only).
 */
export const TokenScoped = (scope: TokenScope) => SetMetadata(TOKEN_SCOPE, scope);
