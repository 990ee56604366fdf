/** Types shared by the API, the worker, the workflows and the portal. Plain data only. */

export const ROLES = ['admin', 'user'] as const;
export type Role = (typeof ROLES)[number];

export const HARVEST_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'skipped'] as const;
export type HarvestStatus = (typeof HARVEST_STATUSES)[number];

export const HARVEST_PHASES = ['queued', 'discovering', 'transferring', 'finished'] as const;
export type HarvestPhase = (typeof HARVEST_PHASES)[number];

export interface HealthResponse {
  status: 'ok';
}

export interface ReadinessResponse {
  status: 'ready' | 'unready';
  checks: { database: CheckResult; temporal: CheckResult };
}

export interface CheckResult {
  ok: boolean;
  /** Why the check failed; absent when ok. */
  error?: string;
}

export interface LoginRequest {
  email: string;
  password: string;
}

export interface LoginResponse {
  accessToken: string;
  expiresIn: number;
  user: UserSummary;
}

export interface UserSummary {
  id: string;
  email: string;
  displayName: string;
  role: Role;
}

/** Every error the API returns has this shape. */
export interface ApiError {
  statusCode: number;
  code: string;
  message: string;
  field?: string;
}

/**
 * Custom search attributes on harvest workflows, so operators can find and follow runs in the
 * Temporal UI. Registered by the dev stack (`--search-attribute`) and on real clusters through
 * the operator API.
 */
export const SEARCH_ATTRIBUTE_TYPES = {
  SheafInstrument: 'Keyword',
  SheafRunId: 'Keyword',
  SheafPhase: 'Keyword',
  SheafFilesDone: 'Int',
  SheafFilesTotal: 'Int',
  SheafBytesDone: 'Int',
} as const;
export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTE_TYPES;
