import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { UserSummary } from '@sheaf/contracts';

/** The authenticated user, as the JWT strategy resolved it. */
export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): UserSummary => ctx.switchToHttp().getRequest<{ user: UserSummary }>().user,
);
