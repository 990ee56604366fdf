/**
 * The benchmark's checks that are pure functions of what was measured (no stack, no processes),
 * so that a unit spec can say when each is met.
 */
import { count, mib, type Check } from './report';

/** A creation probe at most this long means file creation is not slowed (0.02-0.03 s when quiet here). */
export const QUIET_PROBE_SECONDS = 0.1;
/** The worker's memory limit of issue #3: 1 GiB, in KiB as /proc reports it. */
export const RSS_LIMIT_KIB = 1024 * 1024;
/** Temporal's advice: no execution's history beyond this many events. */
export const MAX_EVENTS = 10_240;

export const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Whether a pair's creation probe says file creation was slowed while it ran. */
export const slowedProbe = (probeSeconds: number): boolean => probeSeconds > QUIET_PROBE_SECONDS;

/** What a ratio check needs of one measured pair. */
export interface RatioPair {
  /** Sheaf ÷ the baseline the target is defined on. */
  ratio: number;
  /** Sheaf ÷ the second baseline timed in the same pair, when there is one. */
  second?: number;
  /** The pair's creation probe exceeded QUIET_PROBE_SECONDS. */
  slowed: boolean;
  /** Why the pair's Sheaf run did not complete; unset when it did. */
  failure?: string;
}

/**
 * The pairs a ratio check is based on. With `quietOnly` (scenarios that create many files),
 * only pairs whose probe was quick: slowed file creation slows rclone's copy as much as Sheaf's,
 * which drifts the ratio towards 1, so a slowed pair could meet the target only because rclone
 * was slowed.
 */
export function checkedPairs<T extends { slowed: boolean }>(ps: readonly T[], quietOnly: boolean): T[] {
  return quietOnly ? ps.filter((p) => !p.slowed) : [...ps];
}

/**
 * The pair whose ratio is the median of the checked pairs (checkedPairs; the lower middle one of
 * an even count), so that the breakdown shown as the median's is of a pair the check was based
 * on; among all pairs when none is quiet. `which` names the pairs it was chosen among.
 */
export function medianPair<T extends { slowed: boolean }>(ps: readonly T[], ratio: (p: T) => number, quietOnly: boolean): { pair: T; which: string } {
  const checked = checkedPairs(ps, quietOnly);
  const among = checked.length ? checked : [...ps];
  const sorted = among.sort((a, b) => ratio(a) - ratio(b));
  const which = !quietOnly ? 'the median ratio' : checked.length ? 'the median ratio of the quiet pairs' : 'the median ratio of all pairs, every one slowed';
  return { pair: sorted[Math.floor((sorted.length - 1) / 2)], which };
}

/**
 * The ratio target, checked on the median of the checked pairs (checkedPairs); not met when
 * every pair was slowed (inconclusive) or when a Sheaf run did not complete (named).
 * `secondName` names the second baseline, whose median ratio is shown beside it.
 */
export function ratioCheck(label: string, ps: readonly RatioPair[], target: number, quietOnly: boolean, secondName?: string): Check {
  const used = checkedPairs(ps, quietOnly);
  const allMedian = `median of all ${ps.length} pair${ps.length === 1 ? '' : 's'} ${median(ps.map((p) => p.ratio)).toFixed(2)}`;
  const failures = ps.flatMap((p, i) => (p.failure ? [`Sheaf run ${i + 1} did not complete: ${p.failure}`] : []));
  const which = quietOnly ? `median of the ${used.length} quiet pair${used.length === 1 ? '' : 's'} of ${ps.length}` : `median of ${ps.length} pair${ps.length === 1 ? '' : 's'}`;
  if (!used.length) {
    return {
      label: `${label} (${which})`,
      measured: [`inconclusive: every pair slowed (file creation probe over ${QUIET_PROBE_SECONDS} s); ${allMedian}`, ...failures].join('; '),
      target: `≤ ${target}`,
      met: false,
    };
  }
  const m = median(used.map((p) => p.ratio));
  const parts = [m.toFixed(2)];
  if (quietOnly) parts.push(allMedian);
  if (secondName) parts.push(`Sheaf ÷ ${secondName}: ${median(used.map((p) => p.second ?? NaN)).toFixed(2)}`);
  return { label: `${label} (${which})`, measured: [...parts, ...failures].join('; '), target: `≤ ${target}`, met: m <= target && !failures.length };
}

/** Peak memory figures of one worker (see stack.ts MemoryReport). */
export interface MemoryPeaks {
  /** The node worker's VmHWM, KiB. */
  hwmKiB: number;
  /** Highest sampled sum of VmRSS over the worker and its descendants (rclone children included), KiB. */
  treePeakKiB: number;
}

/** The 1 GiB limit on the node worker alone (its VmHWM) and on the worker with its rclone children. */
export function memoryChecks(m: MemoryPeaks): Check[] {
  return [
    { label: 'worker peak RSS (VmHWM of the node process)', measured: mib(m.hwmKiB), target: '< 1024 MiB', met: m.hwmKiB < RSS_LIMIT_KIB },
    {
      label: 'worker process tree peak RSS (node worker + rclone children, sampled every 200 ms)',
      measured: mib(m.treePeakKiB),
      target: '< 1024 MiB',
      met: m.treePeakKiB < RSS_LIMIT_KIB,
    },
  ];
}

/**
 * No execution beyond MAX_EVENTS history events, counted over every execution found by
 * following continue-as-new; the visibility store must list as many executions (else an
 * execution was missed, and its events were not counted).
 */
export function historyCheck(h: { executions: ReadonlyArray<{ events: number }>; listed: number }): Check {
  const maxEvents = Math.max(0, ...h.executions.map((e) => e.events));
  const agree = h.listed === h.executions.length;
  return {
    label: `no execution exceeds ${count(MAX_EVENTS)} history events; visibility lists every execution`,
    measured:
      `max ${count(maxEvents)} over ${h.executions.length} execution(s)` +
      (agree ? `; visibility listed ${h.listed}` : `; visibility listed ${h.listed} execution(s), the history chain has ${h.executions.length}`),
    target: `≤ ${count(MAX_EVENTS)}; listed = executions`,
    met: maxEvents <= MAX_EVENTS && agree,
  };
}
