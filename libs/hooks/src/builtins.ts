import picomatch from 'picomatch';
import { RE2JS } from 're2js';
import type { AccessHookConfig, FilterHookConfig, MetadataHookConfig } from './schemas';
import { parseTemplate, renderDestination } from './template';
import type { HookDecision, HookFile } from './types';

/** A decision that takes a file out of the batch. */
export type Verdict = Exclude<HookDecision, { action: 'accept' }>;

/** What a built-in hook does to one file: a changed copy, and maybe a verdict. */
export type FileStep = (file: HookFile) => { file: HookFile; verdict?: Verdict };

/**
 * picomatch reads the globs: paths are '/' separated on every platform; dotfiles are ordinary
 * files; bad globs fail loudly: `debug` makes picomatch throw when the regular expression it builds
 * is invalid ("[z-a]"), instead of answering with a matcher that matches nothing.
 */
const GLOB_OPTIONS: picomatch.PicomatchOptions = { dot: true, windows: false, strictBrackets: true, debug: true };

/** A glob picomatch reads but Sheaf cannot match in linear time; the message says which part. */
export class UnsupportedGlobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedGlobError';
  }
}

const { DOT_LITERAL, SLASH_LITERAL, ONE_CHAR, STAR, NO_DOTS, NO_DOT_SLASH, NO_DOTS_SLASH } = picomatch.constants.globChars(false);

/**
 * How picomatch's fast paths for `*.*` and `.*` (also after `**` and a slash) end: a dot, then
 * `(?=.)`, something after it: `*.*` does not match `a.`. On a path with no trailing '/' that is a
 * dot and a non-empty name.
 */
const DOT_THEN_NAME = `${DOT_LITERAL}${ONE_CHAR}${STAR}${SLASH_LITERAL}?`;
const DOT_THEN_NAME_RE2 = `${DOT_LITERAL}[^/]+${SLASH_LITERAL}?`;

/**
 * picomatch's guards that always hold on the paths hooks match: relative, from a listing, so never
 * empty and without a trailing '/' or an empty, '.' or '..' segment. NO_DOTS, NO_DOTS_SLASH and
 * NO_DOT_SLASH refuse '.' and '..' segments (NO_DOTS_SLASH stands at the start of a segment); ONE_CHAR
 * (`(?=.)`, something follows) stands at the start of a segment or of the glob, after a dot that
 * starts a segment, before something the glob requires anyway, or in DOT_THEN_NAME.
 */
const ALWAYS_TRUE = [NO_DOTS, NO_DOTS_SLASH, NO_DOT_SLASH, ONE_CHAR];

/**
 * Compiles a glob: picomatch parses it (its syntax and meaning are picomatch's) into a regular
 * expression, and RE2 (re2js) matches that in time linear in the path. JavaScript's backtracking
 * engine took seconds on a 30-character name, doubling with each further character, for
 * `+(+([a-z_])).raw`, and as long on 50 characters for `*a*a*a*a*a*a*a*a*a*z`, blocking the
 * worker's event loop (and its heartbeats) meanwhile.
 *
 * RE2 has no lookaround, so picomatch's lookaheads are rewritten or dropped (above). Two small
 * differences remain: names with line breaks match as any other (JavaScript's `.` skips line
 * breaks), and a `.` inside braces or an extglob followed by `*` (`{a.*,b}`) also matches a name
 * that ends with that dot, as `a.*` does. A glob that still needs lookaround (the extglob `!(...)`,
 * or regular-expression syntax written into it: `(?=...)`, `\1`) throws UnsupportedGlobError; an
 * invalid glob throws picomatch's error.
 */
export function compileGlob(glob: string): (path: string) => boolean {
  // Guards written by the user (`a[x(?=.)]`: picomatch copies a bracket's text) would be
  // stripped below as if picomatch had put them there, changing what the glob means.
  if (ALWAYS_TRUE.some((guard) => glob.includes(guard))) {
    throw new UnsupportedGlobError('uses regular-expression syntax Sheaf does not support (a lookahead such as (?=.))');
  }
  const { state } = picomatch.makeRe(glob, GLOB_OPTIONS, false, true);
  let source = state.output;
  if (source.endsWith(DOT_THEN_NAME)) source = source.slice(0, -DOT_THEN_NAME.length) + DOT_THEN_NAME_RE2;
  for (const guard of ALWAYS_TRUE) source = source.replaceAll(guard, '');
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(`^(?:${source})$`, RE2JS.DOTALL);
  } catch (err) {
    if (state.tokens?.some((token) => token.type === 'negate')) {
      throw new UnsupportedGlobError('uses extglob syntax !(...), which Sheaf does not support; use include and exclude globs instead');
    }
    throw new UnsupportedGlobError(`uses regular-expression syntax Sheaf does not support (${err instanceof Error ? err.message : String(err)})`);
  }
  // As picomatch's matcher: a path equal to the glob matches it (a[1].txt), and a leading ! negates.
  return (path) => {
    if (typeof path !== 'string') throw new TypeError('Expected input to be a string');
    return path !== '' && (path === glob || compiled.matches(path) !== state.negated);
  };
}

