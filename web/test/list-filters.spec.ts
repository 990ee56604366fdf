import { dateRangeErrors, idFilter, instrumentChoices, isUuid, refusedFilter } from '../src/lib/list-filters';

describe('refusedFilter', () => {
  const query = { ark: 'ark:nonsense', from: '2026-02-31T00:00:00.000Z', name: undefined, limit: 50 };
  const badArk = { statusCode: 400, code: 'validation_failed', message: 'ark must be an ARK such as ark:99999/fk4bc7d2x59', field: 'ark' };

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

describe('a reversed date range on the runs, audit and files pages', () => {
  // As the pages send a to day before the from day (dayBoundary), and as the API answers it.
  const query = { from: '2026-02-02T00:00:00.000Z', to: '2026-02-01T23:59:59.999Z', limit: 50, offset: 0 };
  const reversed = { statusCode: 400, code: 'validation_failed', message: 'to must be after from', field: 'to' };

  it('is a refused filter, shown at the form, not the error page', () => {
    expect(refusedFilter(reversed, query)).toEqual(reversed);
  });

  it('is said at the to field, naming both fields by their labels', () => {
    expect(dateRangeErrors(refusedFilter(reversed, query)!, 'From (UTC day)', 'To (UTC day)')).toEqual({ fromError: undefined, toError: 'To (UTC day) must not be before From (UTC day)' });
  });

  it("says the API's other refusals of either field in its words, with the field's label, and nothing without one", () => {
    const badFrom = { ...reversed, field: 'from', message: 'from must be a date (YYYY-MM-DD) or a date-time with a time zone (2026-01-31T12:00:00Z)' };
    expect(dateRangeErrors(badFrom, 'Acquired from (UTC day)', 'Acquired to (UTC day)')).toEqual({
      fromError: 'Acquired from (UTC day) must be a date (YYYY-MM-DD) or a date-time with a time zone (2026-01-31T12:00:00Z)',
      toError: undefined,
    });
    expect(dateRangeErrors({ ...reversed, message: 'to must be a date' }, 'From', 'To')).toEqual({ fromError: undefined, toError: 'To must be a date' });
    expect(dateRangeErrors({ ...reversed, field: 'status' }, 'From', 'To')).toEqual({ fromError: undefined, toError: undefined });
    expect(dateRangeErrors(null, 'From', 'To')).toEqual({ fromError: undefined, toError: undefined });
  });
});

const A = '0b9d6f3e-2c41-4f7a-9e0d-5a8c1b2d3e4f';
const B = '7c1e2a90-5d3b-4e8f-a1c2-b3d4e5f6a7b8';
const GONE = 'f00dcafe-1234-4abc-8def-0123456789ab';

describe('isUuid and idFilter', () => {
  it('take a UUID, in either case, for an id', () => {
    expect(isUuid(GONE)).toBe(true);
    expect(isUuid(GONE.toUpperCase())).toBe(true);
    expect(idFilter(GONE)).toBe(GONE);
  });

  it('take nothing else: an empty value, another shape, 36 characters of hex and dashes', () => {
    for (const value of ['', 'gone', `${GONE}x`, GONE.replace(/-/g, ''), '-'.repeat(36), `${GONE.slice(0, 8)}--${GONE.slice(10)}`]) {
      expect(isUuid(value)).toBe(false);
      expect(idFilter(value)).toBe('');
    }
  });
});

describe('instrumentChoices', () => {
  const instruments = [
    { id: A, name: 'TEM-1' },
    { id: B, name: 'SEM-2' },
  ];
  const live = [
    { value: A, label: 'TEM-1' },
    { value: B, label: 'SEM-2' },
  ];

  it('offers the live instruments when none or one of them is chosen', () => {
    expect(instrumentChoices(instruments, '', undefined)).toEqual(live);
    expect(instrumentChoices(instruments, B, undefined)).toEqual(live);
  });

  it('keeps a chosen instrument that is not among them, first, so the filter is shown and kept on the next submit', () => {
    expect(instrumentChoices(instruments, GONE, { name: 'XRD-3', deletedAt: '2026-01-01T00:00:00Z' })).toEqual([{ value: GONE, label: 'XRD-3 (deleted)' }, ...live]);
    expect(instrumentChoices(instruments, GONE, { name: 'XRD-3', deletedAt: null })).toEqual([{ value: GONE, label: 'XRD-3' }, ...live]);
    // The API does not show it (not visible to this user): no name to give.
    expect(instrumentChoices(instruments, GONE, undefined)).toEqual([{ value: GONE, label: 'The chosen instrument' }, ...live]);
  });

  it('offers no chosen instrument for a value that is not a UUID: it names none, and the list is not filtered by it', () => {
    expect(instrumentChoices(instruments, 'gone', undefined)).toEqual(live);
    expect(instrumentChoices(instruments, '-'.repeat(36), undefined)).toEqual(live);
  });
});
