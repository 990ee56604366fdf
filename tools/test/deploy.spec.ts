/**
 * The deployment artifacts, checked offline: Dockerfiles (linter + Sheaf's image rules),
 * docker-compose.yml (Compose Specification schema), the Kubernetes manifests (rendered by our
 * kustomize subset, validated against the Kubernetes schemas), and the invariants that tie them to
 * the code (environment variable names, search attributes, shutdown timing). Each validator is
 * also shown a broken input that it must reject.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { MigrationInterface } from 'typeorm';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadServerConfig } from '@sheaf/config';
import { SEARCH_ATTRIBUTE_TYPES } from '@sheaf/contracts';
import { MIGRATIONS } from '@sheaf/db';
import { TOOLS, compareVersions } from '@sheaf/toolchain';
import {
  type ComposeFile,
  type ComposeService,
  durationSeconds,
  findInterpolations,
  interpolate,
  parseCompose,
  serviceEnvironment,
  validateComposeSchema,
} from '../src/deploy/compose';
import { lintDockerfile, parseDockerfile } from '../src/deploy/dockerfile';
import { portalEnvironmentNames, serverEnvironmentNames } from '../src/deploy/environment';
import {
  checkWorkloadPolicy,
  containerEnvironmentNames,
  findUnknownKubernetesFields,
  validateKubernetesObjects,
  validateKubernetesSchemas,
} from '../src/deploy/kubernetes';
import { formatProblems } from '../src/deploy/problem';
import { type KubeObject, KustomizeError, parseImage, renderKustomization } from '../src/deploy/render-kustomize';
import { REPO_ROOT } from '../src/repo-root';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

/** The activity heartbeat timeout of the harvest workflow's long activities (workflows/src/harvest.workflow.ts). */
const HEARTBEAT_TIMEOUT_SECONDS = 120;

const SECRETS = ['POSTGRES_PASSWORD', 'JWT_SECRET', 'SHEAF_ENCRYPTION_KEY'];

/**
 * What each Sheaf process refuses to start without in production (libs/config/src/config.ts):
 * DATABASE_URL always; with SHEAF_ENV=production, ARK_NAAN, ARK_SHOULDER and
 * SHEAF_ENCRYPTION_KEY; the API's JWT_SECRET (loadApiConfig; the worker and the migrations load
 * the server configuration only). SHEAF_ENV itself defaults to development, which would skip
 * those checks and have the workers mint ARKs under the test NAAN: every workload is given it.
 */
const SERVER_REQUIRED = ['SHEAF_ENV', 'DATABASE_URL', 'SHEAF_ENCRYPTION_KEY', 'ARK_NAAN', 'ARK_SHOULDER'];
const REQUIRED_ENVIRONMENT = { api: [...SERVER_REQUIRED, 'JWT_SECRET'], worker: SERVER_REQUIRED, migrate: SERVER_REQUIRED } as const;
const IMAGES = { api: 'sheaf/api', worker: 'sheaf/worker', web: 'sheaf/web' } as const;

/**
 * kubectl's kustomize, the reference our renderer is held to. The project's machines (CI's among
 * them) have it at /usr/bin/kubectl; where it is missing the comparison fails, saying so, rather
 * than being skipped unseen.
 */
