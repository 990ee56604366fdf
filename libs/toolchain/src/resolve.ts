import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { TOOLS, compareVersions, type ToolName } from './tools';

/** The environment variables that steer tool lookup (passed in, so callers stay testable). */
export interface ToolEnv {
  /** Root of Sheaf's user-level cache; default `~/.cache/sheaf`. */
  SHEAF_CACHE_DIR?: string;
  /** Explicit binary paths, used as given (one that does not exist is an error). */
  SHEAF_TEMPORAL_BIN?: string;
  SHEAF_RCLONE_BIN?: string;
  PATH?: string;
  /** Go's own flags for `go install` (`-modcacherw` and `-trimpath` are added to them). */
  GOFLAGS?: string;
  /** Go's module cache for `go install`; default `go/mod` in Sheaf's cache. */
  GOMODCACHE?: string;
}

export interface FoundTool {
  path: string;
  version: string;
  source: 'env' | 'cache' | 'path';
}

export function toolCacheDir(env: ToolEnv): string {
  return env.SHEAF_CACHE_DIR ?? join(homedir(), '.cache', 'sheaf');
}

/** Where `installTool` puts a pinned build: one GOBIN per tool and version. */
function cachedBinary(name: ToolName, env: ToolEnv): string {
  const spec = TOOLS[name];
  return join(toolCacheDir(env), 'bin', `${spec.name}-${spec.pinned}`, spec.name);
}

function versionOf(name: ToolName, binary: string): string | undefined {
  const spec = TOOLS[name];
  try {
    const out = execFileSync(binary, [...spec.versionArgs], { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return spec.parseVersion(out);
  } catch {
    return undefined;
  }
}

function onPath(executable: string, env: ToolEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, executable))) return join(dir, executable);
  }
  return undefined;
}

/**
 * Finds a usable binary: an explicit override, then Sheaf's cache, then PATH (at or above the
 * minimum version). Returns undefined when none qualifies. An override that does not exist, or
 * is too old, is an error, never passed over.
 */
export function findTool(name: ToolName, env: ToolEnv): FoundTool | undefined {
  const spec = TOOLS[name];
  const variable = name === 'temporal' ? 'SHEAF_TEMPORAL_BIN' : 'SHEAF_RCLONE_BIN';
  const override = env[variable];
  const candidates: Array<[string | undefined, FoundTool['source']]> = [
    [override, 'env'],
    [cachedBinary(name, env), 'cache'],
    [onPath(spec.name, env), 'path'],
  ];
  for (const [path, source] of candidates) {
    if (!path) continue;
    if (!existsSync(path)) {
      // A mistyped override must not quietly give way to another binary (the cache's, PATH's).
      if (source === 'env') throw new Error(`${variable}=${path} does not exist`);
      continue;
    }
    const version = versionOf(name, path);
    if (version && compareVersions(version, spec.minimum) >= 0) return { path, version, source };
    if (source === 'env') {
      throw new Error(`${name} at ${path} reports version ${version ?? 'unknown'}; Sheaf needs ${spec.minimum} or later`);
    }
  }
  return undefined;
}

/** Like findTool, but a missing tool is an error that says how to install it. */
export function requireTool(name: ToolName, env: ToolEnv): string {
  const found = findTool(name, env);
  if (found) return found.path;
  const spec = TOOLS[name];
  throw new Error(
    `${spec.name} >= ${spec.minimum} not found (needed for ${spec.why}). ` +
      `Run 'npm run bootstrap' (it runs: go install ${spec.goModule}@v${spec.pinned}) ` +
      `or put a ${spec.name} binary of that version on PATH.`,
  );
}

/**
 * GOFLAGS with `-modcacherw` (the module cache stays writable, so that removing Sheaf's cache
 * just works) and `-trimpath` added; the caller's own flags are kept.
 */
function goflagsFor(goflags: string | undefined): string {
  const flags = (goflags ?? '').split(/\s+/).filter(Boolean);
  return [...flags, ...['-modcacherw', '-trimpath'].filter((flag) => !flags.includes(flag))].join(' ');
}

