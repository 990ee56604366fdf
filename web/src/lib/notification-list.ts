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
 * The menu's list with an older page added. The older page starts where the list ends; one that
 * arrived meanwhile pushes the newest ones along, so the page may repeat some: each is kept once.
 */
export function withOlder<T extends { id: string }>(shown: readonly T[], older: readonly T[]): T[] {
  const ids = new Set(shown.map((n) => n.id));
  return [...shown, ...older.filter((n) => !ids.has(n.id))];
}
