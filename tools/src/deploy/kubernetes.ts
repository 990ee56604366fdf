/**
 * Offline checks of rendered Kubernetes objects:
 * - schema: each object against the Kubernetes OpenAPI schema of its apiVersion and kind, as
 *   compiled by the `kubernetes-models` package (types, enums, required fields, formats);
 * - unknown fields: the same package's TypeScript declarations, through the TypeScript compiler's
 *   excess-property check (the JSON schemas, like the API server without strict validation,
 *   accept a misspelt `livenesProbe` silently);
 * - policy: what Sheaf requires of its workloads (images, probes, resources, non-root).
 */
import { join } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../repo-root';
import { type KubeObject, forEachContainer, parseImage } from './render-kustomize';
import type { Problem } from './problem';

type JsonMap = Record<string, unknown>;
const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);

interface ValidationErrorLike {
  errors?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>;
  message: string;
}

const idOf = (o: { kind?: unknown; metadata?: unknown }) =>
  `${String(o.kind)}/${isMap(o.metadata) && typeof o.metadata.name === 'string' ? o.metadata.name : '(unnamed)'}`;

/** `kubernetes-models/<apiVersion>` holds one model class per kind: `kubernetes-models/apps/v1`. */
function modelModule(apiVersion: string): string {
  return `kubernetes-models/${apiVersion}`;
}

function loadModel(apiVersion: string, kind: string): (new (data: unknown) => { validate(): void }) | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is chosen by apiVersion
    const models = require(modelModule(apiVersion)) as Record<string, unknown>;
    const model = models[kind];
    return typeof model === 'function' ? (model as new (data: unknown) => { validate(): void }) : undefined;
  } catch {
    return undefined;
  }
}

/** Schema validation of every object; unknown apiVersion/kind pairs are problems too. */
export function validateKubernetesSchemas(objects: readonly unknown[]): Problem[] {
  const problems: Problem[] = [];
  for (const object of objects) {
    if (!isMap(object) || typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
      problems.push({ source: '(object)', message: 'apiVersion and kind are required' });
      continue;
    }
    const source = idOf(object);
    const Model = loadModel(object.apiVersion, object.kind);
    if (!Model) {
      problems.push({ source, message: `unknown kind ${object.kind} in ${object.apiVersion}` });
      continue;
    }
    try {
      new Model(structuredClone(object)).validate();
    } catch (err) {
      const { errors, message } = err as ValidationErrorLike;
      for (const e of errors ?? [{ message }]) {
        const detail = e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : '';
        problems.push({ source, at: e.instancePath || undefined, message: `${e.message ?? message}${detail}` });
      }
    }
  }
  return problems;
}

/**
 * Fields that the schema of their type does not declare, found by type-checking each object as a
 * literal of the model's declared interface (`IDeployment` in `kubernetes-models/apps/v1/Deployment`).
 * Type errors the compiler finds on the way are reported as well.
 */
export function findUnknownKubernetesFields(objects: readonly KubeObject[]): Problem[] {
  const file = join(REPO_ROOT, 'tools', '__kubernetes_fields_check__.ts');
  const lines: string[] = [];
  const spans: Array<{ from: number; to: number; source: string }> = [];
  const problems: Problem[] = [];
  objects.forEach((object, i) => {
    if (!loadModel(object.apiVersion, object.kind)) {
      problems.push({ source: idOf(object), message: `unknown kind ${object.kind} in ${object.apiVersion}` });
      return;
    }
    lines.push(`import type { I${object.kind} as T${i} } from '${modelModule(object.apiVersion)}/${object.kind}';`);
    const literal = JSON.stringify(object, null, 1).split('\n');
    spans.push({ from: lines.length, to: lines.length + literal.length, source: idOf(object) });
    lines.push(`export const o${i}: T${i} = ${literal[0]}`, ...literal.slice(1));
  });
  const text = lines.join('\n') + '\n';
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const span = spans.find((s) => line >= s.from && line < s.to);
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0];
    problems.push({ source: span?.source ?? 'kubernetes-models', message: message.replace(/'"([^"]+)"'/g, "'$1'") });
  }
  return problems;
}

const WORKLOADS: Record<string, readonly string[]> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

function podSpecOf(object: KubeObject): JsonMap | undefined {
  const path = WORKLOADS[object.kind];
  if (!path) return undefined;
  let node: unknown = object;
  for (const key of path) node = isMap(node) ? node[key] : undefined;
  return isMap(node) ? node : undefined;
}

