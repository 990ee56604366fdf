/** Formatting shared by server and client components (fixed locale and UTC: no hydration drift). */
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });

export function formatDateTime(value: string | null | undefined): string {
  return value ? `${DATE_TIME.format(new Date(value))} UTC` : '—';
}

export { formatBytes, formatCount } from '@sheaf/contracts';

export function percent(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
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