/** A compiled metadata pattern: its named groups, and the values they took in a match. */
export interface MetadataPattern {
  groups: string[];
  /** The named groups that took part in the first match, or undefined when nothing matched. */
  exec(input: string): Record<string, string> | undefined;
}

/**
 * Compiles a metadata pattern with RE2 (re2js): matching takes time linear in the name, so a
 * pattern like (\w+)+ cannot hang a worker on a long file name the way a backtracking engine
 * would. RE2 syntax has no lookaround and no backreferences. Throws when the pattern is invalid.
 */
function compileRe2(pattern: string): MetadataPattern {
  const compiled = RE2JS.compile(pattern);
  const groups = Object.keys(compiled.namedGroups());
  return {
    groups,
    exec(input) {
      const matcher = compiled.matcher(input);
      if (!matcher.find()) return undefined;
      const values: Record<string, string> = {};
      for (const name of groups) {
        const value = matcher.group(name);
        if (value !== null) values[name] = value;
      }
      return values;
    },
  };
}

/**
 * Compiled patterns by their text: every batch validates a hook's stored config and then prepares
 * it, and both need the compiled pattern. Hooks have few patterns; the bound only guards against
 * a stream of edited ones.
 */
const compiledPatterns = new Map<string, MetadataPattern>();
const MAX_COMPILED_PATTERNS = 1000;

export function compilePattern(pattern: string): MetadataPattern {
  let compiled = compiledPatterns.get(pattern);
  if (!compiled) {
    compiled = compileRe2(pattern);
    if (compiledPatterns.size >= MAX_COMPILED_PATTERNS) compiledPatterns.clear();
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

export function prepareFilter(config: FilterHookConfig): FileStep {
  const include = config.include?.map((glob) => ({ glob, test: compileGlob(glob) }));
  const exclude = config.exclude?.map((glob) => ({ glob, test: compileGlob(glob) }));
  const redirect = config.redirect?.map((rule) => {
    const parsed = parseTemplate(rule.to);
    if (!parsed.ok) throw new Error(`redirect template "${rule.to}": ${parsed.message}`);
    return { match: rule.match, test: compileGlob(rule.match), template: parsed.template };
  });
  return (file) => {
    const skip = (reason: string) => ({ file, verdict: { action: 'skip', reason } as const });
    if (include && !include.some((rule) => rule.test(file.path))) {
      return skip(`matches no include glob (${include.map((rule) => `"${rule.glob}"`).join(', ')})`);
    }
    const excluded = exclude?.find((rule) => rule.test(file.path));
    if (excluded) return skip(`matches exclude glob "${excluded.glob}"`);
    if (config.minSize !== undefined && file.size < config.minSize) {
      return skip(`size ${file.size} bytes is below minSize ${config.minSize}`);
    }
    if (config.maxSize !== undefined && file.size > config.maxSize) {
      return skip(`size ${file.size} bytes is above maxSize ${config.maxSize}`);
    }
    const rule = redirect?.find((candidate) => candidate.test(file.path));
    if (!rule) return { file };
    const destination = renderDestination(rule.template, file);
    if (!destination.ok) return { file, verdict: { action: 'hold', reason: destination.reason } };
    return { file: { ...file, destinationPath: destination.path } };
  };
}

export function prepareMetadata(config: MetadataHookConfig): FileStep {
  const rules = config.rules.map((rule) => ({ source: rule.source, pattern: compilePattern(rule.pattern) }));
  return (file) => {
    const metadata = { ...file.metadata };
    const filename = file.path.slice(file.path.lastIndexOf('/') + 1);
    for (const rule of rules) {
      // A group that took no part in the match leaves earlier values alone.
      Object.assign(metadata, rule.pattern.exec(rule.source === 'path' ? file.path : filename));
    }
    return { file: { ...file, metadata } };
  };
}

function namesFromMetadata(file: HookFile, key: string | undefined): string[] {
  if (key === undefined || !Object.hasOwn(file.metadata, key)) return [];
  return file.metadata[key]
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

export function prepareAccess(config: AccessHookConfig): FileStep {
  return (file) => {
    const groups = [...file.access.groups, ...(config.groups ?? []), ...namesFromMetadata(file, config.groupsFromMetadata)];
    const projects = [...file.access.projects, ...(config.projects ?? []), ...namesFromMetadata(file, config.projectsFromMetadata)];
    return { file: { ...file, access: { groups: [...new Set(groups)], projects: [...new Set(projects)] } } };
  };
}
