import type { HookDto } from '@/lib/api-types';

export type HookKind = HookDto['kind'];
export type HookPhase = HookDto['phase'];

export const HOOK_KINDS: readonly HookKind[] = ['filter', 'metadata', 'access', 'webhook', 'command'];
export const HOOK_PHASES: readonly HookPhase[] = ['pre', 'post'];

export const KIND_LABELS: Record<HookKind, string> = {
  filter: 'Filter',
  metadata: 'Metadata extraction',
  access: 'Access assignment',
  webhook: 'Webhook',
  command: 'External command',
};

export const PHASE_LABELS: Record<HookPhase, string> = {
  pre: 'Before the copy',
  post: 'After verification',
};

export const PHASE_HINTS: Record<HookPhase, string> = {
  pre: 'Runs on each batch before it is copied: may skip, hold or redirect files.',
  post: 'Runs once files are copied, verified and have an ARK: adds metadata and access, notifies other systems.',
};

/** The API's default when a hook is created without a priority. */
export const DEFAULT_PRIORITY = 100;

/** Where a hook applies, for lists: "All instruments" or the instrument's name. */
export function scopeLabel(instrumentId: string | null, names: ReadonlyMap<string, string>): string {
  if (instrumentId === null) return 'All instruments';
  return names.get(instrumentId) ?? 'An instrument not listed (deleted?)';
}

/** A hook's fields as its form sends them. */
export interface HookFields {
  name: string;
  phase: HookPhase;
  config: Record<string, unknown>;
  instrumentId: string | null;
  priority: number;
  enabled: boolean;
  secret?: string;
}

/**
 * What saving an edited hook sends: only what differs from the hook as loaded, and its config only
 * when its inputs were edited (`configEdited`). Sent back unchanged, a field would be taken as
 * given again: a config today's rules refuse (the hook shows "Config invalid") would be checked
 * again when the hook is only being disabled, and the instrument of a hook whose instrument was
 * deleted since would be looked up. A secret is write-only: sent whenever one is typed.
 */
export function hookChanges(hook: Pick<HookDto, 'name' | 'phase' | 'instrumentId' | 'priority' | 'enabled'>, next: HookFields, configEdited: boolean): Partial<HookFields> {
  return {
    ...(next.name !== hook.name ? { name: next.name } : {}),
    ...(next.phase !== hook.phase ? { phase: next.phase } : {}),
    ...(configEdited ? { config: next.config } : {}),
    ...(next.instrumentId !== hook.instrumentId ? { instrumentId: next.instrumentId } : {}),
    ...(next.priority !== hook.priority ? { priority: next.priority } : {}),
    ...(next.enabled !== hook.enabled ? { enabled: next.enabled } : {}),
    ...(next.secret !== undefined ? { secret: next.secret } : {}),
  };
}
