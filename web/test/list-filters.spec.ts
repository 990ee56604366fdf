import { instrumentChoices, refusedFilter } from '../src/lib/list-filters';

describe('refusedFilter', () => {
  const query = { ark: 'ark:nonsense', from: '2026-02-31T00:00:00.000Z', name: undefined, limit: 50 };
  const badArk = { statusCode: 400, code: 'validation_failed', message: 'ark must be an ARK such as ark:99999/fk4bc7d2x5q', field: 'ark' };

  it('takes a 400 naming a query parameter the call sent for a refused filter', () => {
    expect(refusedFilter(badArk, query)).toEqual(badArk);
    expect(refusedFilter({ ...badArk, field: 'from', message: 'from must be a date' }, query)?.field).toBe('from');
  });

  it('leaves other errors to the error page: no field, another status, a parameter not sent or not in the query', () => {
    expect(refusedFilter({ ...badArk, field: undefined }, query)).toBeUndefined();
    expect(refusedFilter({ ...badArk, statusCode: 409 }, query)).toBeUndefined();
    expect(refusedFilter({ ...badArk, field: 'name' }, query)).toBeUndefined();
    expect(refusedFilter({ ...badArk, field: 'id' }, query)).toBeUndefined();
    expect(refusedFilter(badArk, undefined)).toBeUndefined();
  });
});

describe('instrumentChoices', () => {
  const instruments = [
    { id: 'a', name: 'TEM-1' },
    { id: 'b', name: 'SEM-2' },
  ];
  const live = [
    { value: 'a', label: 'TEM-1' },
    { value: 'b', label: 'SEM-2' },
  ];

  it('offers the live instruments when none or one of them is chosen', () => {
    expect(instrumentChoices(instruments, '', undefined)).toEqual(live);
    expect(instrumentChoices(instruments, 'b', undefined)).toEqual(live);
  });

  it('keeps a chosen instrument that is not among them, first, so the filter is shown and kept on the next submit', () => {
    expect(instrumentChoices(instruments, 'gone', { name: 'XRD-3', deletedAt: '2026-01-01T00:00:00Z' })).toEqual([{ value: 'gone', label: 'XRD-3 (deleted)' }, ...live]);
    expect(instrumentChoices(instruments, 'gone', { name: 'XRD-3', deletedAt: null })).toEqual([{ value: 'gone', label: 'XRD-3' }, ...live]);
    // The API does not show it (not visible to this user): no name to give.
    expect(instrumentChoices(instruments, 'gone', undefined)).toEqual([{ value: 'gone', label: 'The chosen instrument' }, ...live]);
  });
});
