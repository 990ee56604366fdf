import { MAX_PAGE_SIZE } from '@sheaf/contracts';

/** Pages as large as the API gives. */
export const PAGE_SIZE = MAX_PAGE_SIZE;

/**
 * Every item of a paged list: asks for page after page until the list's total is reached (or a
 * page comes back empty, when rows went away meanwhile). A picker that stopped at the first page
 * would leave the 201st instrument out without a word.
 */
export async function collectPages<T>(loadPage: (offset: number, limit: number) => Promise<{ items: T[]; total: number }>): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; ; offset += PAGE_SIZE) {
    const page = await loadPage(offset, PAGE_SIZE);
    items.push(...page.items);
    if (page.items.length === 0 || offset + PAGE_SIZE >= page.total) return items;
  }
}
