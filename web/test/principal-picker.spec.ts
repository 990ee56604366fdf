import { MAX_PAGE_SIZE } from '@sheaf/contracts';

import { morePicksHint, PICK_SEARCH_SHOWN, pickSearchLimit } from '../src/app/(admin)/_access/access-data';

describe('pickSearchLimit', () => {
  it('asks for as many more of a kind as of that kind are already present, so that 20 are left to pick', () => {
    expect(pickSearchLimit('user', new Set())).toBe(PICK_SEARCH_SHOWN);
    const present = new Set(['user:a', 'user:b', 'user:c', 'group:g']);
    expect(pickSearchLimit('user', present)).toBe(PICK_SEARCH_SHOWN + 3);
    expect(pickSearchLimit('group', present)).toBe(PICK_SEARCH_SHOWN + 1);
    expect(pickSearchLimit('instrument', present)).toBe(PICK_SEARCH_SHOWN);
  });

  it('asks for no more than the API gives in one page', () => {
    const many = new Set(Array.from({ length: 500 }, (_, i) => `user:${i}`));
    expect(pickSearchLimit('user', many)).toBe(MAX_PAGE_SIZE);
  });
});

describe('morePicksHint', () => {
  it('says more match, to be found by typing, only when the search matched more than it gave', () => {
    expect(morePicksHint('group', 20, 20)).toBeUndefined();
    expect(morePicksHint('group', 3, 3)).toBeUndefined();
    expect(morePicksHint('group', 240, 200)).toBe('More groups match than are listed: type to narrow the search.');
    expect(morePicksHint('user', 21, 20)).toBe('More users match than are listed: type to narrow the search.');
  });
});
