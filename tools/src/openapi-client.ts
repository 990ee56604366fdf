/**
 * Generates the portal's typed API client (`web/src/lib/api-types.ts`) from the API's checked-in
 * `services/api/openapi.json`: every schema becomes an interface, every operation an entry of
 * `Operations` (method, path, parameters, body, response) and of the runtime `OPERATIONS` map.
 *
 *   node tools/dist/openapi-client.js          # rewrite the file
 *
 * `tools/test/openapi-client.spec.ts` fails while the checked-in file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './repo-root';

export const OPENAPI_PATH = join(REPO_ROOT, 'services/api/openapi.json');
export const API_TYPES_PATH = join(REPO_ROOT, 'web/src/lib/api-types.ts');

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: (string | number)[];
  nullable?: boolean;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  description?: string;
}

interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema?: Schema;
}

interface Operation {
  operationId?: string;
  summary?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function refName(ref: string): string {
  const prefix = '#/components/schemas/';
  if (!ref.startsWith(prefix)) throw new Error(`Unsupported $ref ${ref}`);
  return ref.slice(prefix.length);
}

function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

function comment(text: string | undefined, indent: string): string {
  if (!text) return '';
  return `${indent}/** ${text.replace(/\*\//g, '*\\/').replace(/\s*\n\s*/g, ' ')} */\n`;
}

/** The TypeScript type of a schema, `indent` being the indentation of the line it starts on. */
export function typeOf(schema: Schema | undefined, indent = ''): string {
  if (!schema) return 'unknown';
  const base = baseTypeOf(schema, indent);
  return schema.nullable && base !== 'unknown' ? `${base} | null` : base;
}

function baseTypeOf(schema: Schema, indent: string): string {
  if (schema.$ref) return refName(schema.$ref);
  const union = schema.allOf ?? schema.oneOf ?? schema.anyOf;
  if (union) {
    const joiner = schema.allOf ? ' & ' : ' | ';
    const parts = union.map((part) => typeOf(part, indent));
    return parts.length === 1 ? parts[0] : parts.map((p) => `(${p})`).join(joiner);
  }
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array': {
      const item = typeOf(schema.items, indent);
      return /^[A-Za-z0-9_]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    }
    case 'object':
    case undefined:
      return objectType(schema, indent);
    default:
      return 'unknown';
  }
}

function objectType(schema: Schema, indent: string): string {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) {
    const extra = schema.additionalProperties;
    if (extra && typeof extra === 'object') return `Record<string, ${typeOf(extra, indent)}>`;
    return schema.type === 'object' || extra ? 'Record<string, unknown>' : 'unknown';
  }
  const required = new Set(schema.required ?? []);
  const inner = `${indent}  `;
  const lines = properties.map(
    ([name, prop]) =>
      `${comment(prop.description, inner)}${inner}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${typeOf(prop, inner)};\n`,
  );
  return `{\n${lines.join('')}${indent}}`;
}

function jsonSchema(content: Record<string, { schema?: Schema }> | undefined): Schema | undefined {
  return content?.['application/json']?.schema;
}

/** Parameters of one location as an object type; header names compare without case. */
function parameterGroup(parameters: Parameter[], where: Parameter['in'], indent: string): { type: string; required: boolean } | null {
  const seen = new Map<string, Parameter>();
  for (const p of parameters.filter((p) => p.in === where)) {
    const key = where === 'header' ? p.name.toLowerCase() : p.name;
    const earlier = seen.get(key);
    seen.set(key, { ...p, name: key, required: Boolean(p.required || earlier?.required), description: p.description ?? earlier?.description });
  }
  if (seen.size === 0) return null;
  const inner = `${indent}  `;
  const lines = [...seen.values()].map(
    (p) => `${comment(p.description, inner)}${inner}${propertyKey(p.name)}${p.required ? '' : '?'}: ${typeOf(p.schema, inner)};\n`,
  );
  return { type: `{\n${lines.join('')}${indent}}`, required: [...seen.values()].some((p) => p.required) };
}

interface OperationEntry {
  id: string;
  method: string;
  path: string;
  summary?: string;
  params: string;
  response: string;
}

function operationEntries(doc: OpenApiDocument): OperationEntry[] {
  const entries: OperationEntry[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      if (!op.operationId) throw new Error(`${method.toUpperCase()} ${path} has no operationId`);
      const indent = '    ';
      const inner = `${indent}  `;
      const parameters = op.parameters ?? [];
      const fields: string[] = [];
      for (const where of ['path', 'query', 'header'] as const) {
        const group = parameterGroup(parameters, where, inner);
        if (group) fields.push(`${inner}${where === 'header' ? 'headers' : where}${group.required ? '' : '?'}: ${group.type};\n`);
      }
      const body = jsonSchema(op.requestBody?.content);
      if (body) fields.push(`${inner}body${op.requestBody?.required === false ? '?' : ''}: ${typeOf(body, inner)};\n`);
      const success = Object.entries(op.responses ?? {})
        .filter(([status]) => /^2\d\d$/.test(status))
        .sort(([a], [b]) => a.localeCompare(b))[0];
      const responseSchema = success ? jsonSchema(success[1].content) : undefined;
      entries.push({
        id: op.operationId,
        method: method.toUpperCase(),
        path,
        summary: op.summary,
        params: fields.length ? `{\n${fields.join('')}${indent}}` : 'Record<string, never>',
        response: responseSchema ? typeOf(responseSchema, indent) : 'unknown',
      });
    }
  }
  return entries.sort((a, b) => a.id.localeCompare(b.id));
}

const RUNTIME = `
export type OperationId = keyof Operations;
export type OperationParams<K extends OperationId> = Operations[K]['params'];
export type OperationResponse<K extends OperationId> = Operations[K]['response'];