function containersOf(podSpec: JsonMap): JsonMap[] {
  return ['initContainers', 'containers'].flatMap((key) => (Array.isArray(podSpec[key]) ? (podSpec[key] as unknown[]).filter(isMap) : []));
}

/**
 * What Sheaf requires of every workload: each container has an image with an explicit tag (not
 * `latest`) and resource requests and limits, runs as non-root without privilege escalation; each
 * long-running container (Deployments) has liveness and readiness probes.
 */
export function checkWorkloadPolicy(objects: readonly KubeObject[]): Problem[] {
  const problems: Problem[] = [];
  for (const object of objects) {
    forEachContainer(object as unknown as Parameters<typeof forEachContainer>[0], (container) => {
      const source = `${idOf(object)} container ${String(container.name)}`;
      if (typeof container.image !== 'string' || !container.image) {
        problems.push({ source, message: 'has no image' });
        return;
      }
      const image = parseImage(container.image);
      if (!image.digest && (!image.tag || image.tag === 'latest')) {
        problems.push({ source, message: `image ${container.image} needs an explicit tag other than latest (or a digest)` });
      }
    });
    const podSpec = podSpecOf(object);
    if (!podSpec) continue;
    const podSecurity = isMap(podSpec.securityContext) ? podSpec.securityContext : {};
    for (const container of containersOf(podSpec)) {
      const source = `${idOf(object)} container ${String(container.name)}`;
      const resources = isMap(container.resources) ? container.resources : {};
      for (const kind of ['requests', 'limits']) {
        const r = resources[kind];
        if (!isMap(r) || r.cpu === undefined || r.memory === undefined) problems.push({ source, message: `needs resources.${kind}.cpu and .memory` });
      }
      const security = isMap(container.securityContext) ? container.securityContext : {};
      if ((security.runAsNonRoot ?? podSecurity.runAsNonRoot) !== true) problems.push({ source, message: 'must set runAsNonRoot: true' });
      if ((security.runAsUser ?? podSecurity.runAsUser) === 0) problems.push({ source, message: 'must not run as uid 0' });
      if (security.allowPrivilegeEscalation !== false) problems.push({ source, message: 'must set allowPrivilegeEscalation: false' });
      if (object.kind === 'Deployment') {
        for (const probe of ['livenessProbe', 'readinessProbe']) {
          if (!isMap(container[probe])) problems.push({ source, message: `needs a ${probe}` });
        }
      }
    }
  }
  return problems;
}

/** Everything above, for one rendered kustomization. */
export function validateKubernetesObjects(objects: readonly KubeObject[]): Problem[] {
  return [...validateKubernetesSchemas(objects), ...findUnknownKubernetesFields(objects), ...checkWorkloadPolicy(objects)];
}

/**
 * The environment variable names the selected containers get: `env`, plus the keys of the
 * ConfigMaps and Secrets their `envFrom` names (which must be among `objects`).
 */
export function containerEnvironmentNames(
  objects: readonly KubeObject[],
  containerFilter: (container: JsonMap) => boolean,
): { names: Set<string>; problems: Problem[] } {
  const names = new Set<string>();
  const problems: Problem[] = [];
  const dataKeys = (kind: string, name: unknown): string[] | undefined => {
    const source = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!source) return undefined;
    return [source.data, source.stringData].flatMap((d) => (isMap(d) ? Object.keys(d) : []));
  };
  for (const object of objects) {
    forEachContainer(object as unknown as Parameters<typeof forEachContainer>[0], (container) => {
      if (!containerFilter(container)) return;
      const env: unknown[] = Array.isArray(container.env) ? container.env : [];
      const envFrom: unknown[] = Array.isArray(container.envFrom) ? container.envFrom : [];
      for (const e of env.filter(isMap)) {
        if (typeof e.name === 'string') names.add(e.name);
      }
      for (const from of envFrom.filter(isMap)) {
        const ref = isMap(from.configMapRef) ? (['ConfigMap', from.configMapRef.name] as const) : isMap(from.secretRef) ? (['Secret', from.secretRef.name] as const) : undefined;
        const keys = ref && dataKeys(ref[0], ref[1]);
        if (!keys) {
          problems.push({ source: idOf(object), message: `envFrom refers to ${ref ? `${ref[0]}/${String(ref[1])}` : 'a source'} that is not rendered` });
          continue;
        }
        const prefix = typeof from.prefix === 'string' ? from.prefix : '';
        keys.forEach((key) => names.add(prefix + key));
      }
    });
  }
  return { names, problems };
}