function kubectlKustomize(dir: string): KubeObject[] {
  const client = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (client.status !== 0) {
    throw new Error(
      `kubectl is needed to compare the kustomize renderer with kubectl kustomize, and it ${client.error ? `cannot be run (${client.error.message})` : `failed: ${client.stderr}`}; ` +
        'install kubectl (the project machines have it at /usr/bin/kubectl)',
    );
  }
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir}: ${result.stderr}`);
  return parseAllDocuments(result.stdout).map((doc) => doc.toJS() as KubeObject);
}

const byId = (objects: readonly KubeObject[]) =>
  Object.fromEntries(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));

/** The temporary directories `fixture` made, removed once the file's tests are done. */
const fixtures: string[] = [];
afterAll(() => {
  for (const dir of fixtures.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (path -> content) under a fresh temporary directory and returns it. */
function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sheaf-deploy-'));
  fixtures.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const find = (objects: readonly KubeObject[], kind: string, name: string): KubeObject => {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!object) throw new Error(`${kind}/${name} not rendered`);
  return object;
};

interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  livenessProbe?: unknown;
  readinessProbe?: unknown;
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
}
const podSpec = (o: KubeObject) => (o as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const container = (o: KubeObject) => podSpec(o).containers[0];

/**
 * `temporal operator search-attribute create --type T --name A` lines of a shell script. One name
 * a line: the CLI adds none of a call's attributes when one of them exists (an upgrade that adds
 * one would register nothing), which a second name on a line is reported as.
 */
function registeredSearchAttributes(script: string): Record<string, string> {
  const registered: Record<string, string> = {};
  for (const command of script.replace(/\\\n/g, ' ').split('\n')) {
    if (!/temporal operator search-attribute create/.test(command)) continue;
    const type = /--type\s+(\w+)/.exec(command)?.[1];
    const names = [...command.matchAll(/--name\s+(\w+)/g)].map(([, name]) => name);
    for (const name of names) registered[name] = names.length === 1 ? (type ?? '(none)') : `(one of ${names.length} on a line)`;
  }
  return registered;
}

// ---------------------------------------------------------------------------------------------
describe('kustomize renderer', () => {
  const strategicMergeFixture = () =>
    fixture({
      'base/kustomization.yaml': [
        'namespace: demo',
        'labels:',
        '  - pairs: { app.kubernetes.io/part-of: demo }',
        '    includeSelectors: false',
        '    includeTemplates: true',
        'resources: [app.yaml]',
      ].join('\n'),
      'base/app.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: app }',
        'spec:',
        '  replicas: 1',
        '  selector: { matchLabels: { app: app } }',
        '  template:',
        '    metadata: { labels: { app: app } }',
        '    spec:',
        '      containers:',
        '        - name: main',
        '          image: example/app:1.0',
        '          env: [{ name: A, value: "1" }, { name: B, value: "2" }]',
        '          ports: [{ containerPort: 80, name: http }]',
        '          volumeMounts: [{ name: tmp, mountPath: /tmp }]',
        '        - name: sidecar',
        '          image: example/sidecar:1.0',
        '      volumes: [{ name: tmp, emptyDir: {} }]',
        '      nodeSelector: { zone: a, disk: ssd }',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: { name: settings }',
        'data: { KEEP: "1", DROP: "2" }',
        '---',
        'apiVersion: v1',
        'kind: Secret',
        'metadata: { name: placeholder }',
        'stringData: { X: "" }',
      ].join('\n'),
      'overlay/kustomization.yaml': [
        'resources: [../base]',
        'images:',
        '  - { name: example/app, newName: registry.example.org/app, newTag: "2.0" }',
        '  - { name: example/sidecar, digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" }',
        'replicas: [{ name: app, count: 3 }]',
        'patches:',
        '  - path: patch.yaml',
        '  - patch: |',
        '      apiVersion: v1',
        '      kind: Secret',
        '      metadata: { name: placeholder }',
        '      $patch: delete',
      ].join('\n'),
      'overlay/patch.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: app }',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: main',
        '          env: [{ name: B, value: "20" }, { name: C, value: "3" }, { name: A, $patch: delete }]',
        '          ports: [{ containerPort: 9090, name: metrics }]',
        '        - name: sidecar',
        '          $patch: delete',
        '      volumes: [{ name: cache, emptyDir: {} }]',
        '      nodeSelector: { $patch: replace, zone: b }',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: { name: settings }',
        'data: { DROP: null, ADD: "3" }',
      ].join('\n'),
    });

  it('applies namespace, labels, images, replicas and strategic-merge patches', () => {
    const objects = renderKustomization(join(strategicMergeFixture(), 'overlay'));
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/demo/settings',
      'Deployment/demo/app',
    ]);
    const deployment = find(objects, 'Deployment', 'app') as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { replicas: number; selector: unknown; template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } };
    };
    expect(deployment.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'demo' });
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'app' } });
    expect(deployment.spec.template.metadata.labels).toEqual({ app: 'app', 'app.kubernetes.io/part-of': 'demo' });
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.spec).toEqual({
      containers: [
        {
          name: 'main',
          image: 'registry.example.org/app:2.0',
          env: [
            { name: 'B', value: '20' },
            { name: 'C', value: '3' },
          ],
          // kustomize's order: the patch's elements, then the base's others.
          ports: [
            { containerPort: 9090, name: 'metrics' },
            { containerPort: 80, name: 'http' },
          ],
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        },
      ],
      volumes: [
        { name: 'cache', emptyDir: {} },
        { name: 'tmp', emptyDir: {} },
      ],
      nodeSelector: { zone: 'b' },
    });
    expect(find(objects, 'ConfigMap', 'settings').data).toEqual({ KEEP: '1', ADD: '3' });
  });

  it('agrees with kubectl kustomize on the fixture and on k8s/ (fails where kubectl is missing)', () => {
    const dirs = [join(strategicMergeFixture(), 'overlay'), join(REPO_ROOT, 'k8s/base'), join(REPO_ROOT, 'k8s/overlays/production')];
    for (const dir of dirs) expect(byId(renderKustomization(dir))).toEqual(byId(kubectlKustomize(dir)));
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['an unsupported field', { 'kustomization.yaml': 'resources: [a.yaml]\ncommonLabels: { a: b }\n', 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n' }, /unsupported field 'commonLabels'/],
    ['a generator', { 'kustomization.yaml': 'configMapGenerator: [{ name: a, literals: [A=1] }]\n' }, /unsupported field 'configMapGenerator'/],
    ['a remote resource', { 'kustomization.yaml': 'resources: [https://example.org/app.yaml]\n' }, /remote resource/],
    ['a patch without a target object', { 'kustomization.yaml': 'resources: [a.yaml]\npatches: [{ path: p.yaml }]\n', 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n', 'p.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\n' }, /no ConfigMap\/b to patch/],
    ['a duplicate object', { 'kustomization.yaml': 'resources: [a.yaml, a.yaml]\n', 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n' }, /defined twice/],
  ])('rejects %s instead of rendering it wrongly', (_what, files, message) => {
    const dir = fixture(files);
    expect(() => renderKustomization(dir)).toThrow(KustomizeError);
    expect(() => renderKustomization(dir)).toThrow(message);
  });

  it('splits image references like kustomize', () => {
    expect(parseImage('registry:5000/team/app:1.2@sha256:ab')).toEqual({ name: 'registry:5000/team/app', tag: '1.2', digest: 'sha256:ab' });
    expect(parseImage('registry:5000/team/app')).toEqual({ name: 'registry:5000/team/app', digest: undefined });
  });
});

// ---------------------------------------------------------------------------------------------
describe('Kubernetes manifests', () => {
  const base = renderKustomization(join(REPO_ROOT, 'k8s/base'));
  const production = renderKustomization(join(REPO_ROOT, 'k8s/overlays/production'));
  const temporalJob = parseAllDocuments(read('k8s/temporal/search-attributes-job.yaml')).map((d) => d.toJS() as KubeObject);
  const temporalPolicies = parseAllDocuments(read('k8s/temporal/network-policy.yaml')).map((d) => d.toJS() as KubeObject);

  it.each<[string, KubeObject[]]>([
    ['k8s/base', base],
    ['k8s/overlays/production', production],
    ['k8s/temporal/search-attributes-job.yaml', temporalJob],
    ['k8s/temporal/network-policy.yaml', temporalPolicies],
  ])('%s passes schema validation, has no unknown fields and meets the workload policy', (_name, objects) => {
    expect(formatProblems(validateKubernetesObjects(objects))).toBe('');
  });

  it('contains the API, worker and portal with their services, budgets, autoscaler, migration Job and ingress', () => {
    expect(production.map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'v1 Namespace/sheaf',
        'v1 ConfigMap/sheaf-config',
        'v1 ConfigMap/sheaf-web-config',
        'apps/v1 Deployment/sheaf-api',
        'apps/v1 Deployment/sheaf-web',
        'apps/v1 Deployment/sheaf-worker',
        'v1 Service/sheaf-api',
        'v1 Service/sheaf-web',
        'policy/v1 PodDisruptionBudget/sheaf-api',
        'policy/v1 PodDisruptionBudget/sheaf-web',
        'policy/v1 PodDisruptionBudget/sheaf-worker',
        'autoscaling/v2 HorizontalPodAutoscaler/sheaf-worker',
        'batch/v1 Job/sheaf-migrate',
        'networking.k8s.io/v1 Ingress/sheaf',
      ].sort(),
    );
    expect(production.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'sheaf')).toBe(true);
  });

  it('has operators make the namespace from namespace.yaml, with its Pod Security labels, before they create the Secret in it', () => {
    const namespace = find(production, 'Namespace', 'sheaf');
    expect(namespace.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    const makeNamespace = 'kubectl apply -f k8s/base/namespace.yaml';
    for (const [path, later] of [
      ['k8s/base/secret.yaml', 'kubectl -n sheaf create secret'],
      ['docs/deploy.md', 'Then create `sheaf-secrets`'],
      ['docs/deploy.md', 'kubectl apply -k k8s/overlays/production'],
    ]) {
      const text = read(path);
      expect(text.indexOf(makeNamespace)).toBeGreaterThanOrEqual(0);
      expect(text.indexOf(later)).toBeGreaterThan(text.indexOf(makeNamespace));
    }
  });

  it('the production overlay pins registry images, sets replicas and hosts, and never ships the placeholder Secret', () => {
    expect(base.some((o) => o.kind === 'Secret' && o.metadata.name === 'sheaf-secrets')).toBe(true);
    expect(production.some((o) => o.kind === 'Secret')).toBe(false);
    for (const [name, image] of [
      ['sheaf-api', 'registry.example.org/sheaf/api:0.1.0'],
      ['sheaf-worker', 'registry.example.org/sheaf/worker:0.1.0'],
      ['sheaf-web', 'registry.example.org/sheaf/web:0.1.0'],
    ]) {
      expect(container(find(production, 'Deployment', name)).image).toBe(image);
    }
    expect(container(find(production, 'Job', 'sheaf-migrate')).image).toBe('registry.example.org/sheaf/api:0.1.0');
    expect((find(production, 'Deployment', 'sheaf-api').spec as { replicas: number }).replicas).toBe(3);
    const ingress = find(production, 'Ingress', 'sheaf').spec as { rules: Array<{ host: string }>; tls: Array<{ hosts: string[] }> };
    expect(ingress.rules.map((r) => r.host)).toEqual(['sheaf.example.org', 'api.sheaf.example.org']);
    expect(ingress.tls[0].hosts).toEqual(ingress.rules.map((r) => r.host));
    // The API's /metrics is for the in-cluster Prometheus: on the public host the portal answers it (404).
    const apiPaths = (ingress.rules[1] as unknown as { http: { paths: Array<{ path: string; pathType: string; backend: { service: { name: string } } }> } }).http.paths;
    expect(apiPaths.map((p) => [p.path, p.pathType, p.backend.service.name])).toEqual([
      ['/', 'Prefix', 'sheaf-api'],
      ['/metrics', 'Exact', 'sheaf-web'],
    ]);
  });

  it('every Deployment has liveness and readiness probes and resources; the API and the workers probe /health and /ready', () => {
    for (const objects of [base, production]) {
      const deployments = objects.filter((o) => o.kind === 'Deployment');
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['sheaf-api', 'sheaf-web', 'sheaf-worker']);
      for (const deployment of deployments) {
        for (const c of podSpec(deployment).containers as Array<Container & { resources?: Record<string, unknown> }>) {
          expect({ name: deployment.metadata.name, liveness: !!c.livenessProbe, readiness: !!c.readinessProbe, resources: Object.keys(c.resources ?? {}).sort() }).toEqual({
            name: deployment.metadata.name,
            liveness: true,
            readiness: true,
            resources: ['limits', 'requests'],
          });
        }
      }
      type Probed = Container & { livenessProbe: { httpGet: { path: string; port: string } }; readinessProbe: { httpGet: { path: string; port: string } } };
      const api = container(find(objects, 'Deployment', 'sheaf-api')) as Probed;
      // Ready on the database alone: a Temporal outage must not take every API pod out of service.
      expect([api.livenessProbe.httpGet.path, api.readinessProbe.httpGet.path]).toEqual(['/health', '/ready?require=database']);
      // The worker's probes reach the port it answers them on (WORKER_HEALTH_ADDRESS).
      const worker = container(find(objects, 'Deployment', 'sheaf-worker')) as Probed & { env: Array<{ name: string; value?: string }>; ports: Array<{ name: string; containerPort: number }> };
      expect([worker.livenessProbe.httpGet, worker.readinessProbe.httpGet]).toEqual([
        { path: '/health', port: 'health' },
        { path: '/ready', port: 'health' },
      ]);
      const healthPort = worker.ports.find((p) => p.name === 'health')?.containerPort;
      expect(worker.env.find((e) => e.name === 'WORKER_HEALTH_ADDRESS')?.value).toBe(`0.0.0.0:${healthPort}`);
    }
  });

  it('workers outlast the heartbeat timeout on SIGTERM, and the autoscaler alone sets their count', () => {
    const worker = find(production, 'Deployment', 'sheaf-worker');
    expect(podSpec(worker).terminationGracePeriodSeconds).toBeGreaterThan(HEARTBEAT_TIMEOUT_SECONDS);
    expect((worker.spec as { replicas?: number }).replicas).toBeUndefined();
    // The image's entrypoint (tini) must not be overridden.
    expect(container(worker).command).toBeUndefined();
    const hpa = find(production, 'HorizontalPodAutoscaler', 'sheaf-worker') as unknown as {
      spec: { scaleTargetRef: unknown; minReplicas: number; maxReplicas: number; metrics: Array<{ type: string; resource: { name: string } }> };
    };
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'sheaf-worker' });
    expect(hpa.spec.metrics.map((m) => `${m.type}/${m.resource.name}`)).toEqual(['Resource/cpu']);
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
  });

  it('the API and the portal serve on for a while once their pod is terminating (the ingress learns of it late), with grace left for their own shutdown', () => {
    for (const [name, dockerfile] of [
      ['sheaf-api', 'services/api/Dockerfile'],
      ['sheaf-web', 'web/Dockerfile'],
    ]) {
      const deployment = find(production, 'Deployment', name);
      const preStop = (container(deployment) as Container & { lifecycle?: { preStop?: { exec?: { command: string[] } } } }).lifecycle?.preStop;
      expect({ name, command: preStop?.exec?.command }).toEqual({ name, command: ['sleep', expect.stringMatching(/^\d+$/)] });
      const pause = Number(preStop?.exec?.command[1]);
      expect(pause).toBeGreaterThanOrEqual(5);
      // Kubernetes's default 30 s for the process's own shutdown after the pause.
      expect(podSpec(deployment).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(pause + 30);
      // `sleep` is coreutils' in a Debian image (a distroless one has none).
      expect(read(dockerfile)).toMatch(/^ARG NODE_IMAGE=node:[\d.]+-(bookworm|trixie)(-slim)?$/m);
    }
  });

  it('the API and worker pods are annotated for Prometheus with the port and path of their /metrics', () => {
    for (const objects of [base, production]) {
      const annotations = (name: string) => (find(objects, 'Deployment', name).spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations;
      const portOf = (name: string, port: string) =>
        (container(find(objects, 'Deployment', name)) as Container & { ports: Array<{ name: string; containerPort: number }> }).ports.find((p) => p.name === port)?.containerPort;
      expect(annotations('sheaf-api')).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(portOf('sheaf-api', 'http')), 'prometheus.io/path': '/metrics' });
      expect(annotations('sheaf-worker')).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(portOf('sheaf-worker', 'metrics')), 'prometheus.io/path': '/metrics' });
      const workerEnv = container(find(objects, 'Deployment', 'sheaf-worker')).env ?? [];
      expect(workerEnv.find((e) => e.name === 'WORKER_METRICS_ADDRESS')?.value).toBe(`0.0.0.0:${portOf('sheaf-worker', 'metrics')}`);
      // The API listens on the port its container names.
      expect((container(find(objects, 'Deployment', 'sheaf-api')).env ?? []).find((e) => e.name === 'API_PORT')?.value).toBe(String(portOf('sheaf-api', 'http')));
    }
  });

  it('every Deployment has a PodDisruptionBudget selecting exactly its pods', () => {
    for (const deployment of production.filter((o) => o.kind === 'Deployment')) {
      const pdb = find(production, 'PodDisruptionBudget', deployment.metadata.name);
      expect((pdb.spec as { selector: unknown }).selector).toEqual((deployment.spec as { selector: unknown }).selector);
    }
  });

  it('runs non-root with a read-only root filesystem and a writable /tmp', () => {
    for (const o of production.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
      const spec = podSpec(o) as PodSpec & { securityContext: { runAsNonRoot: boolean; runAsUser: number }; volumes?: Array<{ name: string; emptyDir?: unknown }> };
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      for (const c of spec.containers as Array<Container & { securityContext: unknown; volumeMounts?: Array<{ mountPath: string; name: string }> }>) {
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        if (o.kind === 'Deployment') {
          const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
          expect(spec.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
        }
      }
    }
  });

  it("the workers' /tmp holds discovery listings (~200 MB per million files, up to 5 at once): at least 4Gi", () => {
    const spec = podSpec(find(production, 'Deployment', 'sheaf-worker')) as PodSpec & { volumes: Array<{ name: string; emptyDir?: { sizeLimit?: string } }> };
    expect(spec.volumes.find((v) => v.name === 'tmp')?.emptyDir?.sizeLimit).toBe('4Gi');
  });

  it("the API, the workers and the migration Job can trust a private database CA: the optional Secret sheaf-db-ca at /etc/sheaf/db-ca", () => {
    for (const [kind, name] of [['Deployment', 'sheaf-api'], ['Deployment', 'sheaf-worker'], ['Job', 'sheaf-migrate']]) {
      const spec = podSpec(find(production, kind, name)) as PodSpec & { volumes: Array<{ name: string; secret?: unknown }> };
      const mount = (container(find(production, kind, name)) as Container & { volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }> }).volumeMounts.find((m) => m.mountPath === '/etc/sheaf/db-ca');
      expect({ name, mount, volume: spec.volumes.find((v) => v.name === mount?.name)?.secret }).toEqual({
        name,
        mount: { name: 'db-ca', mountPath: '/etc/sheaf/db-ca', readOnly: true },
        volume: { secretName: 'sheaf-db-ca', optional: true },
      });
    }
    expect(read('k8s/base/secret.yaml')).toContain('sslrootcert=/etc/sheaf/db-ca/ca.crt');
  });

  it('pods with an fsGroup change volume ownership only on a root mismatch (no walk over a large share at every start)', () => {
    const withFsGroup = production.filter((o) => (o.kind === 'Deployment' || o.kind === 'Job') && (podSpec(o) as PodSpec & { securityContext?: { fsGroup?: number } }).securityContext?.fsGroup !== undefined);
    expect(withFsGroup.map((o) => o.metadata.name).sort()).toEqual(['sheaf-web', 'sheaf-worker']);
    for (const o of withFsGroup) {
      expect({ name: o.metadata.name, ...(podSpec(o) as PodSpec & { securityContext: Record<string, unknown> }).securityContext }).toMatchObject({ name: o.metadata.name, fsGroupChangePolicy: 'OnRootMismatch' });
    }
  });

  it('sets only environment variables that Sheaf reads (libs/config, the portal), from rendered ConfigMaps', () => {
    const server = serverEnvironmentNames();
    const portal = portalEnvironmentNames();
    for (const objects of [base, production]) {
      const isSheaf = (prefix: string) => (c: Record<string, unknown>) => typeof c.image === 'string' && parseImage(c.image).name.endsWith(prefix);
      const serverSide = [IMAGES.api, IMAGES.worker].map((image) => containerEnvironmentNames(objects, isSheaf(image)));
      const portalSide = containerEnvironmentNames(objects, isSheaf(IMAGES.web));
      for (const { names, problems } of serverSide) {
        expect(problems).toEqual([]);
        expect([...names].filter((n) => !server.has(n))).toEqual([]);
      }
      expect(portalSide.problems).toEqual([]);
      expect([...portalSide.names].filter((n) => !portal.has(n))).toEqual([]);
      expect(portalSide.names).toEqual(new Set(['SHEAF_API_URL', 'SHEAF_PUBLIC_API_URL', 'SHEAF_TRUSTED_PROXY_HOPS']));
    }
    const api = container(find(production, 'Deployment', 'sheaf-api'));
    expect(api.env?.find((e) => e.name === 'API_HOST')?.value).toBe('0.0.0.0');
    const config = find(production, 'ConfigMap', 'sheaf-config').data as Record<string, string>;
    expect(config.SHEAF_ENV).toBe('production');
    // The portal's ARK links follow the overlay's API host, not a value fixed in the base.
    expect(find(production, 'ConfigMap', 'sheaf-web-config').data).toEqual({ SHEAF_PUBLIC_API_URL: 'https://api.sheaf.example.org', SHEAF_TRUSTED_PROXY_HOPS: '1' });
    // Behind the ingress, the login limit counts browsers, not the portal: the API believes the
    // pods' X-Forwarded-For, and the portal passes on what the ingress saw.
    expect(config.TRUST_PROXY).toBe('uniquelocal');
  });

  it('gives the API, the workers and the migration Job every variable their process needs in production', () => {
    for (const objects of [base, production]) {
      const sources = objects.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret');
      for (const [kind, name, required] of [
        ['Deployment', 'sheaf-api', REQUIRED_ENVIRONMENT.api],
        ['Deployment', 'sheaf-worker', REQUIRED_ENVIRONMENT.worker],
        ['Job', 'sheaf-migrate', REQUIRED_ENVIRONMENT.migrate],
      ] as const) {
        const { names, problems } = containerEnvironmentNames([find(objects, kind, name), ...sources], () => true);
        expect(problems).toEqual([]);
        expect({ name, missing: required.filter((variable) => !names.has(variable)) }).toEqual({ name, missing: [] });
      }
    }
  });

  it("PostgreSQL pools: a worker's fits its activities (HARVEST_BATCH_WINDOW + 2), and at the autoscaler's maximum Sheaf opens the 106 that docs/deploy.md counts", () => {
    const config = find(production, 'ConfigMap', 'sheaf-config').data as Record<string, string>;
    const env = (name: string) => Object.fromEntries((container(find(production, 'Deployment', name)).env ?? []).map((e) => [e.name, e.value]));
    const pool = (name: string) => Number(env(name).DB_POOL_SIZE ?? config.DB_POOL_SIZE ?? 10);
    expect(pool('sheaf-worker')).toBeGreaterThanOrEqual(Number(config.HARVEST_BATCH_WINDOW) + 2);
    const workers = (find(production, 'HorizontalPodAutoscaler', 'sheaf-worker').spec as { maxReplicas: number }).maxReplicas;
    const apis = (find(production, 'Deployment', 'sheaf-api').spec as { replicas: number }).replicas;
    // Each API process has one connection more, its readiness check's (services/api/src/health).
    expect(workers * pool('sheaf-worker') + apis * (pool('sheaf-api') + 1) + 1).toBe(106);
    expect(read('docs/deploy.md')).toContain(`12 × 6 + 3 × (10 + 1) + 1 = 106 connections`);
  });

  it('docs/deploy.md has operators delete the migration Job before each apply, and restart every Deployment that reads a ConfigMap after a change', () => {
    const doc = read('docs/deploy.md');
    // The Job's pod template is immutable: a new image tag is refused while the last one's Job exists.
    expect(doc).toMatch(/^ *kubectl -n sheaf delete job sheaf-migrate --ignore-not-found\n *kubectl apply -k k8s\/overlays\/production$/m);
    // ConfigMaps without a hash suffix: a changed one rolls nothing out by itself.
    const readers = production.filter((o) => o.kind === 'Deployment' && /"configMap(Ref|KeyRef)"/.test(JSON.stringify(podSpec(o)))).map((o) => `deploy/${o.metadata.name}`);
    expect(readers.length).toBeGreaterThan(0);
    expect(doc).toContain(`kubectl -n sheaf rollout restart ${readers.join(' ')}\n`);
  });

  it('migrates with tools/dist/migrate.js from the API image, before anything else needs it', () => {
    const job = container(find(production, 'Job', 'sheaf-migrate'));
    expect(job.command).toEqual(['node', 'tools/dist/migrate.js']);
    expect(read('tools/src/migrate.ts')).toMatch(/await migrate\(dataSource\b/);
  });

  it.each(['migrate', 'reseal', 'create-admin'])('carries tools/dist/%s.js in the API image, with the modules of tools/src it loads', (script) => {
    const copy = parseDockerfile(read('services/api/Dockerfile'))
      .filter((i) => i.keyword === 'RUN')
      .flatMap((i) => i.args.split('&&').map((command) => command.trim().split(/\s+/)))
      .find((words) => words[0] === 'cp' && words.at(-1) === '/out/tools/dist/');
    const loaded = new Set<string>();
    const visit = (module: string) => {
      if (loaded.has(module)) return;
      loaded.add(module);
      for (const [, path] of read(`tools/src/${module}.ts`).matchAll(/^(?:import|export)[^;]*? from '\.\/([\w/-]+)';/gm)) visit(path);
    };
    visit(script);
    expect(copy).toEqual(expect.arrayContaining([...loaded].flatMap((module) => [`tools/dist/${module}.js`, `tools/dist/${module}.js.map`])));
  });

  it('docs/deploy.md promises no outage for ReadSideIndexes only while the migration builds and drops its indexes CONCURRENTLY outside a transaction', () => {
    expect(read('docs/deploy.md')).toMatch(/`ReadSideIndexes` \(1732620000000\), unlike the others in this list, needs no outage/);
    // Outside a transaction; that it builds again an index an interrupted run left invalid is libs/test-harness's database.spec.
    const Migration = MIGRATIONS.find((migration) => migration.name === 'ReadSideIndexes1732620000000');
    expect(Migration && (new Migration() as MigrationInterface).transaction).toBe(false);
  });

  it('docs/deploy.md has operators run the tools of the API image where its configuration is: after a key rotation, and for the first admin', () => {
    const doc = read('docs/deploy.md');
    expect(doc).toContain('kubectl -n sheaf exec deploy/sheaf-api -- node tools/dist/reseal.js');
    // The password on stdin (-i), never in the command line, where ps shows it.
    expect(doc).toContain('kubectl -n sheaf exec -it deploy/sheaf-api -- env SHEAF_ADMIN_EMAIL=you@example.org node tools/dist/create-admin.js');
    expect(doc).toContain('kubectl -n sheaf exec -i deploy/sheaf-api -- env SHEAF_ADMIN_EMAIL=you@example.org node tools/dist/create-admin.js <');
    expect(doc).toContain('docker compose exec -e SHEAF_ADMIN_EMAIL=you@example.org api node tools/dist/create-admin.js');
    expect(doc).toContain('docker compose exec -T -e SHEAF_ADMIN_EMAIL=you@example.org api node tools/dist/create-admin.js <');
    expect(doc).not.toMatch(/SHEAF_ADMIN_PASSWORD=\S/);
  });

  it("the Temporal Job registers exactly Sheaf's search attributes", () => {
    const [job] = temporalJob;
    expect(job.metadata.namespace).toBe('temporal');
    expect(registeredSearchAttributes((container(job).args ?? []).join('\n'))).toEqual(SEARCH_ATTRIBUTE_TYPES);
  });

  it('the Helm values publish no Temporal UI: it has no login and can cancel or terminate any harvest', () => {
    const values = parseYaml(read('k8s/temporal/values.yaml')) as { web: { enabled: boolean; ingress: { enabled: boolean } } };
    expect(values.web.ingress.enabled).toBe(false);
  });

  it('NetworkPolicies admit to the Temporal server only Temporal, Sheaf\'s API and workers and its Job (7233), and nobody to the UI', () => {
    type Peer = { podSelector?: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; values: string[] }> }; namespaceSelector?: { matchLabels?: Record<string, string> } };
    type Policy = KubeObject & { spec: { podSelector: Peer['podSelector']; policyTypes: string[]; ingress: Array<{ from: Peer[]; ports?: Array<{ port: number }> }> } };
    const policies = temporalPolicies as Policy[];
    expect(policies.map((p) => [p.kind, p.metadata.namespace, p.metadata.name, p.spec.policyTypes])).toEqual([
      ['NetworkPolicy', 'temporal', 'temporal-server', ['Ingress']],
      ['NetworkPolicy', 'temporal', 'temporal-web', ['Ingress']],
    ]);
    const [server, web] = policies;
    expect(server.spec.podSelector?.matchExpressions?.[0].values).toEqual(expect.arrayContaining(['frontend', 'history', 'matching', 'worker']));
    expect(web.spec.podSelector?.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'temporal', 'app.kubernetes.io/component': 'web' });
    expect(web.spec.ingress).toEqual([]);
    // Every rule but Temporal's own pods' names its ports; 7233 (control) only for Sheaf's pods.
    const [own, ...others] = server.spec.ingress;
    expect(own).toEqual({ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'temporal' } } }] });
    const control = others.filter((rule) => rule.ports?.some((p) => p.port === 7233));
    expect(control).toHaveLength(1);
    expect(control[0].from).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'sheaf' } },
        podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['sheaf-api', 'sheaf-worker'] }] },
      },
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': (temporalJob[0].metadata.labels as Record<string, string>)['app.kubernetes.io/name'] } } },
    ]);
    for (const rule of others) expect(rule.ports?.length).toBeGreaterThan(0);
    expect(others.flatMap((rule) => rule.ports?.map((p) => p.port))).toEqual([7233, 9090]);
    // The pods the rule names carry those labels.
    for (const name of ['sheaf-api', 'sheaf-worker']) {
      expect((find(production, 'Deployment', name).spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels['app.kubernetes.io/name']).toBe(name);
    }
    expect(find(production, 'Namespace', 'sheaf').metadata.name).toBe('sheaf');
  });

  it('the Helm values run Temporal on PostgreSQL with both datastores', () => {
    const values = parseYaml(read('k8s/temporal/values.yaml')) as {
      server: { config: { persistence: { defaultStore: string; visibilityStore: string; datastores: Record<string, { sql: { pluginName: string; databaseName: string } }> } } };
    };
    const { persistence } = values.server.config;
    expect([persistence.defaultStore, persistence.visibilityStore].map((store) => persistence.datastores[store].sql.pluginName)).toEqual(['postgres12', 'postgres12']);
    expect(persistence.datastores.default.sql.databaseName).not.toBe(persistence.datastores.visibility.sql.databaseName);
  });

  it('the Helm values pin the Temporal images that compose runs, the server at the version Sheaf is tested against', () => {
    type Image = { image: { repository: string; tag: string } };
    const values = parseYaml(read('k8s/temporal/values.yaml')) as { server: Image; admintools: Image; web: Image };
    const composeImages = Object.values(parseCompose(read('docker-compose.yml')).services as Record<string, ComposeService>).map((service) => String(service.image));
    const pinned = (part: Image) => `${part.image.repository}:${part.image.tag}`;
    // The Helm chart runs temporalio/server; compose its auto-setup variant, the same server.
    expect(pinned(values.server).replace('temporalio/server:', 'temporalio/auto-setup:')).toBe(composeImages.find((image) => image.startsWith('temporalio/auto-setup:')));
    expect(compareVersions(values.server.image.tag, TOOLS.temporal.minimum)).toBeGreaterThanOrEqual(0);
    // The chart's schema jobs run the admin tools: their version is the server's.
    expect(values.admintools.image.tag.startsWith(`${values.server.image.tag}-`)).toBe(true);
    expect(composeImages).toContain(pinned(values.admintools));
    expect(container(temporalJob[0]).image).toBe(pinned(values.admintools));
    expect(composeImages).toContain(pinned(values.web));
  });

  describe('rejects broken manifests', () => {
    const api = () => structuredClone(find(base, 'Deployment', 'sheaf-api')) as KubeObject & { spec: Record<string, unknown> };

    it('a Deployment with replicas: "two" fails schema validation', () => {
      const broken = api();
      broken.spec.replicas = 'two';
      expect(validateKubernetesSchemas([broken])).toEqual([expect.objectContaining({ source: 'Deployment/sheaf-api', at: '/spec/replicas', message: 'must be integer' })]);
    });

    it('a container without an image, and one with a latest image, fail the policy', () => {
      const broken = api();
      delete podSpec(broken).containers[0].image;
      const migrate = structuredClone(find(base, 'Job', 'sheaf-migrate'));
      container(migrate).image = 'sheaf/api:latest';
      expect(checkWorkloadPolicy([broken, migrate]).map((p) => `${p.source}: ${p.message}`)).toEqual([
        'Deployment/sheaf-api container api: has no image',
        'Job/sheaf-migrate container migrate: image sheaf/api:latest needs an explicit tag other than latest (or a digest)',
      ]);
    });

    it('a misspelt field is an unknown field', () => {
      const broken = api();
      const c = container(broken) as Container & Record<string, unknown>;
      c.livenesProbe = c.livenessProbe;
      delete c.livenessProbe;
      expect(findUnknownKubernetesFields([broken]).map((p) => p.message)).toEqual([expect.stringContaining("'livenesProbe' does not exist in type 'IContainer'")]);
      expect(checkWorkloadPolicy([broken]).map((p) => p.message)).toEqual(['needs a livenessProbe']);
    });

    it('a Deployment without probes, resources or a non-root security context fails the policy', () => {
      const broken = api();
      const spec = podSpec(broken) as PodSpec & Record<string, unknown>;
      delete spec.securityContext;
      for (const key of ['readinessProbe', 'resources', 'securityContext']) delete (spec.containers[0] as unknown as Record<string, unknown>)[key];
      expect(checkWorkloadPolicy([broken]).map((p) => p.message).sort()).toEqual(
        [
          'needs resources.requests.cpu and .memory',
          'needs resources.limits.cpu and .memory',
          'must set runAsNonRoot: true',
          'must set allowPrivilegeEscalation: false',
          'needs a readinessProbe',
        ].sort(),
      );
    });

    it('an unknown kind or apiVersion fails', () => {
      const broken = { ...api(), apiVersion: 'apps/v1beta9' };
      expect(validateKubernetesSchemas([broken]).map((p) => p.message)).toEqual(['unknown kind Deployment in apps/v1beta9']);
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('docker-compose.yml', () => {
  const raw = parseCompose(read('docker-compose.yml'));
  const secrets = Object.fromEntries(SECRETS.map((name) => [name, `test-${name.toLowerCase()}`]));
  const compose = interpolate(raw, secrets);
  const services = compose.services as Record<string, ComposeService>;
  const dependsOn = (name: string) => services[name].depends_on as Record<string, { condition: string }>;

  it('validates against the Compose Specification schema', () => {
    expect(formatProblems(validateComposeSchema(compose))).toBe('');
  });

  it('takes every variable from .env, documented in .env.example; secrets have no defaults', () => {
    const example = read('.env.example');
    const documented = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const used = findInterpolations(raw);
    expect([...new Set(used.map((u) => u.name))].filter((name) => !documented.has(name))).toEqual([]);
    for (const name of SECRETS) {
      expect(used.filter((u) => u.name === name).every((u) => u.required)).toBe(true);
      expect(example).toMatch(new RegExp(`^${name}=$`, 'm'));
    }
    expect(() => interpolate(raw, {})).toThrow(/required variable POSTGRES_PASSWORD is not set/);
  });

  it("passes the workers' harvest sizing on from .env, defaulting (in compose and .env.example) to libs/config's defaults", () => {
    const { harvest } = loadServerConfig({ DATABASE_URL: 'postgres://sheaf@localhost/sheaf' });
    const defaults = { HARVEST_BATCH_WINDOW: harvest.window, HARVEST_BATCH_FILES: harvest.batchFiles, HARVEST_BATCH_BYTES: harvest.batchBytes, RCLONE_TRANSFERS: harvest.rcloneTransfers };
    // Uninterpolated: what compose gives when .env leaves them out.
    const worker = serviceEnvironment((raw.services as Record<string, ComposeService>).worker);
    const example = read('.env.example');
    for (const [name, value] of Object.entries(defaults)) {
      expect({ name, compose: worker[name], example: new RegExp(`^${name}=(.*)$`, 'm').exec(example)?.[1] }).toEqual({ name, compose: `\${${name}:-${value}}`, example: String(value) });
    }
  });

  it('runs PostgreSQL 17, Temporal (auto-setup on it, with its dynamic config), the admin tools and the UI', () => {
    expect(services.postgres.image).toBe('postgres:17');
    expect(JSON.stringify(services.postgres.healthcheck)).toContain('pg_isready');
    const temporal = services.temporal;
    expect(String(temporal.image)).toMatch(/^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
    const env = serviceEnvironment(temporal);
    expect(env).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres', SKIP_ADD_CUSTOM_SEARCH_ATTRIBUTES: 'true' });
    const [hostDir, containerDir] = String((temporal.volumes as string[])[0]).split(':');
    expect(env.DYNAMIC_CONFIG_FILE_PATH).toBe('config/dynamicconfig/development-sql.yaml');
    expect(containerDir).toBe('/etc/temporal/config/dynamicconfig');
    expect(parseYaml(read(join(hostDir, 'development-sql.yaml')))).toHaveProperty(['limit.maxIDLength']);
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:\d/);
    expect(services['temporal-ui'].ports).toEqual(['127.0.0.1:8233:8080']);
    for (const [name, service] of Object.entries(services)) expect({ name, image: parseImage(String(service.image)).tag }).not.toEqual({ name, image: 'latest' });
  });

  it('publishes every port on 127.0.0.1 only: the TLS proxy on the host serves the portal and the API, nothing serves Temporal', () => {
    const published = Object.entries(services).flatMap(([name, service]) => ((service.ports ?? []) as unknown[]).map((port) => [name, String(port)]));
    expect(published).toEqual([
      ['temporal', '127.0.0.1:7233:7233'],
      ['temporal-ui', '127.0.0.1:8233:8080'],
      ['api', '127.0.0.1:3001:3001'],
      ['web', '127.0.0.1:3000:3000'],
    ]);
  });

  it("PostgreSQL is healthy only once it answers on TCP, as its clients connect (the image's first-boot server listens on the Unix socket alone)", () => {
    const [form, command] = (services.postgres.healthcheck as { test: string[] }).test;
    expect(form).toBe('CMD-SHELL');
    // -h with a host name or address, not a socket directory (a path).
    expect(command).toMatch(/^pg_isready -h (?!\/)\S+ /);
  });

  it("registers exactly Sheaf's search attributes once Temporal is healthy", () => {
    const job = services['temporal-search-attributes'];
    expect(String(job.image)).toMatch(/^temporalio\/admin-tools:/);
    expect(dependsOn('temporal-search-attributes')).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(registeredSearchAttributes((job.command as string[]).join('\n'))).toEqual(SEARCH_ATTRIBUTE_TYPES);
  });

  it('migrates once before the API and the workers start', () => {
    expect(services.migrate.command).toEqual(['node', 'tools/dist/migrate.js']);
    expect(services.migrate.image).toBe(services.api.image);
    for (const name of ['api', 'worker']) {
      expect(dependsOn(name)).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        temporal: { condition: 'service_healthy' },
        'temporal-search-attributes': { condition: 'service_completed_successfully' },
      });
    }
    expect(dependsOn('web')).toEqual({ api: { condition: 'service_healthy' } });
  });

  it('workers scale (`--scale worker=N`) and drain on SIGTERM for longer than the heartbeat timeout', () => {
    const worker = services.worker;
    expect(worker).not.toHaveProperty('container_name');
    expect(worker).not.toHaveProperty('ports');
    expect(worker.stop_signal).toBe('SIGTERM');
    expect(durationSeconds(String(worker.stop_grace_period))).toBeGreaterThan(HEARTBEAT_TIMEOUT_SECONDS);
  });

  it("gives each worker's /tmp (rclone listings, ~200 MB per million files) a volume on disk, not a memory-backed tmpfs", () => {
    const worker = services.worker;
    expect(worker).not.toHaveProperty('tmpfs');
    expect(worker.volumes).toContainEqual({ type: 'volume', target: '/tmp' });
  });

  it("the API mounts the workers' volumes (their POSIX destinations) at the same paths, writable: \"Test connection\" runs there", () => {
    // All but each replica's own /tmp.
    const workerVolumes = ((services.worker.volumes ?? []) as unknown[]).filter((volume) => (volume as { target?: string }).target !== '/tmp');
    expect(workerVolumes).toContain('storage:/srv/sheaf');
    expect({ api: services.api.volumes }).toEqual({ api: expect.arrayContaining(workerVolumes) });
  });

  it('builds the three images from the repository root with the Dockerfiles that exist', () => {
    for (const [name, dockerfile] of [
      ['api', 'services/api/Dockerfile'],
      ['migrate', 'services/api/Dockerfile'],
      ['worker', 'services/worker/Dockerfile'],
      ['web', 'web/Dockerfile'],
    ]) {
      expect(services[name].build).toEqual({ context: '.', dockerfile });
      expect(read(dockerfile)).toMatch(/^FROM /m);
    }
  });

  it('sets only environment variables that Sheaf reads, with the API listening on 0.0.0.0', () => {
    const server = serverEnvironmentNames();
    const portal = portalEnvironmentNames();
    for (const name of ['api', 'worker', 'migrate']) {
      expect(Object.keys(serviceEnvironment(services[name])).filter((n) => !server.has(n))).toEqual([]);
    }
    expect(Object.keys(serviceEnvironment(services.web)).filter((n) => !portal.has(n))).toEqual([]);
    const api = serviceEnvironment(services.api);
    expect(api.API_HOST).toBe('0.0.0.0');
    expect(api.DATABASE_URL).toBe('postgres://sheaf:test-postgres_password@postgres:5432/sheaf');
    expect(serviceEnvironment(services.web).SHEAF_API_URL).toBe(`http://api:${api.API_PORT}`);
  });

  it('gives the API, the workers and the migrations every variable their process needs in production', () => {
    for (const name of ['api', 'worker', 'migrate'] as const) {
      const env = serviceEnvironment(services[name]);
      expect({ name, missing: REQUIRED_ENVIRONMENT[name].filter((variable) => !(variable in env)) }).toEqual({ name, missing: [] });
    }
  });

  it("the API believes the X-Forwarded-For of the portal's fixed address alone, which Docker never gives another container", () => {
    const inRange = (address: string, cidr: string) => {
      const toInt = (a: string) => a.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
      const [base, bits] = cidr.split('/');
      const size = 2 ** (32 - Number(bits));
      return Math.floor(toInt(address) / size) === Math.floor(toInt(base) / size);
    };
    const [pool] = (compose.networks as { default: { ipam: { config: Array<{ subnet: string; gateway: string; ip_range: string }> } } }).default.ipam.config;
    const web = (services.web.networks as { default: { ipv4_address: string } }).default.ipv4_address;
    expect(inRange(web, pool.subnet)).toBe(true);
    expect(inRange(web, pool.ip_range)).toBe(false);
    expect(inRange(pool.gateway, pool.ip_range)).toBe(false);
    expect(serviceEnvironment(services.api).TRUST_PROXY).toBe(web);
    // .env is copied from .env.example, and its value wins over the compose default.
    expect(/^TRUST_PROXY=(.*)$/m.exec(read('.env.example'))?.[1]).toBe(web);
    // Every other service stays on the same network (no `networks` of its own).
    expect(Object.entries(services).filter(([, service]) => service.networks !== undefined).map(([name]) => name)).toEqual(['web']);
  });

  describe('rejects broken compose files', () => {
    const broken = (change: (c: ComposeFile) => void) => {
      const copy = structuredClone(compose);
      change(copy);
      return validateComposeSchema(copy).map((p) => `${p.at} ${p.message}`);
    };

    it('a service with an unknown key', () => {
      expect(broken((c) => ((c.services as Record<string, ComposeService>).worker.replicas = 3))).toEqual(["/services/worker must NOT have additional properties 'replicas'"]);
    });

    it('a dependency condition that does not exist', () => {
      expect(broken((c) => (((c.services as Record<string, ComposeService>).api.depends_on as Record<string, { condition: string }>).migrate.condition = 'service_finished'))).toContain(
        '/services/api/depends_on/migrate/condition must be equal to one of the allowed values',
      );
    });

    it('a malformed health check interval', () => {
      expect(broken((c) => (((c.services as Record<string, ComposeService>).postgres.healthcheck as Record<string, unknown>).interval = 'often'))).toEqual([
        '/services/postgres/healthcheck/interval must match format "duration"',
      ]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('Dockerfiles', () => {
  const DOCKERFILES = ['services/api/Dockerfile', 'services/worker/Dockerfile', 'web/Dockerfile'];
  /** Every image on the same Node.js, a maintained (LTS) line: Node 20 reached its end of life on 2026-04-30. */
  const NODE_IMAGE = 'node:22-bookworm-slim';
  const finalStage = (path: string) => {
    const instructions = parseDockerfile(read(path));
    const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
    return { from: instructions[lastFrom], body: instructions.slice(lastFrom + 1), all: instructions };
  };
  const json = (args: string) => JSON.parse(args) as string[];

  it.each(DOCKERFILES)('%s passes the linter and the image rules', (path) => {
    expect(formatProblems(lintDockerfile(read(path), path))).toBe('');
  });

  it.each<[string, string[]]>([
    ['services/api/Dockerfile', ['node', 'services/api/dist/main.js']],
    ['services/worker/Dockerfile', ['node', 'services/worker/dist/main.js']],
    ['web/Dockerfile', ['node_modules/.bin/next', 'start', 'web', '-p', '3000']],
  ])(`%s builds on ${NODE_IMAGE} with npm, tsc -b, and runs %j`, (path, command) => {
    const { body, all } = finalStage(path);
    expect(all.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='))?.args).toBe(`NODE_IMAGE=${NODE_IMAGE}`);
    const runs = all.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /npm install --no-audit --no-fund --ignore-scripts$/.test(r))).toBe(true);
    expect(runs).toContain('npx tsc -b');
    expect(runs.some((r) => r.includes('--omit=dev'))).toBe(true);
    expect(json(body.find((i) => i.keyword === 'CMD')?.args ?? '[]')).toEqual(command);
  });

  it('the worker and web images run their build steps', () => {
    expect(parseDockerfile(read('services/worker/Dockerfile')).some((i) => i.args === 'npm run bundle -w @sheaf/worker')).toBe(true);
    expect(parseDockerfile(read('web/Dockerfile')).some((i) => i.args === 'npm run build -w @sheaf/web')).toBe(true);
  });

  it('health checks: the API and the worker on /health, the portal on /login', () => {
    const check = (path: string) => finalStage(path).body.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
    expect(check('services/api/Dockerfile')).toContain("fetch('http://127.0.0.1:3001/health')");
    expect(check('web/Dockerfile')).toContain("fetch('http://127.0.0.1:3000/login')");
    // The worker's on the port of WORKER_HEALTH_ADDRESS, which the image sets.
    expect(check('services/worker/Dockerfile')).toContain('fetch(`http://127.0.0.1:${port}/health`)');
    expect(check('services/worker/Dockerfile')).toContain("(process.env.WORKER_HEALTH_ADDRESS ?? '').split(':').pop()");
    expect(finalStage('services/worker/Dockerfile').body.some((i) => i.keyword === 'ENV' && i.args === 'WORKER_HEALTH_ADDRESS=0.0.0.0:9465')).toBe(true);
  });

  // The API's for "Test connection" (sources listed, destinations written to), as the workers see them.
  it.each(['services/worker/Dockerfile', 'services/api/Dockerfile'])('%s carries rclone built from its Go module, at or above the minimum Sheaf accepts', (dockerfile) => {
    const instructions = parseDockerfile(read(dockerfile));
    expect(instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('GO_IMAGE='))?.args).toBe('GO_IMAGE=golang:1.26-bookworm');
    const version = instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('RCLONE_VERSION='))?.args.split('=')[1] ?? '';
    expect(version).toBe(TOOLS.rclone.pinned);
    expect(compareVersions(version, TOOLS.rclone.minimum)).toBeGreaterThanOrEqual(0);
    expect(instructions.some((i) => i.keyword === 'RUN' && i.args.includes('go install "github.com/rclone/rclone@v${RCLONE_VERSION}"'))).toBe(true);
    const { body } = finalStage(dockerfile);
    expect(body.some((i) => i.keyword === 'COPY' && i.args === '--from=rclone /go/bin/rclone /usr/local/bin/rclone')).toBe(true);
    expect(body.some((i) => i.keyword === 'RUN' && /apt-get install .*\bca-certificates\b/.test(i.args))).toBe(true);
    expect(body.find((i) => i.keyword === 'ENV')?.args).toMatch(/SHEAF_RCLONE_BIN=\/usr\/local\/bin\/rclone/);
  });

  it('the worker runs under tini, which passes SIGTERM to node alone (not -g: its rclone must finish or be cancelled), and stops on SIGTERM', () => {
    const { body } = finalStage('services/worker/Dockerfile');
    expect(body.some((i) => i.keyword === 'RUN' && /apt-get install .*\btini\b/.test(i.args))).toBe(true);
    expect(json(body.find((i) => i.keyword === 'ENTRYPOINT')?.args ?? '[]')).toEqual(['/usr/bin/tini', '--']);
    expect(body.find((i) => i.keyword === 'STOPSIGNAL')?.args).toBe('SIGTERM');
  });

  it('.dockerignore keeps installed modules, builds, local data and secrets out of the context', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
    for (const entry of ['**/node_modules', '**/dist', 'web/.next', '.data', '.env', '.git']) expect(ignored).toContain(entry);
  });

  describe('rejects broken Dockerfiles', () => {
    const api = read('services/api/Dockerfile');
    const messages = (text: string) => lintDockerfile(text, 'Dockerfile').map((p) => p.message);

    it('without USER in the final stage', () => {
      expect(messages(api.replace(/^USER .*$/m, ''))).toEqual(['the final stage must switch to a non-root USER']);
    });

    it('running as root', () => {
      expect(messages(api.replace(/^USER .*$/m, 'USER root'))).toEqual(['the final stage runs as root: use a non-root user']);
    });

    it('without HEALTHCHECK, single-stage on a latest tag, with a shell-form CMD', () => {
      expect(messages('FROM node:latest\nUSER node\nCMD node main.js\n')).toEqual([
        'must be a multi-stage build (build tools stay out of the runtime image)',
        'base image node:latest must be pinned: a tag other than latest, or a digest',
        'the final stage needs a HEALTHCHECK',
        'CMD must use the exec (JSON) form so the process receives signals',
      ]);
    });

    it('with instructions the Dockerfile linter rejects', () => {
      expect(messages(api.replace('EXPOSE 3001', 'EXPOZE 3001').replace('--interval=15s', '--interval=soon'))).toEqual(
        expect.arrayContaining(['Unknown instruction: EXPOZE', 'time: invalid duration soon']),
      );
    });
  });
});
