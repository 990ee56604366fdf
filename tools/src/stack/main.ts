/**
 * `npm start`: the whole stack on embedded defaults: PostgreSQL (migrated), the Temporal dev
 * server with its UI, the API, one worker and the portal; seeds an admin and a demo instrument
 * and harvests it. Ctrl-C (or SIGTERM, SIGHUP, SIGQUIT) stops everything it started.
 */
import { Client, Connection } from '@temporalio/client';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadStackConfig } from '@sheaf/config';
import { createDataSource, migrate } from '@sheaf/db';
import { startHarvest, temporalUiWorkflowUrl } from '@sheaf/harvests';
import {
  spawnService,
  startEmbeddedPostgres,
  startTemporalDevServer,
  waitForAnswer,
  type Service,
} from '@sheaf/local-infra';
import { requireTool } from '@sheaf/toolchain';
import { REPO_ROOT } from '../repo-root';
import { loadOrCreateDevSecrets } from './dev-secrets';
import { writeDemoFiles } from './demo-files';
import { seedAdmin, seedDemoInstrument } from './seed';

const NAMESPACE = 'default';
const TASK_QUEUE = 'harvest';
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

const say = (line: string) => process.stdout.write(`${line}\n`);
const step = (line: string) => say(`\u2192 ${line}`);

