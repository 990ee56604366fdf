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
