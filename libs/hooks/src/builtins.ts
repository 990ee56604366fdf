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
 * Paths are '/' separated on every platform; dotfiles are ordinary files; bad globs fail loudly:
 * `debug` makes picomatch throw when the regular expression it builds is invalid ("[z-a]"),
 * instead of answering with a matcher that matches nothing.
 */
const GLOB_OPTIONS: picomatch.PicomatchOptions = { dot: true, windows: false, strictBrackets: true, debug: true };

/** Compiles a glob; throws with picomatch's message when it is invalid. */
export function compileGlob(glob: string): (path: string) => boolean {
  return picomatch(glob, GLOB_OPTIONS);
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
