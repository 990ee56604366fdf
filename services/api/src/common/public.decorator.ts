import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = Symbol('isPublic');

/** Opens a route to anonymous callers; every other route requires authentication. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
