import { prepareAccess, prepareFilter, prepareMetadata, type FileStep, type Verdict } from './builtins';
import { runCommand } from './command';
import { HookError } from './errors';
import { holdAll, type BatchOutcome } from './external';
import type { HookConfigs } from './schemas';
import { HOOK_KIND_PHASES, HOOK_KINDS, type HookConfigRow, type HookContext, type HookDecision, type HookFile, type HookKind, type HookPhase, type HookResult } from './types';
import { validateHookConfig } from './validate';
import { callWebhook } from './webhook';

const ACCEPT: HookDecision = { action: 'accept' };

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function cloneFile(file: HookFile): HookFile {
  return { ...file, metadata: { ...file.metadata }, access: { groups: [...file.access.groups], projects: [...file.access.projects] } };
}

function byPriority(a: HookConfigRow, b: HookConfigRow): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Runs a built-in step file by file: a step that throws holds only the file it was on. */
function applyStep(step: FileStep, batch: HookFile[], label: string): BatchOutcome {
  const files: HookFile[] = [];
  const verdicts = new Map<string, Verdict>();
  for (const file of batch) {
    try {
      const result = step(file);
      files.push(result.file);
      if (result.verdict) verdicts.set(file.fileVersionId, result.verdict);
    } catch (err) {
      files.push(file);
      verdicts.set(file.fileVersionId, { action: 'hold', reason: `${label} failed: ${message(err)}` });
    }
  }
  return { files, verdicts };
}

type Run<K extends HookKind> = (config: HookConfigs[K]) => BatchOutcome | Promise<BatchOutcome>;

/** Validates the stored config (it may predate a schema change) and runs the hook with it. */
async function withConfig<K extends HookKind>(kind: K, hook: HookConfigRow, batch: HookFile[], label: string, run: Run<K>): Promise<BatchOutcome> {
  const validation = validateHookConfig(kind, hook.config);
  if (!validation.ok) {
    const problems = validation.errors.map((error) => (error.field ? `${error.field}: ${error.message}` : error.message)).join('; ');
    return holdAll(batch, `${label} has an invalid config: ${problems}`);
  }
  return run(validation.config);
}

async function runHook(hook: HookConfigRow, phase: HookPhase, batch: HookFile[], ctx: HookContext): Promise<BatchOutcome> {
  const label = `${hook.kind} hook ${hook.id}`;
  if (!HOOK_KINDS.includes(hook.kind)) return holdAll(batch, `hook ${hook.id} has an unknown kind ${JSON.stringify(hook.kind)}`);
  if (!HOOK_KIND_PHASES[hook.kind].includes(phase)) return holdAll(batch, `${label} cannot run in the ${phase} phase`);
  try {
    switch (hook.kind) {
      case 'filter':
        return await withConfig('filter', hook, batch, label, (config) => applyStep(prepareFilter(config), batch, label));
      case 'metadata':
        return await withConfig('metadata', hook, batch, label, (config) => applyStep(prepareMetadata(config), batch, label));
      case 'access':
        return await withConfig('access', hook, batch, label, (config) => applyStep(prepareAccess(config), batch, label));
      case 'webhook':
        return await withConfig('webhook', hook, batch, label, (config) => callWebhook(hook, config, phase, batch, ctx));
      case 'command':
        return await withConfig('command', hook, batch, label, (config) => runCommand(hook, config, phase, batch, ctx));
    }
  } catch (err) {
    // Transient failures are retried by the caller while it has retries left, cancellation is
    // not a verdict; anything else is a broken hook, and a broken hook never lets files through.
    if (ctx.signal?.aborted || (err instanceof HookError && !ctx.lastAttempt)) throw err;
    if (err instanceof HookError) return holdAll(batch, `failed on the batch's last attempt: ${err.message}`);
    return holdAll(batch, `${label} failed: ${message(err)}`);
  }
}

/**
 * Runs the enabled hooks of `phase` over a batch, in ascending priority (ties by id). Each hook sees
 * the files still accepted, as changed by the hooks before it. Every input file gets a decision.
 *
 * Fails closed: an invalid config, a hook in the wrong phase or a hook that throws holds the files
 * it was given. Throws a HookError when an external hook failed in a way a retry may fix (unless
 * `ctx.lastAttempt`), and the signal's reason when `ctx.signal` is aborted.
 */
export async function runHooks(phase: HookPhase, hooks: HookConfigRow[], files: HookFile[], ctx: HookContext): Promise<HookResult> {
  const current = new Map<string, HookFile>();
  for (const file of files) {
    if (current.has(file.fileVersionId)) throw new Error(`runHooks: fileVersionId ${file.fileVersionId} appears twice in the batch`);
    current.set(file.fileVersionId, cloneFile(file));
  }
  const decided = new Map<string, Verdict>();
  const ordered = hooks.filter((hook) => hook.enabled && hook.phase === phase).sort(byPriority);
  for (const hook of ordered) {
    ctx.signal?.throwIfAborted();
    const batch = [...current.values()].filter((file) => !decided.has(file.fileVersionId));
    if (batch.length === 0) break;
    const outcome = await runHook(hook, phase, batch, ctx);
    for (const file of outcome.files) current.set(file.fileVersionId, file);
    for (const [id, verdict] of outcome.verdicts) decided.set(id, verdict);
  }
  return {
    files: [...current.values()],
    decisions: new Map([...current.keys()].map((id) => [id, decided.get(id) ?? ACCEPT])),
  };
}