/**
 * Where `go install` keeps the modules it downloads: Sheaf's cache rather than ~/go/pkg/mod, so
 * that what the bootstrap fetched is found, and removed, with what it built. A GOMODCACHE the
 * caller sets is used as it is.
 */
function goModCache(env: ToolEnv): string {
  return env.GOMODCACHE || join(toolCacheDir(env), 'go', 'mod');
}

/** No `go` to run: trying again cannot help. */
class GoMissingError extends Error {}

/** How long to wait before each further `go install` after a failed one: 3 attempts in all. */
const GO_INSTALL_RETRY_DELAYS_MS = [5_000, 20_000];
/**
 * How long one `go install` may run: a first build takes minutes, and a module download the
 * proxy stalls would otherwise hold the bootstrap until someone (or CI's time limit) stops it.
 */
const GO_INSTALL_TIMEOUT_MS = 15 * 60_000;
/** After the interrupt that stops a `go install` which ran out of time, how long until SIGKILL. */
const GO_INSTALL_KILL_GRACE_MS = 10_000;

function duration(ms: number): string {
  return ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/**
 * Builds the pinned version with `go install` into the cache, streaming Go's output. A failed
 * `go install` is tried again (`retryDelaysMs`, 3 attempts in all): the module proxy answers
 * an error now and then, and go's exit code does not tell that from a failed build (which Go's
 * build cache makes quick to fail again). One that runs longer than `attemptTimeoutMs` (15 min)
 * is interrupted and counts as failed. Go runs with `env`'s PATH and GOFLAGS, and its module
 * cache in Sheaf's cache (goModCache).
 */
export async function installTool(
  name: ToolName,
  env: ToolEnv,
  log: (line: string) => void,
  options: { retryDelaysMs?: readonly number[]; attemptTimeoutMs?: number } = {},
): Promise<FoundTool> {
  const spec = TOOLS[name];
  const target = cachedBinary(name, env);
  const gobin = join(target, '..');
  mkdirSync(gobin, { recursive: true });
  log(`building ${spec.name} v${spec.pinned} with go install (the first build takes minutes)`);
  const attemptTimeoutMs = options.attemptTimeoutMs ?? GO_INSTALL_TIMEOUT_MS;
  const goInstall = () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('go', ['install', `${spec.goModule}@v${spec.pinned}`], {
        env: { ...process.env, PATH: env.PATH ?? process.env.PATH, GOBIN: gobin, GOFLAGS: goflagsFor(env.GOFLAGS), GOMODCACHE: goModCache(env) },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      let timedOut = false;
      let kill: NodeJS.Timeout | undefined;
      // go passes an interrupt on to the compilers it runs; SIGKILL if it does not end anyway.
      const limit = setTimeout(() => {
        timedOut = true;
        child.kill('SIGINT');
        kill = setTimeout(() => child.kill('SIGKILL'), GO_INSTALL_KILL_GRACE_MS);
      }, attemptTimeoutMs);
      const settle = () => {
        clearTimeout(limit);
        clearTimeout(kill);
      };
      child.on('error', (err) => {
        settle();
        reject(new GoMissingError(`cannot run go (Go >= 1.25 is needed to build ${spec.name}): ${err.message}`));
      });
      child.on('exit', (code, signal) => {
        settle();
        if (timedOut) reject(new Error(`go install ${spec.goModule} did not finish within ${duration(attemptTimeoutMs)} (a stalled download?) and was stopped`));
        else if (code === 0) resolve();
        else reject(new Error(`go install ${spec.goModule} exited with ${code ?? signal}`));
      });
    });
  const delays = options.retryDelaysMs ?? GO_INSTALL_RETRY_DELAYS_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      await goInstall();
      break;
    } catch (err) {
      if (err instanceof GoMissingError || attempt >= delays.length) throw err;
      log(`${(err as Error).message}; trying again in ${delays[attempt] / 1000} s (attempt ${attempt + 2} of ${delays.length + 1})`);
      await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
    }
  }
  const found = findTool(name, { ...env, PATH: '' });
  if (!found) throw new Error(`go install finished but ${target} does not report a usable version`);
  return found;
}
