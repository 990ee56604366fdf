import { posix } from 'node:path';
import { CONTROL_CHARACTER } from '@sheaf/contracts';
import type { HookFile } from './types';

type Part = { literal: string } | { field: 'path' | 'dir' | 'name' | 'stem' | 'ext' } | { meta: string };

/** A parsed redirect template such as `raw/{meta.project}/{name}`. */
export interface DestinationTemplate {
  readonly source: string;
  readonly parts: readonly Part[];
}

const FIELDS = new Set(['path', 'dir', 'name', 'stem', 'ext']);

// Control characters (CONTROL_CHARACTER) are refused in a rendered path: rclone lists them in a
// name as symbols (a line break as ␊), so a path from a listing never holds one; only a value
// (metadata) put into it can.

/** A path with its control characters written out (\n, \x7f), for a reason. */
function shown(path: string): string {
  const escapes: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return path.replace(new RegExp(CONTROL_CHARACTER.source, 'g'), (c) => escapes[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Why a path may not be used as a destination, or undefined when it may. */
function unsafePath(path: string): string | undefined {
  if (CONTROL_CHARACTER.test(path)) return 'contains a control character (a line break, tab, NUL or DEL)';
  if (/^[\\/]/.test(path) || /^[A-Za-z]:/.test(path)) return 'is absolute';
  if (path.split(/[\\/]/).includes('..')) return 'contains a .. segment';
  return undefined;
}

/** Parses and statically checks a template; placeholder values are checked again when rendered. */
export function parseTemplate(source: string): { ok: true; template: DestinationTemplate } | { ok: false; message: string } {
  if (CONTROL_CHARACTER.test(source)) return { ok: false, message: 'template contains a control character (a line break, tab, NUL or DEL)' };
  const parts: Part[] = [];
  let skeleton = '';
  let rest = source;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    const close = rest.indexOf('}');
    if (close !== -1 && (open === -1 || close < open)) return { ok: false, message: "unmatched '}'" };
    if (open === -1) {
      parts.push({ literal: rest });
      skeleton += rest;
      break;
    }
    if (open > 0) {
      parts.push({ literal: rest.slice(0, open) });
      skeleton += rest.slice(0, open);
    }
    if (close === -1) return { ok: false, message: "unmatched '{'" };
    const name = rest.slice(open + 1, close);
    if (name.includes('{')) return { ok: false, message: "unmatched '{'" };
    if (FIELDS.has(name)) parts.push({ field: name as 'path' });
    else if (name.startsWith('meta.') && name.length > 'meta.'.length) parts.push({ meta: name.slice('meta.'.length) });
    else return { ok: false, message: `unknown placeholder {${name}} (use {path}, {dir}, {name}, {stem}, {ext} or {meta.KEY})` };
    // Placeholders stand for one harmless segment in the static check; values are checked when rendered.
    skeleton += 'x';
    rest = rest.slice(close + 1);
  }
  const unsafe = unsafePath(skeleton);
  if (unsafe) return { ok: false, message: `template ${unsafe}; destinations must stay relative` };
  return { ok: true, template: { source, parts } };
}

/**
 * The destination of `file` under `template`: placeholders filled, `.` and empty segments dropped.
 * Fails (the caller holds the file) when a metadata key is missing, or the result would escape the
 * destination root or holds a control character.
 */
export function renderDestination(template: DestinationTemplate, file: HookFile): { ok: true; path: string } | { ok: false; reason: string } {
  const name = posix.basename(file.path);
  const ext = posix.extname(name);
  const fields = { path: file.path, dir: posix.dirname(file.path), name, ext, stem: name.slice(0, name.length - ext.length) };
  let out = '';
  for (const part of template.parts) {
    if ('literal' in part) out += part.literal;
    else if ('field' in part) out += fields[part.field];
    else if (Object.hasOwn(file.metadata, part.meta)) out += file.metadata[part.meta];
    else return { ok: false, reason: `redirect "${template.source}" needs metadata "${part.meta}", which the file does not have` };
  }
  const unsafe = unsafePath(out);
  if (unsafe) return { ok: false, reason: `redirect "${template.source}" gives destination "${shown(out)}", which ${unsafe}` };
  const path = out
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
  if (path === '') return { ok: false, reason: `redirect "${template.source}" gives an empty destination` };
  return { ok: true, path };
}
