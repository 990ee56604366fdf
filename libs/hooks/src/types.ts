/** When a hook runs: before the copy (`pre`) or after verification and ARK minting (`post`). */
export type HookPhase = 'pre' | 'post';

/** Built-in kinds (`filter`, `metadata`, `access`) and external ones (`webhook`, `command`). */
export type HookKind = 'filter' | 'metadata' | 'access' | 'webhook' | 'command';

export const HOOK_PHASES: readonly HookPhase[] = ['pre', 'post'];
export const HOOK_KINDS: readonly HookKind[] = ['filter', 'metadata', 'access', 'webhook', 'command'];

/** Phases each kind may run in; a filter after the copy would be meaningless. */
export const HOOK_KIND_PHASES: Readonly<Record<HookKind, readonly HookPhase[]>> = {
  filter: ['pre'],
  metadata: ['pre', 'post'],
  access: ['pre', 'post'],
  webhook: ['pre', 'post'],
  command: ['pre', 'post'],
};

/** One configured hook as stored (global or per instrument); `config` is validated before use. */
export interface HookConfigRow {
  id: string;
  phase: HookPhase;
  kind: HookKind;
  priority: number;
  enabled: boolean;
  config: unknown;
}

/** One file version of a batch, as hooks see and change it. */
export interface HookFile {
  fileVersionId: string;
  /** Relative to the instrument root, '/' separated. */
  path: string;
  size: number;
  /** ISO 8601. */
  mtime: string;
  /** Relative destination path; defaults to `path`, filters may redirect it. */
  destinationPath: string;
  metadata: Record<string, string>;
  access: { groups: string[]; projects: string[] };
  /** Known after verification (post phase). */
  sha256?: string;
  /** Known after minting (post phase). */
  ark?: string;
}

export type HookDecision = { action: 'accept' } | { action: 'skip'; reason: string } | { action: 'hold'; reason: string };

export interface HookContext {
  instrument: { id: string; name: string };
  runId: string;
  /** Cancels webhook calls and kills commands; `runHooks` then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** HMAC key of a webhook hook; without one the hook holds its files. */
  webhookSecret?: (hookId: string) => string | undefined;
  /**
   * No retry follows this call (the batch's last attempt): a failure a retry might have fixed
   * (a webhook's timeout, network error, 5xx) holds the files, like any other failing hook,
   * instead of throwing and failing the run.
   */
  lastAttempt?: boolean;
}

export interface HookResult {
  /** Every input file, in input order, as changed by the hooks that saw it. */
  files: HookFile[];
  /** One decision per input file, keyed by fileVersionId. */
  decisions: Map<string, HookDecision>;
}
