import { notificationPage, withOlder } from '../src/lib/notification-list';

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
  it('adds the older page after those shown, each notification once', () => {
    const n = (id: string) => ({ id });
    expect(withOlder([n('a'), n('b')], [n('c'), n('d')])).toEqual([n('a'), n('b'), n('c'), n('d')]);
    // One arrived meanwhile: the older page starts with the last one shown.
    expect(withOlder([n('a'), n('b')], [n('b'), n('c')])).toEqual([n('a'), n('b'), n('c')]);
  });
});
