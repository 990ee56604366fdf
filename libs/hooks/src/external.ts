import type { Verdict } from './builtins';
import type { HookContext, HookFile, HookPhase } from './types';

/** What a hook did to the files it was given. */
export interface BatchOutcome {
  files: HookFile[];
  verdicts: Map<string, Verdict>;
}

/** Answers larger than this are refused: a decision per file of a large batch is far smaller. */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
const MAX_REASON_CHARS = 1000;

export function holdAll(files: HookFile[], reason: string): BatchOutcome {
  return { files, verdicts: new Map(files.map((file) => [file.fileVersionId, { action: 'hold', reason }])) };
}

/** The JSON document a webhook receives as its body and a command on stdin. */
export function requestBody(phase: HookPhase, files: readonly HookFile[], ctx: HookContext): string {
  return JSON.stringify({
    runId: ctx.runId,
    instrument: { id: ctx.instrument.id, name: ctx.instrument.name },
    phase,
    files: files.map((file) => ({
      fileVersionId: file.fileVersionId,
      path: file.path,
      size: file.size,
      mtime: file.mtime,
      destinationPath: file.destinationPath,
      sha256: file.sha256 ?? null,
      ark: file.ark ?? null,
      metadata: file.metadata,
    })),
  });
}

/** A short, single-line excerpt of an answer for a reason or an error message. */
export function excerpt(text: string, max = 200): string {
  const line = text.trim().replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Applies an answer `{ decisions?: { [id]: { action, reason } }, metadata?: { [id]: { key: value } } }`
 * to the files of the call. Ids not in the call are ignored; a malformed answer holds every file,
 * a malformed decision holds its file.
 */
export function applyAnswer(source: string, answer: unknown, files: HookFile[]): BatchOutcome {
  if (!isRecord(answer)) return holdAll(files, `${source} answer must be a JSON object`);
  const { decisions = {}, metadata = {} } = answer;
  if (!isRecord(decisions)) return holdAll(files, `${source} answer: decisions must be an object keyed by fileVersionId`);
  if (!isRecord(metadata)) return holdAll(files, `${source} answer: metadata must be an object keyed by fileVersionId`);
  const verdicts = new Map<string, Verdict>();
  const changed = files.map((file) => {
    const id = file.fileVersionId;
    if (Object.hasOwn(decisions, id)) {
      const decision = decisions[id];
      const action = isRecord(decision) ? decision.action : undefined;
      if (action === 'skip' || action === 'hold') {
        const reason = isRecord(decision) && typeof decision.reason === 'string' && decision.reason.trim() !== '' ? decision.reason.trim() : `${source} gave no reason`;
        verdicts.set(id, { action, reason: excerpt(reason, MAX_REASON_CHARS) });
      } else if (action !== 'accept') {
        verdicts.set(id, { action: 'hold', reason: `${source} answered an invalid decision for this file (action must be "skip" or "hold")` });
      }
    }
    const extra = Object.hasOwn(metadata, id) ? metadata[id] : undefined;
    if (!isRecord(extra)) return file;
    const strings = Object.entries(extra).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    return strings.length === 0 ? file : { ...file, metadata: { ...file.metadata, ...Object.fromEntries(strings) } };
  });
  return { files: changed, verdicts };
}

/** Parses an answer; an empty one means "no change". */
export function parseAnswer(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
