/**
 * `npm run bench [-- SCENARIO... --quick --out FILE --keep]`: the harvest benchmarks of issue #3
 * on a stack of their own (embedded PostgreSQL, Temporal dev server, one worker process).
 * Scenarios: small, large, reharvest (the default set); renamed, million, scaleout, api. Results go to
 * docs/BENCHMARKS.md (a section per scenario) and a summary table; the exit code is 1 when any
 * check is not met or a scenario failed.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../repo-root';
import { describeMachine, renderSection, SCENARIOS, summaryTable, writeReport, type ScenarioKey, type ScenarioReport } from './report';
import { RUNNERS, runScenario, type BenchContext } from './scenarios';
import { startStack, type BenchStack } from './stack';

const DEFAULT: ScenarioKey[] = ['small', 'large', 'reharvest'];

const USAGE = `usage: npm run bench -- [small] [renamed] [large] [reharvest] [million] [scaleout] [api] [--quick] [--repeat N] [--out FILE] [--keep]
  (no scenario: small large reharvest)
  --quick      sizes shrunk 10x, for a smoke run; writes no report unless --out is given
  --out FILE   where to write the report (default docs/BENCHMARKS.md; with --quick, none)
  --repeat N   measured pairs per comparison (small, renamed, large, reharvest), alternating which side
               goes first; the target is checked on the median ratio (default 3)
  --keep       keep the temporary folder (trees, databases) for inspection
environment: HARVEST_BATCH_FILES, HARVEST_BATCH_BYTES, HARVEST_BATCH_WINDOW, RCLONE_TRANSFERS as for
  the worker (defaults from libs/config); SHEAF_BENCH_WORKER_NODE_ARGS adds node flags to the
  worker (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")`;

const say = (line: string) => process.stdout.write(`${line}\n`);
const stamp = () => new Date().toISOString().slice(11, 19);
const log = (line: string) => say(`[${stamp()}] ${line}`);

interface Options {
  scenarios: ScenarioKey[];
  quick: boolean;
  repeat: number;
  keep: boolean;
  out?: string;
}

function parseArgs(argv: string[]): Options {
  const scenarios: ScenarioKey[] = [];
  let quick = false;
  let keep = false;
  let out: string | undefined;
  let repeat = 3;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--repeat') {
      repeat = Number(argv[++i]);
      if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat needs a whole number >= 1');
    }
    else if (arg === '--keep') keep = true;
    else if (arg === '--out') {
      out = argv[++i];
      if (!out) throw new Error('--out needs a file');
    } else if (arg === '--help' || arg === '-h') {
      say(USAGE);
      process.exit(0);
    } else if ((SCENARIOS as readonly string[]).includes(arg)) {
      if (!scenarios.includes(arg as ScenarioKey)) scenarios.push(arg as ScenarioKey);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const ordered = SCENARIOS.filter((s) => scenarios.includes(s));
  return { scenarios: ordered.length ? ordered : DEFAULT, quick, repeat, keep, out: out ?? (quick ? undefined : join(REPO_ROOT, 'docs', 'BENCHMARKS.md')) };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
  log(`${command}: ${options.scenarios.join(', ')}${options.quick ? ' (quick: sizes / 10)' : ''}`);
  log('starting PostgreSQL and the Temporal dev server…');
  const stack: BenchStack = await startStack(log, options.keep);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stack.stop();
  };
  const interrupt = () => {
    log('interrupted: stopping…');
    void stop().finally(() => process.exit(130));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  const machine = describeMachine({ rclone: stack.rclone, temporal: stack.temporal });
  log(`machine: ${machine.cpus} CPUs, ${machine.cpuModel}, ${machine.memoryGiB.toFixed(1)} GiB; load ${loadavg().map((l) => l.toFixed(2)).join(' / ')}; stack in ${stack.dir}`);
  const ctx: BenchContext = { stack, scale: options.quick ? 10 : 1, repeat: options.repeat, log };
  const reports: ScenarioReport[] = [];
  const sections = new Map<ScenarioKey, string>();
  try {
    for (const key of options.scenarios) {
      const report: ScenarioReport = {
        key,
        title: RUNNERS[key].title(ctx.scale) + (options.quick ? ' (--quick)' : ''),
        date: new Date().toISOString(),
        setup: [],
        figures: [],
        checks: [],
        breakdown: [],
        notes: [],
        // Read per scenario: a long run's load changes from one scenario to the next.
        loadAtStart: loadavg(),
      };
      log(`== ${key}: ${report.title}`);
      const started = performance.now();
      try {
        await runScenario(ctx, key, stack.dir, report);
      } catch (err) {
        report.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`  ${key} FAILED: ${report.error}`);
      }
      report.setup.push(`Scenario wall time from its start to its end (its set-up, such as generating files, included): ${((performance.now() - started) / 1000).toFixed(0)} s`);
      reports.push(report);
      sections.set(key, renderSection(report, machine, command));
      // Written after every scenario, so a long run that is interrupted keeps what it measured.
      if (options.out) await writeReport(options.out, sections);
    }
  } finally {
    log('stopping the stack…');
    await stop();
  }
  say('');
  say(summaryTable(reports));
  say('');
  say(options.out ? `report: ${options.out}` : 'no report written (--quick without --out)');
  const failed = reports.some((r) => r.error || r.checks.some((c) => !c.met));
  if (failed) say('some checks were NOT met (see above)');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(2);
  },
);
