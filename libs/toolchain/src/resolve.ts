import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { TOOLS, compareVersions, type ToolName } from './tools';

/** The environment variables that steer tool lookup (passed in, so callers stay testable). */
export interface ToolEnv {
  /** Root of Sheaf's user-level cache; default `~/.cache/sheaf`. */
  SHEAF_CACHE_DIR?: string;
  /** Explicit binary paths, used as given. */
  SHEAF_TEMPORAL_BIN?: string;
  SHEAF_RCLONE_BIN?: string;
  PATH?: string;
  /** Go's own flags for `go install` (`-trimpath` is added to them). */
  GOFLAGS?: string;
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
 * minimum version). Returns undefined when none qualifies.
 */
export function findTool(name: ToolName, env: ToolEnv): FoundTool | undefined {
  const spec = TOOLS[name];
  const override = name === 'temporal' ? env.SHEAF_TEMPORAL_BIN : env.SHEAF_RCLONE_BIN;
  const candidates: Array<[string | undefined, FoundTool['source']]> = [
    [override, 'env'],
    [cachedBinary(name, env), 'cache'],
    [onPath(spec.name, env), 'path'],
  ];
  for (const [path, source] of candidates) {
    if (!path || !existsSync(path)) continue;
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

/** GOFLAGS with `-trimpath` added: the caller's own flags (a module cache mode, say) are kept. */
function goflagsWithTrimpath(goflags: string | undefined): string {
  const flags = (goflags ?? '').split(/\s+/).filter(Boolean);
  return [...flags, ...(flags.includes('-trimpath') ? [] : ['-trimpath'])].join(' ');
}

/** No `go` to run: trying again cannot help. */
class GoMissingError extends Error {}

/** How long to wait before each further `go install` after a failed one: 3 attempts in all. */
const GO_INSTALL_RETRY_DELAYS_MS = [5_000, 20_000];

/**
 * Builds the pinned version with `go install` into the cache, streaming Go's output. A failed
 * `go install` is tried again (`retryDelaysMs`, 3 attempts in all): the module proxy answers
 * an error now and then, and go's exit code does not tell that from a failed build (which Go's
 * build cache makes quick to fail again). Go runs with `env`'s PATH and GOFLAGS.
 */
export async function installTool(
  name: ToolName,
  env: ToolEnv,
  log: (line: string) => void,
  options: { retryDelaysMs?: readonly number[] } = {},
): Promise<FoundTool> {
  const spec = TOOLS[name];
  const target = cachedBinary(name, env);
  const gobin = join(target, '..');
  mkdirSync(gobin, { recursive: true });
  log(`building ${spec.name} v${spec.pinned} with go install (the first build takes minutes)`);
  const goInstall = () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('go', ['install', `${spec.goModule}@v${spec.pinned}`], {
        env: { ...process.env, PATH: env.PATH ?? process.env.PATH, GOBIN: gobin, GOFLAGS: goflagsWithTrimpath(env.GOFLAGS) },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', (err) => reject(new GoMissingError(`cannot run go (Go >= 1.25 is needed to build ${spec.name}): ${err.message}`)));
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install ${spec.goModule} exited with ${code}`))));
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
