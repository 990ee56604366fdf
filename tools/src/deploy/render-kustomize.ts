/**
 * A small, strict kustomize renderer for the subset k8s/ uses, so that the manifests can be
 * rendered and validated offline without a kustomize binary. Anything outside the subset is an
 * error, never silently ignored:
 *
 * - `resources`: YAML files (multi-document) and directories holding a kustomization;
 * - `namespace`: set on every namespaced object (cluster-scoped kinds are left alone);
 * - `labels` with `includeSelectors: false` (optionally `includeTemplates: true`);
 * - `images`: `newName`, `newTag`, `digest`, matched by image name in any container list;
 * - `replicas`: `spec.replicas` of Deployments, StatefulSets and ReplicaSets by name;
 * - `patches`: strategic-merge patches (a `path` or an inline `patch`), matched by kind and name
 *   (or an explicit `target`), with the list merge keys of the fields below, `null` deleting a
 *   key, and `$patch: delete` (a whole object, or a list element) and `$patch: replace` (a map).
 *
 * The base's own transformers run before the overlay's, as in kustomize. The tests compare the
 * output with `kubectl kustomize` wherever kubectl is installed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace?: string };
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonMap = { [key: string]: Json };

export class KustomizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KustomizeError';
  }
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'images', 'replicas', 'patches']);

/** Kinds that live outside namespaces (the ones a Sheaf deployment could plausibly contain). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);

/** Where pod templates sit, per workload kind (what `labels.includeTemplates` reaches). */
const TEMPLATE_PATHS: Record<string, readonly string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

/**
 * Strategic-merge keys of the list fields a patch may merge (from the Kubernetes API's
 * `patchMergeKey`s). Lists of any other field are replaced whole, as in kustomize.
 */
const MERGE_KEYS: Record<string, readonly string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  hostAliases: ['ip'],
  // Container ports merge on containerPort, Service ports on port.
  ports: ['containerPort', 'port'],
};

const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** Renders the kustomization in `dir` into its list of objects. */
export function renderKustomization(dir: string): KubeObject[] {
  return render(resolve(dir), []);
}

function render(dir: string, stack: readonly string[]): KubeObject[] {
  if (stack.includes(dir)) throw new KustomizeError(`kustomization cycle: ${[...stack, dir].join(' -> ')}`);
  const file = KUSTOMIZATION_FILES.map((name) => join(dir, name)).find((f) => existsSync(f));
  if (!file) throw new KustomizeError(`${dir}: no kustomization.yaml`);
  const k = readYamlDocuments(file)[0];
  if (!isMap(k)) throw new KustomizeError(`${file}: not a mapping`);
  for (const field of Object.keys(k)) {
    if (!SUPPORTED_FIELDS.has(field)) throw new KustomizeError(`${file}: unsupported field '${field}' (see render-kustomize.ts)`);
  }

  let objects: KubeObject[] = [];
  for (const entry of asList(k.resources, `${file}: resources`)) {
    if (typeof entry !== 'string') throw new KustomizeError(`${file}: resources entries must be paths`);
    if (/^[a-z]+:\/\//i.test(entry) || entry.startsWith('git@')) throw new KustomizeError(`${file}: remote resource '${entry}' is not supported`);
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new KustomizeError(`${file}: resource '${entry}' does not exist`);
    objects.push(...(statSync(path).isDirectory() ? render(path, [...stack, dir]) : readObjects(path)));
  }
  assertUnique(objects, file);

  // Same order as kustomize's built-in transformers: patches, namespace, labels, replicas, images.
  objects = applyPatches(objects, k.patches, dir, file);
  if (k.namespace !== undefined) applyNamespace(objects, k.namespace, file);
  if (k.labels !== undefined) applyLabels(objects, k.labels, file);
  if (k.replicas !== undefined) applyReplicas(objects, k.replicas, file);
  if (k.images !== undefined) applyImages(objects, k.images, file);
  return objects;
}

function readYamlDocuments(file: string): Json[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true });
  return docs.flatMap((doc) => {
    if (doc.errors.length) throw new KustomizeError(`${file}: ${doc.errors[0].message}`);
    const value = doc.toJS() as Json;
    return value === null || value === undefined ? [] : [value];
  });
}

function readObjects(file: string): KubeObject[] {
  return readYamlDocuments(file).map((doc, i) => {
    if (!isMap(doc) || typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string' || !isMap(doc.metadata) || typeof doc.metadata.name !== 'string') {
      throw new KustomizeError(`${file}: document ${i + 1} is not a Kubernetes object (apiVersion, kind, metadata.name)`);
    }
    return doc as KubeObject;
  });
}

const idOf = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

function assertUnique(objects: readonly KubeObject[], file: string): void {
  const seen = new Set<string>();
  for (const o of objects) {
    if (seen.has(idOf(o))) throw new KustomizeError(`${file}: ${idOf(o)} is defined twice`);
    seen.add(idOf(o));
  }
}

