/** Formatting shared by server and client components (fixed locale and UTC: no hydration drift). */
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });

export function formatDateTime(value: string | null | undefined): string {
  return value ? `${DATE_TIME.format(new Date(value))} UTC` : '—';
}

export { formatBytes, formatCount } from '@sheaf/contracts';

/** Whole percent done, rounded down: 100 only once everything is done (999 of 1000 is 99). */
export function percent(done: number, total: number): number {
  if (total <= 0) return 0;
  return done >= total ? 100 : Math.max(0, Math.floor((done / total) * 100));
}

/** A duration for people: "850 ms", "12.3 s", "3 min 3 s", "2 h 5 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.floor(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Search parameters of a page as single strings. */
export function param(params: Record<string, string | string[] | undefined>, name: string): string {
  const value = params[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

export function offsetParam(params: Record<string, string | string[] | undefined>): number {
  const n = Number.parseInt(param(params, 'offset'), 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** A search parameter narrowed to one of the allowed values, or undefined. */
export function oneOf<T extends string>(value: string, allowed: readonly T[]): T | undefined {
  return (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** A `yyyy-mm-dd` date input as the start (or the end) of that day in UTC. */
export function dayBoundary(value: string, end: boolean): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  return `${value}T${end ? '23:59:59.999' : '00:00:00.000'}Z`;
}