async function main(): Promise<void> {
  const config = loadStackConfig();
  const dataDir = resolve(config.dataDir ?? join(REPO_ROOT, '.data'));
  await mkdir(dataDir, { recursive: true });
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nstopping Sheaf…');
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
        say(`  stopped ${name}`);
      } catch (err) {
        say(`  ${name} did not stop cleanly: ${String(err)}`);
      }
    }
    process.exit(code);
  };
  // The services run in sessions of their own, which a terminal's signals do not reach, and a
  // signal's default action would end this process without stopping them: Ctrl-C, Ctrl-\, a
  // closed terminal or a dropped ssh connection (SIGHUP) and SIGTERM all stop everything first.
  // Once the terminal is gone, writing to it fails (EIO): that must not cut the stopping short.
  const onStopSignal = () => {
    if (!stopping) process.stdout.on('error', () => undefined);
    void stopAll(0);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);

  try {
    const secrets = await loadOrCreateDevSecrets(join(dataDir, 'dev-secrets.json'));

    let databaseUrl = config.externalDatabaseUrl;
    if (databaseUrl) {
      step('PostgreSQL: using DATABASE_URL');
    } else {
      step(`PostgreSQL: embedded, data in ${join(dataDir, 'postgres')}`);
      const pg = await startEmbeddedPostgres({
        dataDir: join(dataDir, 'postgres'),
        port: config.ports.postgres,
        persistent: true,
        database: 'sheaf',
        log: () => undefined,
      });
      stops.push({ name: 'PostgreSQL', stop: () => pg.stop() });
      databaseUrl = pg.url;
    }
    const dataSource = createDataSource({ url: databaseUrl, applicationName: 'sheaf-stack', poolSize: 2 });
    await dataSource.initialize();
    stops.push({ name: 'database connection', stop: () => dataSource.destroy() });
    const applied = await migrate(dataSource);
    step(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema up to date');

    let temporal = config.externalTemporal;
    if (temporal) {
      step(`Temporal: using ${temporal.address}`);
    } else {
      step(`Temporal: dev server, history in ${join(dataDir, 'temporal', 'temporal.db')}`);
      const server = await startTemporalDevServer({
        binary: requireTool('temporal', config.tools),
        dbFile: join(dataDir, 'temporal', 'temporal.db'),
        port: config.ports.temporal,
        uiPort: config.ports.temporalUi,
        avoidPorts: [config.ports.postgres, config.ports.api, config.ports.web],
        namespace: NAMESPACE,
        log: say,
      });
      stops.push({ name: 'Temporal', stop: () => server.stop() });
      temporal = { address: server.address, uiUrl: server.uiUrl };
    }
    const temporalUiUrl = temporal.uiUrl ?? `http://localhost:${config.ports.temporalUi}`;
    const portalUrl = `http://localhost:${config.ports.web}`;

    const admin = await seedAdmin(dataSource, config.admin.email, config.admin.password);
    // Said now, not only at the end: a start that fails later (a port taken) must not lose it.
    if (admin.password) step(`admin account ${admin.email} created, password ${admin.password} (shown once: note it now)`);
    if (admin.reset) step(`admin account ${admin.email}: password set from SHEAF_ADMIN_PASSWORD`);
    const demoSource = join(dataDir, 'demo-instrument');
    const demo = await writeDemoFiles(demoSource);
    const instrument = await seedDemoInstrument(dataSource, demoSource, join(dataDir, 'storage'));
    step(`demo instrument '${instrument.name}': ${demo.files} files (${(demo.bytes / 1e6).toFixed(1)} MB) in ${demoSource}`);

    const serviceEnv: NodeJS.ProcessEnv = {
      ...process.env,
      SHEAF_ENV: 'development',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      TEMPORAL_UI_URL: temporalUiUrl,
      JWT_SECRET: secrets.jwtSecret,
      SHEAF_ENCRYPTION_KEY: secrets.encryptionKey,
      API_PORT: String(config.ports.api),
      PORTAL_URL: portalUrl,
    };
    const start = (name: string, args: string[], env: NodeJS.ProcessEnv = serviceEnv): Service => {
      const service = spawnService({ name, command: process.execPath, args, cwd: REPO_ROOT, env, log: say });
      stops.push({ name, stop: () => service.stop() });
      void service.exited.then((code) => {
        if (!stopping) {
          say(`${name} exited unexpectedly (${code})`);
          void stopAll(1);
        }
      });
      return service;
    };

    start('api', [join(REPO_ROOT, 'services/api/dist/main.js')]);
    start('worker', [join(REPO_ROOT, 'services/worker/dist/main.js')]);
    start('web', [require.resolve('next/dist/bin/next', { paths: [join(REPO_ROOT, 'web')] }), 'start', join(REPO_ROOT, 'web'), '-p', String(config.ports.web), '-H', '127.0.0.1'], {
      ...process.env,
      // Nothing sent to Vercel, nothing written to ~/.config/nextjs-nodejs.
      NEXT_TELEMETRY_DISABLED: '1',
      SHEAF_API_URL: `http://127.0.0.1:${config.ports.api}`,
      SHEAF_PUBLIC_API_URL: `http://localhost:${config.ports.api}`,
    });
    // Sheaf's own answers, not just open ports: another program that took a port (a Temporal
    // server's randomly chosen HTTP port, say) would pass for the API or the portal.
    await waitForAnswer(`http://127.0.0.1:${config.ports.api}/health`, 60_000, 'the API', (body) => body.includes('"status":"ok"'));
    await waitForAnswer(`http://127.0.0.1:${config.ports.web}/login`, 60_000, 'the portal', (body) => body.includes('Sheaf'));

    const connection = await Connection.connect({ address: temporal.address });
    stops.push({ name: 'Temporal client', stop: () => connection.close() });
    const run = await startHarvest({
      dataSource,
      client: new Client({ connection, namespace: NAMESPACE }),
      taskQueue: TASK_QUEUE,
      instrumentId: instrument.id,
      trigger: 'manual',
      portalUrl,
    });

    say('');
    say('Sheaf is running.');
    say(`  Portal        ${portalUrl}`);
    say(`  API docs      http://localhost:${config.ports.api}/api/docs`);
    say(`  Temporal UI   ${temporalUiUrl}`);
    say(`  Demo harvest  ${temporalUiWorkflowUrl(temporalUiUrl, NAMESPACE, run.workflowId)}`);
    say(`  Files land in ${join(dataDir, 'storage', instrument.name)}`);
    if (admin.password) {
      say(`  Admin login   ${admin.email} / ${admin.password}   (shown once: note it now)`);
    } else {
      say(`  Admin login   ${admin.email} (password as first printed; SHEAF_ADMIN_PASSWORD=... npm start sets a new one)`);
    }
    say('Press Ctrl-C to stop.');
  } catch (err) {
    say(`could not start Sheaf: ${err instanceof Error ? err.message : String(err)}`);
    await stopAll(1);
  }
}

void main();