function asList(value: Json | undefined, what: string): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new KustomizeError(`${what} must be a list`);
  return value;
}

function applyPatches(objects: KubeObject[], patches: Json | undefined, dir: string, file: string): KubeObject[] {
  let result = objects;
  for (const entry of asList(patches, `${file}: patches`)) {
    if (!isMap(entry)) throw new KustomizeError(`${file}: a patch must be a mapping`);
    for (const key of Object.keys(entry)) {
      if (!['path', 'patch', 'target'].includes(key)) throw new KustomizeError(`${file}: unsupported patch field '${key}'`);
    }
    let docs: Json[];
    let where: string;
    if (typeof entry.path === 'string') {
      where = resolve(dir, entry.path);
      if (!existsSync(where)) throw new KustomizeError(`${file}: patch '${entry.path}' does not exist`);
      docs = readYamlDocuments(where);
    } else if (typeof entry.patch === 'string') {
      where = `${file} (inline patch)`;
      docs = parseAllDocuments(entry.patch, { merge: true }).map((d) => d.toJS() as Json).filter((d) => d !== null);
    } else {
      throw new KustomizeError(`${file}: a patch needs 'path' or 'patch'`);
    }
    const target = entry.target;
    if (target !== undefined && (!isMap(target) || Object.keys(target).some((key) => !['kind', 'name'].includes(key)))) {
      throw new KustomizeError(`${file}: patch targets may select only by kind and name`);
    }
    for (const patch of docs) {
      if (Array.isArray(patch)) throw new KustomizeError(`${where}: JSON 6902 patches are not supported`);
      if (!isMap(patch)) throw new KustomizeError(`${where}: a strategic-merge patch must be a mapping`);
      const kind = (isMap(target) ? target.kind : undefined) ?? patch.kind;
      const name = (isMap(target) ? target.name : undefined) ?? (isMap(patch.metadata) ? patch.metadata.name : undefined);
      if (typeof kind !== 'string' || typeof name !== 'string') throw new KustomizeError(`${where}: a patch needs a kind and metadata.name (or a target)`);
      const matches = result.filter((o) => o.kind === kind && o.metadata.name === name);
      if (matches.length === 0) throw new KustomizeError(`${where}: no ${kind}/${name} to patch`);
      if (patch.$patch === 'delete') {
        result = result.filter((o) => !matches.includes(o));
        continue;
      }
      result = result.map((o) => (matches.includes(o) ? (mergePatch(o as unknown as JsonMap, patch, where) as unknown as KubeObject) : o));
    }
  }
  return result;
}

/** Strategic merge of `patch` into `base` (a new value; the inputs are not modified). */
export function mergePatch(base: JsonMap, patch: JsonMap, where: string): JsonMap {
  if (patch.$patch === 'replace') {
    const replacement = clone(patch);
    delete replacement.$patch;
    return replacement;
  }
  const out = clone(base);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) {
      if (key === '$patch') throw new KustomizeError(`${where}: unsupported '$patch: ${String(value)}' here`);
      throw new KustomizeError(`${where}: unsupported directive '${key}'`);
    }
    if (value === null) {
      delete out[key];
    } else if (isMap(value) && isMap(out[key])) {
      out[key] = mergePatch(out[key], value, where);
    } else if (Array.isArray(value) && Array.isArray(out[key]) && MERGE_KEYS[key]) {
      out[key] = mergeList(out[key], value, MERGE_KEYS[key], `${where} ${key}`);
    } else {
      out[key] = clone(stripDirectives(value, where));
    }
  }
  return out;
}

function mergeList(base: Json[], patch: Json[], candidates: readonly string[], where: string): Json[] {
  const items = [...patch, ...base].filter(isMap);
  const key = candidates.find((k) => items.length > 0 && items.every((item) => item[k] !== undefined));
  if (!key || items.length !== patch.length + base.length) throw new KustomizeError(`${where}: cannot merge (items need one of ${candidates.join(', ')})`);
  // kustomize's order: the patch's elements first (merged with their base element, if any), then
  // the base elements the patch does not mention, each group in its own order.
  const baseItems = base as JsonMap[];
  const out: JsonMap[] = [];
  for (const item of patch as JsonMap[]) {
    if (item.$patch === 'delete') continue;
    const existing = baseItems.find((b) => b[key] === item[key]);
    out.push(existing ? mergePatch(existing, item, where) : (stripDirectives(item, where) as JsonMap));
  }
  const mentioned = new Set((patch as JsonMap[]).map((item) => item[key]));
  out.push(...baseItems.filter((b) => !mentioned.has(b[key])).map((b) => clone(b)));
  return out;
}

/** A value that replaces rather than merges may not carry directives (they would leak out). */
function stripDirectives(value: Json, where: string): Json {
  if (Array.isArray(value)) return value.map((v) => stripDirectives(v, where));
  if (!isMap(value)) return value;
  const out: JsonMap = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('$')) throw new KustomizeError(`${where}: directive '${key}' where nothing merges`);
    if (v !== null) out[key] = stripDirectives(v, where);
  }
  return out;
}

