import { checkedPairs, historyCheck, median, medianPair, memoryChecks, QUIET_PROBE_SECONDS, ratioCheck, RSS_LIMIT_KIB, slowedProbe, type RatioPair } from '../src/bench/checks';
import { loadLine } from '../src/bench/report';

const pair = (ratio: number, slowed: boolean, extra: Partial<RatioPair> = {}): RatioPair => ({ ratio, slowed, ...extra });

describe("the benchmark's checks", () => {
  it('takes the median of an odd and an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('marks a pair slowed only when its probe exceeded the quiet limit', () => {
    expect(slowedProbe(QUIET_PROBE_SECONDS)).toBe(false);
    expect(slowedProbe(QUIET_PROBE_SECONDS + 0.01)).toBe(true);
  });

  it('keeps only the quiet pairs when asked to, all of them otherwise', () => {
    const ps = [pair(1.1, true), pair(2.5, false), pair(1.9, false)];
    expect(checkedPairs(ps, true)).toEqual([ps[1], ps[2]]);
    expect(checkedPairs(ps, false)).toEqual(ps);
  });

  it('breaks down the median pair of those the check is based on', () => {
    const ps = [pair(1.1, true), pair(2.5, false), pair(1.9, false), pair(1.2, true), pair(3.0, false)];
    // Over all five the median is 1.9; over the three quiet ones, 2.5.
    expect(medianPair(ps, (p) => p.ratio, true)).toEqual({ pair: ps[1], which: 'the median ratio of the quiet pairs' });
    expect(medianPair(ps, (p) => p.ratio, false)).toEqual({ pair: ps[2], which: 'the median ratio' });
    // The lower middle one of an even count; all pairs when none is quiet.
    expect(medianPair([pair(2, false), pair(1, false)], (p) => p.ratio, true).pair.ratio).toBe(1);
    const slowed = [pair(1.1, true), pair(1.4, true), pair(1.2, true)];
    expect(medianPair(slowed, (p) => p.ratio, true)).toEqual({ pair: slowed[2], which: 'the median ratio of all pairs, every one slowed' });
  });

  it('checks the ratio on the quiet pairs: slowed pairs near 1 cannot make it met', () => {
    const check = ratioCheck('Sheaf ÷ rclone', [pair(1.2, true), pair(1.3, true), pair(2.4, false)], 2, true);
    expect(check.met).toBe(false);
    expect(check.label).toBe('Sheaf ÷ rclone (median of the 1 quiet pair of 3)');
    expect(check.measured).toBe('2.40; median of all 3 pairs 1.30');
  });

  it('is met when the quiet pairs meet the target', () => {
    const check = ratioCheck('Sheaf ÷ rclone', [pair(3.5, true), pair(1.8, false), pair(1.9, false)], 2, true);
    expect(check.met).toBe(true);
    expect(check.measured).toMatch(/^1\.85; median of all 3 pairs 1\.90$/);
  });

  it('is inconclusive, and not met, when every pair was slowed', () => {
    const check = ratioCheck('Sheaf ÷ rclone', [pair(1.2, true), pair(1.4, true)], 2, true);
    expect(check.met).toBe(false);
    expect(check.measured).toMatch(/^inconclusive: every pair slowed .*; median of all 2 pairs 1\.30$/);
  });

  it('uses every pair when file creation does not matter, and shows the second baseline beside it', () => {
    const check = ratioCheck('Sheaf ÷ rclone lsjson', [pair(1.9, true, { second: 2.3 }), pair(1.7, false, { second: 2.1 })], 2, false, 'tuned lsjson');
    expect(check.met).toBe(true);
    expect(check.label).toBe('Sheaf ÷ rclone lsjson (median of 2 pairs)');
    expect(check.measured).toBe('1.80; Sheaf ÷ tuned lsjson: 2.20');
  });

  it('is not met when a Sheaf run did not complete, and names it', () => {
    const check = ratioCheck('Sheaf ÷ rclone', [pair(1.1, false), pair(0.5, false, { failure: 'failed: Workflow execution failed: boom' })], 2, true);
    expect(check.met).toBe(false);
    expect(check.measured).toContain('Sheaf run 2 did not complete: failed: Workflow execution failed: boom');
  });

  it('checks the node worker and its process tree against 1 GiB each', () => {
    const under = memoryChecks({ hwmKiB: 300 * 1024, treePeakKiB: 900 * 1024 });
    expect(under.map((c) => c.met)).toEqual([true, true]);
    const treeOver = memoryChecks({ hwmKiB: 300 * 1024, treePeakKiB: RSS_LIMIT_KIB });
    expect(treeOver.map((c) => c.met)).toEqual([true, false]);
    expect(treeOver[1].measured).toBe('1024 MiB');
  });

  it('checks the events per execution and that visibility listed every execution', () => {
    expect(historyCheck({ executions: [{ events: 9000 }, { events: 400 }], listed: 2 }).met).toBe(true);
    expect(historyCheck({ executions: [{ events: 10_241 }], listed: 1 }).met).toBe(false);
    const missed = historyCheck({ executions: [{ events: 9000 }, { events: 400 }], listed: 1 });
    expect(missed.met).toBe(false);
    expect(missed.measured).toContain('visibility listed 1 execution(s), the history chain has 2');
  });

  it('states the load at the start, warning only when over half the cores were busy', () => {
    expect(loadLine([1.5, 2, 2.5], 4)).toBe("Load average at the scenario's start (1 / 5 / 15 min): 1.50 / 2.00 / 2.50");
    expect(loadLine([2.01, 2, 2.5], 4)).toMatch(/\*\*Loaded machine\*\*: the 1-minute load average at the start \(2\.01\) exceeded half of the 4 CPUs/);
  });
});
