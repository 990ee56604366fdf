import type { ApiConfig } from '@sheaf/config';

/** DI token for the parsed configuration (parsed once in main.ts, never from process.env here). */
export const API_CONFIG = Symbol('ApiConfig');
export type { ApiConfig };