/** The URL path (with query string) of an operation, relative to the API's base URL. */
export function operationPath<K extends OperationId>(operation: K, params: OperationParams<K>): string {
  const p = params as { path?: Record<string, string | number>; query?: Record<string, unknown> };
  const path = OPERATIONS[operation].path.replace(/\\{([^}]+)\\}/g, (_match, name: string) => {
    const value = p.path?.[name];
    if (value === undefined) throw new Error(\`\${operation}: missing path parameter \${name}\`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(p.query ?? {})) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const query = search.toString();
  return query ? \`\${path}?\${query}\` : path;
}
`;

/** The whole generated module as text. */
export function generateApiTypes(doc: OpenApiDocument): string {
  const out: string[] = [
    '// Generated by tools/src/openapi-client.ts from services/api/openapi.json. Do not edit:\n',
    '// run `npx tsc -b tools && node tools/dist/openapi-client.js` after the API document changes.\n',
  ];
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    const body = typeOf({ ...schema, nullable: false });
    out.push('\n', comment(schema.description, ''));
    out.push(body.startsWith('{') ? `export interface ${name} ${body}\n` : `export type ${name} = ${body};\n`);
  }

  const entries = operationEntries(doc);
  out.push('\n/** Every operation of the API by operationId: its parameters, body and success response. */\n');
  out.push('export interface Operations {\n');
  for (const e of entries) {
    out.push(comment(e.summary ?? `${e.method} ${e.path}`, '  '));
    out.push(`  ${e.id}: {\n    method: '${e.method}';\n    path: '${e.path}';\n    params: ${e.params};\n    response: ${e.response};\n  };\n`);
  }
  out.push('}\n\n/** Method and path template of every operation. */\n');
  out.push("export const OPERATIONS: { readonly [K in keyof Operations]: Pick<Operations[K], 'method' | 'path'> } = {\n");
  for (const e of entries) out.push(`  ${e.id}: { method: '${e.method}', path: '${e.path}' },\n`);
  out.push('};\n');
  out.push(RUNTIME);
  return out.join('');
}

export function readOpenApi(path = OPENAPI_PATH): OpenApiDocument {
  return JSON.parse(readFileSync(path, 'utf8')) as OpenApiDocument;
}

if (require.main === module) {
  writeFileSync(API_TYPES_PATH, generateApiTypes(readOpenApi()));
  process.stdout.write(`wrote ${API_TYPES_PATH}\n`);
}
