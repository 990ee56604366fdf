import { collectPages, PAGE_SIZE } from '../src/lib/pages';

/** A list of `total` numbered rows served a page at a time, recording what was asked. */
function pagedList(total: number) {
  const asked: Array<[number, number]> = [];
  const rows = Array.from({ length: total }, (_, i) => i);
  const loadPage = async (offset: number, limit: number) => {
    asked.push([offset, limit]);
    return { items: rows.slice(offset, offset + limit), total: rows.length };
  };
  return { asked, loadPage, rows };
}

describe('collectPages', () => {
  it('reads every page of a list longer than one page, in order', async () => {
    const list = pagedList(2 * PAGE_SIZE + 7);
    expect(await collectPages(list.loadPage)).toEqual(list.rows);
    expect(list.asked).toEqual([
      [0, PAGE_SIZE],
      [PAGE_SIZE, PAGE_SIZE],
      [2 * PAGE_SIZE, PAGE_SIZE],
    ]);
  });

  it('asks once for a list that fits a page, and for an empty list', async () => {
    for (const total of [0, 3, PAGE_SIZE]) {
      const list = pagedList(total);
      expect(await collectPages(list.loadPage)).toEqual(list.rows);
      expect(list.asked).toHaveLength(1);
    }
  });

  it('stops at an empty page when rows went away while it read', async () => {
    const list = pagedList(PAGE_SIZE + 5);
    const shrinking = async (offset: number, limit: number) => {
      const page = await list.loadPage(offset, limit);
      // The second page finds the list shorter than the first said, and empty.
      return offset === 0 ? page : { items: [], total: PAGE_SIZE };
    };
    expect(await collectPages(shrinking)).toEqual(list.rows.slice(0, PAGE_SIZE));
    expect(list.asked).toHaveLength(2);
  });
});
