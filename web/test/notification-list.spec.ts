import { isOlder, notificationKindLabel, notificationPage, olderLeft, olderThan, withOlder, type NotificationKey } from '../src/lib/notification-list';

describe('notificationPage', () => {
  const page = (query: string) => notificationPage(new URLSearchParams(query));

  it('reads limit and offset, at most 50 at a time', () => {
    expect(page('limit=10')).toEqual({ limit: 10, offset: 0 });
    expect(page('limit=50&offset=10')).toEqual({ limit: 50, offset: 10 });
    expect(page('limit=500&offset=60')).toEqual({ limit: 50, offset: 60 });
  });

  it('falls back to the first 10 for what is absent or not a count', () => {
    expect(page('')).toEqual({ limit: 10, offset: 0 });
    expect(page('limit=0&offset=-5')).toEqual({ limit: 10, offset: 0 });
    expect(page('limit=abc&offset=1.5')).toEqual({ limit: 10, offset: 0 });
  });
});

describe('withOlder', () => {
  it('adds the older ones after those shown, each notification once', () => {
    const n = (id: string) => ({ id });
    expect(withOlder([n('a'), n('b')], [n('c'), n('d')])).toEqual([n('a'), n('b'), n('c'), n('d')]);
    expect(withOlder([n('a'), n('b')], [n('b'), n('c')])).toEqual([n('a'), n('b'), n('c')]);
  });
});

/** Notification `i`, created `i` seconds into the day: a higher number is newer. */
const n = (i: number): NotificationKey => ({ id: String(i), createdAt: new Date(Date.UTC(2026, 0, 5, 0, 0, i)).toISOString() });
const ids = (items: readonly NotificationKey[]) => items.map((x) => Number(x.id));

/** The bell's route over a list held here, newest first, which a test changes between reads. */
function route(numbers: number[], beforeRead: (list: NotificationKey[]) => void = () => undefined) {
  const list = numbers.map(n);
  const read = async (offset: number, limit: number) => {
    beforeRead(list);
    return { items: list.slice(offset, offset + limit), total: list.length };
  };
  return { list, read };
}
/** first..last, newest first. */
const down = (first: number, last: number) => Array.from({ length: first - last + 1 }, (_, k) => first - k);

describe('isOlder', () => {
  it('orders by creation, then by id as a whole number, as the API lists them', () => {
    expect(isOlder(n(3), n(4))).toBe(true);
    expect(isOlder(n(4), n(3))).toBe(false);
    expect(isOlder(n(4), n(4))).toBe(false);
    const at = '2026-01-05T00:00:00.000Z';
    expect(isOlder({ id: '9', createdAt: at }, { id: '10', createdAt: at })).toBe(true);
    expect(isOlder({ id: '10', createdAt: at }, { id: '9', createdAt: at })).toBe(false);
  });
});

describe('olderLeft', () => {
  it('counts what the first page leaves out, nothing when it is the whole list', () => {
    expect(olderLeft({ items: down(30, 21), total: 30 }, 0, 10)).toBe(20);
    expect(olderLeft({ items: down(7, 1), total: 7 }, 0, 10)).toBe(0);
    expect(olderLeft({ items: down(10, 1), total: 10 }, 0, 10)).toBe(0);
  });
});

describe('olderThan', () => {
  it('reads the next ones after those shown, and counts those left after them', async () => {
    const { read } = route(down(30, 1));
    // 30..21 shown; pages of 5 from the last one shown.
    expect(await olderThan(n(21), 10, read, 5)).toEqual({ items: [n(20), n(19), n(18), n(17)], left: 16 });
    expect(await olderThan(n(21), 10, read)).toEqual({ items: down(20, 1).map(n), left: 0 });
  });

  it('returns nothing and none left after the last one, so the menu offers no more', async () => {
    const { read } = route(down(30, 1));
    expect(await olderThan(n(1), 30, read)).toEqual({ items: [], left: 0 });
  });

  it('repeats none and counts none of those that arrived since the list was shown', async () => {
    // 30..21 shown, then 31..33 arrived: the offset of 10 now points at 24.
    const { read } = route(down(33, 1));
    const older = await olderThan(n(21), 10, read);
    expect(ids(older.items)).toEqual(down(20, 1));
    expect(older.left).toBe(0);
    // More arrived than a page holds: the pages of new ones are passed over.
    const busy = route(down(140, 1));
    expect(await olderThan(n(21), 10, busy.read, 50)).toEqual({ items: down(20, 1).map(n), left: 0 });
  });

  it('skips none when some shown or above them were dismissed elsewhere', async () => {
    // 30..21 shown; 28 and 25 dismissed in another tab: the offset of 9 now points at 19, past 20.
    const { read } = route(down(30, 1).filter((i) => i !== 28 && i !== 25));
    expect(await olderThan(n(21), 10, read, 5)).toEqual({ items: [n(20), n(19)], left: 18 });
    // The last one shown dismissed elsewhere too: the next are still those after it.
    const gone = route(down(30, 1).filter((i) => i !== 28 && i !== 21));
    expect(await olderThan(n(21), 10, gone.read, 5)).toEqual({ items: [n(20), n(19)], left: 18 });
  });

  it('reaches back over more dismissals than a page holds', async () => {
    // 100..41 shown (60), then 99..88 dismissed elsewhere.
    const { read } = route(down(100, 1).filter((i) => i > 99 || i < 88));
    const older = await olderThan(n(41), 60, read, 5);
    expect(ids(older.items)).toEqual([40, 39, 38, 37]);
    expect(older.left).toBe(36);
  });

  it('gives up on a list that keeps moving under it, rather than guess', async () => {
    // Before each read, 60 more arrive: each page holds only newer ones.
    let newest = 1000;
    const { read } = route(down(30, 1), (list) => {
      list.unshift(...down(newest + 60, newest + 1).map(n));
      newest += 60;
    });
    await expect(olderThan(n(21), 10, read, 50)).rejects.toThrow('kept changing');
  });
});

describe('notificationKindLabel', () => {
  it('names each kind the API sends, held files too', () => {
    expect(notificationKindLabel('run_failed')).toBe('Run failed');
    expect(notificationKindLabel('credentials_rejected')).toBe('Credentials rejected');
    expect(notificationKindLabel('files_held')).toBe('Files held');
  });

  it('writes out a kind it does not know from its name, and never an inherited property', () => {
    expect(notificationKindLabel('quota_exceeded')).toBe('Quota exceeded');
    expect(notificationKindLabel('toString')).toBe('ToString');
    expect(notificationKindLabel('')).toBe('Notification');
  });
});
