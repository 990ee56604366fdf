import type { NotificationDto } from './api-types';

/** The bell's menu first shows this many of the newest notifications. */
export const NOTIFICATIONS_FIRST = 10;
/** The most one request of the bell's route answers ("Show older" asks for this many). */
export const NOTIFICATIONS_MAX = 50;

/**
 * The page of notifications a request of the bell's route asks for: `limit` (1 to 50, 10 when
 * absent or not a number) and `offset` (0 when absent or not a whole number).
 */
export function notificationPage(search: URLSearchParams): { limit: number; offset: number } {
  const limit = Number.parseInt(search.get('limit') ?? '', 10);
  const offset = Number(search.get('offset') ?? '0');
  return {
    limit: Number.isFinite(limit) && limit > 0 ? Math.min(limit, NOTIFICATIONS_MAX) : NOTIFICATIONS_FIRST,
    offset: Number.isSafeInteger(offset) && offset > 0 ? offset : 0,
  };
}

/**
 * The menu's list with older notifications added after those shown, each notification once.
 * olderThan below leaves out those shown, by isOlder's key; but the API orders by the database's
 * microseconds and isOlder sees milliseconds, so two made in one millisecond, ids out of time
 * order (concurrent inserts), can sort differently here and one shown come back.
 */
export function withOlder<T extends { id: string }>(shown: readonly T[], older: readonly T[]): T[] {
  const ids = new Set(shown.map((n) => n.id));
  return [...shown, ...older.filter((n) => !ids.has(n.id))];
}

/** Where a notification stands in the list's order: newest first by creation, then by id. */
export interface NotificationKey {
  id: string;
  createdAt: string;
}

/** Whether `a` comes after `b` in the list: created earlier, or at the same time with a lower id (ids are whole numbers). */
export function isOlder(a: NotificationKey, b: NotificationKey): boolean {
  const at = Date.parse(a.createdAt);
  const bt = Date.parse(b.createdAt);
  if (at !== bt) return at < bt;
  return a.id.length !== b.id.length ? a.id.length < b.id.length : a.id < b.id;
}

/** One answer of the bell's route: a page of the list as it is now, and how long the list is. */
type FetchNotifications<T> = (offset: number, limit: number) => Promise<{ items: T[]; total: number }>;

/** The notifications next after those shown, and how many come after them still. */
interface OlderNotifications<T> {
  items: T[];
  left: number;
}

/** How many pages olderThan reads before giving up on a list that keeps moving under it. */
const OLDER_MAX_READS = 20;

/**
 * The notifications that come after `oldest` (the last one shown, which may be gone since) when
 * the list is read `limit` at a time by offset: a page from `shown - 1` on, so that it starts with
 * `oldest`. The list moves meanwhile (new ones push it along, dismissals elsewhere pull it back),
 * so the page is read by key: what is not older than `oldest` is left out (no repeats), and a page
 * whose first notification is older already has been pulled past some, so one reaching further
 * back is read instead (nothing skipped); a page holding only newer ones gives way to the next.
 * `left` counts the older ones beyond those returned, as the route counted them; it throws when
 * the list moved too far for OLDER_MAX_READS pages.
 */
export async function olderThan<T extends NotificationKey>(
  oldest: NotificationKey,
  shown: number,
  fetchPage: FetchNotifications<T>,
  limit: number = NOTIFICATIONS_MAX,
): Promise<OlderNotifications<T>> {
  let offset = Math.max(0, shown - 1);
  for (let read = 0; read < OLDER_MAX_READS; read++) {
    const page = await fetchPage(offset, limit);
    const at = page.items.findIndex((n) => n.id === oldest.id);
    const older = page.items.findIndex((n) => isOlder(n, oldest));
    const start = at >= 0 ? at + 1 : older >= 0 ? older : page.items.length;
    if (start === 0 && offset > 0) {
      // Overlapping the page just read by one, so that a list standing still is found between them.
      offset = Math.max(0, offset - limit + 1);
    } else if (start === page.items.length && page.items.length === limit) {
      offset += limit - 1;
    } else {
      return { items: page.items.slice(start), left: olderLeft(page, offset, limit) };
    }
  }
  throw new Error('The notifications kept changing while older ones were read.');
}

/** How many older notifications come after a page read at `offset`, as the route counted them (none when the page is not full). */
export function olderLeft(page: { items: readonly unknown[]; total: number }, offset: number, limit: number): number {
  return page.items.length < limit ? 0 : Math.max(0, page.total - offset - page.items.length);
}

const KIND_LABELS: Record<NotificationDto['kind'], string> = {
  run_failed: 'Run failed',
  verification_failed: 'Verification failed',
  credentials_rejected: 'Credentials rejected',
  files_held: 'Files held',
};

/**
 * A notification's kind in words. A kind this portal does not know (an API newer than the
 * portal, during a rollout) is written out from its name: `quota_exceeded` → "Quota exceeded".
 */
export function notificationKindLabel(kind: string): string {
  if (Object.hasOwn(KIND_LABELS, kind)) return KIND_LABELS[kind as NotificationDto['kind']];
  const words = kind.replace(/[_-]+/g, ' ').trim();
  return words === '' ? 'Notification' : words.charAt(0).toUpperCase() + words.slice(1);
}