function applyNamespace(objects: KubeObject[], namespace: Json, file: string): void {
  if (typeof namespace !== 'string' || !namespace) throw new KustomizeError(`${file}: namespace must be a name`);
  for (const o of objects) {
    if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = namespace;
  }
}

function applyLabels(objects: KubeObject[], labels: Json, file: string): void {
  for (const entry of asList(labels, `${file}: labels`)) {
    if (!isMap(entry) || !isMap(entry.pairs)) throw new KustomizeError(`${file}: labels entries need 'pairs'`);
    for (const key of Object.keys(entry)) {
      if (!['pairs', 'includeSelectors', 'includeTemplates'].includes(key)) throw new KustomizeError(`${file}: unsupported labels field '${key}'`);
    }
    if (entry.includeSelectors === true) throw new KustomizeError(`${file}: labels with includeSelectors are not supported (selectors are immutable)`);
    const pairs = entry.pairs;
    for (const value of Object.values(pairs)) {
      if (typeof value !== 'string') throw new KustomizeError(`${file}: label values must be strings`);
    }
    for (const o of objects) {
      o.metadata.labels = { ...(o.metadata.labels as JsonMap | undefined), ...pairs };
      const path = TEMPLATE_PATHS[o.kind];
      if (entry.includeTemplates === true && path) {
        const template = descend(o as unknown as JsonMap, path, true) as JsonMap;
        const metadata = (isMap(template.metadata) ? template.metadata : (template.metadata = {})) as JsonMap;
        metadata.labels = { ...(isMap(metadata.labels) ? metadata.labels : {}), ...pairs };
      }
    }
  }
}

function descend(root: JsonMap, path: readonly string[], create: boolean): JsonMap | undefined {
  let node: JsonMap = root;
  for (const key of path) {
    const next = node[key];
    if (isMap(next)) {
      node = next;
    } else if (create && next === undefined) {
      node = node[key] = {};
    } else {
      return undefined;
    }
  }
  return node;
}

function applyReplicas(objects: KubeObject[], replicas: Json, file: string): void {
  for (const entry of asList(replicas, `${file}: replicas`)) {
    if (!isMap(entry) || typeof entry.name !== 'string' || typeof entry.count !== 'number' || !Number.isInteger(entry.count)) {
      throw new KustomizeError(`${file}: replicas entries need a name and an integer count`);
    }
    const targets = objects.filter((o) => SCALABLE.has(o.kind) && o.metadata.name === entry.name);
    if (targets.length === 0) throw new KustomizeError(`${file}: replicas: no Deployment, StatefulSet or ReplicaSet named ${entry.name}`);
    for (const o of targets) (descend(o as unknown as JsonMap, ['spec'], true) as JsonMap).replicas = entry.count;
  }
}

interface ImageRef {
  name: string;
  tag?: string;
  digest?: string;
}

/** Splits `registry:port/path/name:tag@digest` (the tag's colon is the one after the last slash). */
export function parseImage(image: string): ImageRef {
  const [withoutDigest, digest] = image.split('@', 2);
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > slash) return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
  return { name: withoutDigest, digest };
}

function applyImages(objects: KubeObject[], images: Json, file: string): void {
  const rules = asList(images, `${file}: images`).map((entry) => {
    if (!isMap(entry) || typeof entry.name !== 'string') throw new KustomizeError(`${file}: images entries need a name`);
    for (const key of Object.keys(entry)) {
      if (!['name', 'newName', 'newTag', 'digest'].includes(key)) throw new KustomizeError(`${file}: unsupported images field '${key}'`);
    }
    return entry;
  });
  for (const o of objects) {
    forEachContainer(o as unknown as JsonMap, (container) => {
      if (typeof container.image !== 'string') return;
      const ref = parseImage(container.image);
      const rule = rules.find((r) => r.name === ref.name);
      if (!rule) return;
      const name = typeof rule.newName === 'string' ? rule.newName : ref.name;
      if (typeof rule.digest === 'string') {
        container.image = `${name}@${rule.digest}`;
      } else {
        const tag = typeof rule.newTag === 'string' ? rule.newTag : ref.tag;
        container.image = `${name}${tag ? `:${tag}` : ''}${!rule.newTag && ref.digest ? `@${ref.digest}` : ''}`;
      }
    });
  }
}

/** Calls `visit` for every entry of every `containers`/`initContainers` list in the object. */
export function forEachContainer(node: Json, visit: (container: JsonMap) => void): void {
  if (Array.isArray(node)) {
    node.forEach((item) => forEachContainer(item, visit));
  } else if (isMap(node)) {
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) value.filter(isMap).forEach(visit);
      else forEachContainer(value, visit);
    }
  }
}
