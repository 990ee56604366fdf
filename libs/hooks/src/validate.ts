import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { NAME_PATTERN } from '@sheaf/contracts';
import { compileGlob, compilePattern, UnsupportedGlobError } from './builtins';
import { HOOK_CONFIG_SCHEMAS, type HookConfigs } from './schemas';
import { parseTemplate } from './template';
import { HOOK_KINDS, type HookKind } from './types';

/** `field` is a path into the config such as `rules[0].pattern`; '' is the config itself. */
export interface HookConfigError {
  field: string;
  message: string;
}

export type HookConfigValidation<T> = { ok: true; config: T } | { ok: false; errors: HookConfigError[] };

/**
 * Headers Sheaf sets itself, or that only the HTTP client may set: with `expect`, `upgrade` or
 * `keep-alive` Node's fetch refuses every request, which would fail every harvest it runs in.
 */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'x-sheaf-signature',
  'x-sheaf-timestamp',
  'x-sheaf-timestamp-signature',
  'idempotency-key',
  'host',
  'transfer-encoding',
  'connection',
  'expect',
  'upgrade',
  'keep-alive',
]);

/**
 * Ports fetch refuses to connect to ("bad port", https://fetch.spec.whatwg.org/#bad-port): a
 * webhook there would fail every call, and each batch would retry it for over a minute and then
 * hold its files. The Fetch standard's list, as Node's own fetch refuses them (its spec compares
 * them with the running Node's); the older undici in node_modules lacks 4190 and 6679.
 */
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123,
  135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995,
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** Why fetch would refuse a header value (characters outside Latin-1, say), or undefined. */
function headerValueProblem(name: string, value: string): string | undefined {
  if (/[\r\n\0]/.test(value)) return 'must not contain line breaks or NUL';
  try {
    new Headers({ [name]: value });
    return undefined;
  } catch {
    return 'must contain only printable Latin-1 characters';
  }
}

type Segment = string | number;

function fieldPath(segments: readonly Segment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** JSON pointer (`/rules/0/pattern`) to segments; array indexes become numbers. */
function pointerSegments(pointer: string): Segment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment));
}

