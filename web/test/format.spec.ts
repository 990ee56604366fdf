import { formatBytes } from '@sheaf/contracts';
import { formatDuration, percent } from '../src/lib/format';

describe('percent', () => {
  it('rounds down while something is left, so a bar reads 100 % only when everything is done', () => {
    expect(percent(999, 1000)).toBe(99);
    expect(percent(9_999_999, 10_000_000)).toBe(99);
    expect(percent(1000, 1000)).toBe(100);
    expect(percent(1, 3)).toBe(33);
  });

  it('is 0 without a total, and 100 when more than the total is done', () => {
    expect(percent(0, 0)).toBe(0);
    expect(percent(5, 0)).toBe(0);
    expect(percent(12, 10)).toBe(100);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [1000, '1.0 s'],
    [12_345, '12.3 s'],
    [59_999, '59.9 s'],
    [60_000, '1 min 0 s'],
    [183_422, '3 min 3 s'],
    [3_600_000, '1 h 0 min'],
    [7_530_000, '2 h 5 min'],
  ])('%d ms reads "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('says nothing it cannot know', () => {
    expect(formatDuration(Number.NaN)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
  });
});

describe('formatBytes', () => {
  it.each([
    [999, '999 B'],
    [1000, '1.0 kB'],
    [999_499, '999 kB'],
    // Rounds up into the next unit rather than reading "1000 kB".
    [999_999, '1.0 MB'],
    [1_500_000_000, '1.5 GB'],
  ])('%i bytes read %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
