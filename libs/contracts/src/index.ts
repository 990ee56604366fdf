/** Types and pure helpers shared by the API, the worker, the workflows and the portal. No I/O. */

export { formatBytes, formatCount } from './format';
export { type CheckResult, type HealthResponse, type ReadinessResponse, type WorkerReadinessResponse } from './health';

export const ROLES = ['admin', 'user'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Group and project names: access hooks name them (a file's groups are names, compared without
 * case), so no leading or trailing whitespace and no comma (metadata lists names with commas).
 */
export const NAME_PATTERN = /^[^\s,](?:[^,]*[^\s,])?$/;

export const HARVEST_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'skipped'] as const;
export type HarvestStatus = (typeof HARVEST_STATUSES)[number];

export const HARVEST_PHASES = ['queued', 'discovering', 'transferring', 'finished'] as const;
export type HarvestPhase = (typeof HARVEST_PHASES)[number];

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
  /**
   * With `harvest_running`: the instrument's active run, to follow instead (absent while one is
   * only being started). With `temporal_unavailable` or `temporal_refused` from starting a
   * harvest: the run recorded for the request, closed as failed (a retry records another).
   */
  runId?: string;
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

export * from './locations';
export { TIME_ZONE_NAMES } from './time-zones';

/** What an API token may do: `read` only reads; `harvest` also starts and cancels harvests. */
export const TOKEN_SCOPES = ['read', 'harvest'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
/** Every API token starts with this, so the API (and secret scanners) can tell it from a JWT. */
export const API_TOKEN_PREFIX = 'sheaf_';

/**
 * The first three are written when a run fails (one of them per failed run); `files_held` when a
 * run ends with held files, whatever it ended as (one per run). See services/api/README.md.
 */
export const NOTIFICATION_KINDS = ['run_failed', 'verification_failed', 'credentials_rejected', 'files_held'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** The fewest characters a password being set may have (the API's check, class-validator's MinLength). */
export const PASSWORD_MIN = 8;
/** bcrypt reads only the first 72 bytes of a password: a longer one being set is refused, not cut short. */
export const PASSWORD_MAX_BYTES = 72;
/** The byte limit in words, for messages: "must be <this>". */
export const PASSWORD_MAX_BYTES_RULE = `at most ${PASSWORD_MAX_BYTES} bytes in UTF-8 (${PASSWORD_MAX_BYTES} ASCII characters, fewer accented or non-Latin ones)`;

/** The largest `limit` a list accepts. */
export const MAX_PAGE_SIZE = 200;

/** One page of a list: `total` counts every match, `items` the ones from `offset` on. */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/**
 * What a schedule-started harvest carries besides the (placeholder) run id: the workflow must
 * create its own run row with trigger `schedule`, since a Temporal Schedule starts every
 * execution with the same arguments.
 */
export interface ScheduledHarvest {
  instrumentId: string;
  scheduleId: string;
}
