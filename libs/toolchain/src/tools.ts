/**
 * The external binaries Sheaf runs, pinned in one place. Both are built from their Go modules
 * (through the module proxy) because no other download is possible on our machines.
 */
export interface ToolSpec {
  /** Executable name. */
  readonly name: string;
  /** `go install` target. */
  readonly goModule: string;
  /** Version that `go install` builds. */
  readonly pinned: string;
  /** Oldest version accepted when the binary is already on PATH. */
  readonly minimum: string;
  /** Arguments that print the version. */
  readonly versionArgs: readonly string[];
  /** Extracts the version that matters from the version output, or undefined. */
  readonly parseVersion: (output: string) => string | undefined;
  /** What to say when the tool is missing or too old. */
  readonly why: string;
}

export const TOOLS = {
  temporal: {
    name: 'temporal',
    // Later tags carry a `replace` directive and cannot be `go install`ed.
    goModule: 'github.com/temporalio/cli/cmd/temporal',
    pinned: '1.5.1',
    // A `go install`ed CLI reports "0.0.0-DEV (Server 1.29.1, ...)": the server version is what we check.
    minimum: '1.29.0',
    versionArgs: ['--version'],
    parseVersion: (output: string) => /Server (\d+\.\d+\.\d+)/.exec(output)?.[1],
    why: 'the Temporal dev server and UI',
  },
  rclone: {
    name: 'rclone',
    goModule: 'github.com/rclone/rclone',
    pinned: '1.75.0',
    // Older releases (Debian's 1.60.1) write straight to the final name: a killed copy leaves a
    // truncated file that looks complete.
    minimum: '1.74.4',
    versionArgs: ['version'],
    parseVersion: (output: string) => /rclone v(\d+\.\d+\.\d+)/.exec(output)?.[1],
    why: 'every copy and listing',
  },
} as const satisfies Record<string, ToolSpec>;

export type ToolName = keyof typeof TOOLS;

/** Numeric comparison of dotted versions: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