function schemaError(error: ErrorObject): HookConfigError | undefined {
  const at = pointerSegments(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { field: fieldPath([...at, String(params.additionalProperty)]), message: 'unknown property' };
    case 'required':
      return { field: fieldPath([...at, String(params.missingProperty)]), message: 'is required' };
    case 'propertyNames':
      return { field: fieldPath([...at, String(params.propertyName)]), message: 'is not a valid name' };
    case 'enum':
      return { field: fieldPath(at), message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      // The inner error of `propertyNames` carries the offending name; the outer one reports it.
      if ((error as { propertyName?: string }).propertyName !== undefined) return undefined;
      return { field: fieldPath(at), message: error.message ?? `fails ${error.keyword}` };
  }
}

let validators: Record<HookKind, ValidateFunction> | undefined;

function schemaValidators(): Record<HookKind, ValidateFunction> {
  if (!validators) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    validators = Object.fromEntries(HOOK_KINDS.map((kind) => [kind, ajv.compile(HOOK_CONFIG_SCHEMAS[kind])])) as Record<HookKind, ValidateFunction>;
  }
  return validators;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type Report = (segments: readonly Segment[], message: string) => void;

/** Checks each non-empty string of `value` (when it is an array) with `check`, which returns a problem or undefined. */
function eachString(value: unknown, at: readonly Segment[], report: Report, check: (item: string) => string | undefined): void {
  if (!Array.isArray(value)) return;
  value.forEach((item, index) => {
    if (typeof item !== 'string' || item === '') return;
    const message = check(item);
    if (message) report([...at, index], message);
  });
}

const FOLDERS = "folders are separated with '/'";
/** A letter or digit (any script): a backslash before one escapes nothing, or reads as regex syntax (\d, \1). */
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;

/**
 * Why a glob's backslashes would not do what they look like, or undefined. A backslash makes the
 * character after it literal (`*\.raw` matches x.raw, not xaraw; `my\ file.raw` a name with a
 * space), and those escapes are kept. Refused: a backslash before a letter or digit, as in
 * `temp\data\*.raw` written as on an SMB share (it never matches files in temp/data, and its `\d`
 * reads as a digit, `\1` as a backreference); one before `*` or `?`, as in `temp\*.raw`, which matches
 * only a name holding a literal `*` (no SMB name does); and one that ends the glob. Accepted, each
 * would skip or let through the wrong files silently.
 */
function backslashProblem(glob: string): string | undefined {
  for (let at = glob.indexOf('\\'); at !== -1; at = glob.indexOf('\\', at + 2)) {
    const next = glob.codePointAt(at + 1);
    if (next === undefined) return `ends with a backslash: ${FOLDERS} (temp/data/*.raw)`;
    const escaped = String.fromCodePoint(next);
    if (escaped === '*' || escaped === '?') return `has a backslash before "${escaped}": ${FOLDERS} (temp/${escaped}.raw); for a literal ${escaped} write [${escaped}]`;
    if (LETTER_OR_DIGIT.test(escaped)) {
      return `has a backslash before "${escaped}": ${FOLDERS} (temp/data/*.raw); a backslash only makes the character after it literal, and a letter or digit needs no escape`;
    }
  }
  return undefined;
}

function globProblem(glob: string): string | undefined {
  if (glob.startsWith('/')) return "globs match paths relative to the instrument root; remove the leading '/'";
  const backslash = backslashProblem(glob);
  if (backslash) return backslash;
  try {
    compileGlob(glob);
    return undefined;
  } catch (err) {
    return err instanceof UnsupportedGlobError ? err.message : `invalid glob: ${errorMessage(err)}`;
  }
}

/**
 * An access hook's names are compared with group and project names (ignoring case), so a name
 * outside their rule would grant nothing. Names taken from metadata always keep it: they are split
 * at commas and trimmed (namesFromMetadata).
 */
function nameProblem(kind: 'group' | 'project'): (name: string) => string | undefined {
  return (name) => {
    if (NAME_PATTERN.test(name)) return undefined;
    const problems = [/^\s|\s$/.test(name) && 'start or end with whitespace', name.includes(',') && 'contain a comma'].filter(Boolean);
    const hint = name.includes(',') ? ` (give each ${kind} as its own item)` : '';
    return `must not ${problems.join(' or ')}: no ${kind} name does, so it would grant nothing${hint}`;
  };
}

/** What JSON Schema cannot say: globs and regexes compile, templates are safe, limits agree. */
const semanticChecks: Record<HookKind, (config: Record<string, unknown>, report: Report) => void> = {
  filter(config, report) {
    eachString(config.include, ['include'], report, globProblem);
    eachString(config.exclude, ['exclude'], report, globProblem);
    if (typeof config.minSize === 'number' && typeof config.maxSize === 'number' && config.maxSize < config.minSize) {
      report(['maxSize'], 'must not be less than minSize');
    }
    if (Array.isArray(config.redirect)) {
      config.redirect.forEach((rule: unknown, index) => {
        if (!isRecord(rule)) return;
        if (typeof rule.match === 'string' && rule.match !== '') {
          const problem = globProblem(rule.match);
          if (problem) report(['redirect', index, 'match'], problem);
        }
        if (typeof rule.to === 'string' && rule.to !== '') {
          const parsed = parseTemplate(rule.to);
          if (!parsed.ok) report(['redirect', index, 'to'], parsed.message);
        }
      });
    }
  },
  metadata(config, report) {
    if (!Array.isArray(config.rules)) return;
    config.rules.forEach((rule: unknown, index) => {
      if (!isRecord(rule) || typeof rule.pattern !== 'string' || rule.pattern === '') return;
      let groups: string[];
      try {
        groups = compilePattern(rule.pattern).groups;
      } catch (err) {
        report(['rules', index, 'pattern'], `${errorMessage(err)} (RE2 syntax: no lookaround or backreferences)`);
        return;
      }
      if (groups.length === 0) report(['rules', index, 'pattern'], 'has no named group such as (?<sample>...)');
    });
  },
  access(config, report) {
    eachString(config.groups, ['groups'], report, nameProblem('group'));
    eachString(config.projects, ['projects'], report, nameProblem('project'));
    if (!['groups', 'projects', 'groupsFromMetadata', 'projectsFromMetadata'].some((key) => config[key] !== undefined)) {
      report([], 'grants nothing: set groups, projects, groupsFromMetadata or projectsFromMetadata');
    }
  },
  webhook(config, report) {
    if (typeof config.url === 'string' && config.url !== '') {
      let url: URL | undefined;
      try {
        url = new URL(config.url);
      } catch {
        report(['url'], 'must be an absolute http:// or https:// URL');
      }
      if (url && url.protocol !== 'http:' && url.protocol !== 'https:') report(['url'], 'must be an http:// or https:// URL');
      else if (url && (url.username || url.password)) report(['url'], 'must not contain credentials; send them in headers');
      else if (url && BAD_PORTS.has(Number(url.port))) {
        report(['url'], `must not use port ${url.port}: fetch refuses to connect to it (a "bad port" of the Fetch standard), so every call would fail; use another port`);
      }
    }
    if (isRecord(config.headers)) {
      // HTTP header names ignore case: fetch would send both values joined into one header.
      const names = new Map<string, string>();
      for (const [name, value] of Object.entries(config.headers)) {
        const first = names.get(name.toLowerCase());
        names.set(name.toLowerCase(), first ?? name);
        if (RESERVED_HEADERS.has(name.toLowerCase())) report(['headers', name], 'is set by Sheaf or its HTTP client and cannot be configured');
        else if (first !== undefined) report(['headers', name], `is header ${JSON.stringify(first)} again (header names ignore case); give it once`);
        else if (typeof value === 'string') {
          const problem = headerValueProblem(name, value);
          if (problem) report(['headers', name], problem);
        }
      }
    }
  },
  command(config, report) {
    if (!Array.isArray(config.command)) return;
    if (config.command[0] === '') report(['command', 0], 'must name a program');
    eachString(config.command, ['command'], report, (arg) => (arg.includes('\0') ? 'must not contain NUL' : undefined));
  },
};

/**
 * Validates a hook's config against its kind's schema and the semantic checks; every problem is
 * reported with a field path (`rules[0].pattern`), not only the first.
 */
export function validateHookConfig<K extends HookKind>(kind: K, config: unknown): HookConfigValidation<HookConfigs[K]> {
  if (!HOOK_KINDS.includes(kind)) return { ok: false, errors: [{ field: '', message: `unknown hook kind ${JSON.stringify(kind)}` }] };
  const errors: HookConfigError[] = [];
  const seen = new Set<string>();
  const add = (error: HookConfigError | undefined) => {
    const key = error && `${error.field}\0${error.message}`;
    if (!error || !key || seen.has(key)) return;
    seen.add(key);
    errors.push(error);
  };
  const validate = schemaValidators()[kind];
  if (!validate(config)) for (const error of validate.errors ?? []) add(schemaError(error));
  // Semantic checks also run on a config with schema errors, guarding each type, so the editor
  // shows every problem at once.
  if (isRecord(config)) semanticChecks[kind](config, (segments, message) => add({ field: fieldPath(segments), message }));
  return errors.length === 0 ? { ok: true, config: config as HookConfigs[K] } : { ok: false, errors };
}
