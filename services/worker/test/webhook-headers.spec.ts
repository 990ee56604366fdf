import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SecretBox } from '@sheaf/crypto';
import { HarvestRunEntity, HookEntity } from '@sheaf/db';
import { startHarvest } from '@sheaf/harvests';
import { realHarvestSuite, testWorker, twoFileInstrument } from './real-suite';

/**
 * A webhook's header values are sealed apart from its config (which shows them as ***): the worker
 * sends the real values, those of a hook stored before they were sealed as they are, and holds the
 * files of a hook whose values do not open, as it does when its signing key does not open. Real
 * Temporal dev server, PostgreSQL and rclone.
 */
describe("a webhook's sealed header values", () => {
  const suite = realHarvestSuite();
  let receiver: Server;
  /** The headers of every call the receiver got. */
  const calls: IncomingHttpHeaders[] = [];
  const box = SecretBox.fromBase64(randomBytes(32).toString('base64'));

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      calls.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
  });

  beforeEach(() => {
    calls.length = 0;
  });

  /** An instrument with two old files at its local source, one POSIX destination, and a webhook pre-hook stored as given. */
  async function instrumentWithWebhook(hook: Pick<HookEntity, 'config'> & Partial<Pick<HookEntity, 'headersSealed'>>) {
    const { instrument, storage } = await twoFileInstrument(suite, 'headers');
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/gate`;
    const saved = await suite.db.dataSource.getRepository(HookEntity).save({
      name: `${instrument.name}-gate`,
      phase: 'pre',
      kind: 'webhook',
      config: { url, ...hook.config },
      secretSealed: box.seal('signing-key'),
      headersSealed: hook.headersSealed ?? null,
      instrumentId: instrument.id,
      priority: 10,
      enabled: true,
    });
    return { instrument, hookId: saved.id, landed: () => readdir(join(storage, instrument.name)).catch(() => [] as string[]) };
  }

  async function runHarvest(instrumentId: string) {
    const { worker, taskQueue } = await testWorker(suite, { secretBox: box });
    const started = await startHarvest({ dataSource: suite.db.dataSource, client: suite.env.client, taskQueue, instrumentId, trigger: 'api' });
    await worker.runUntil(suite.env.client.workflow.getHandle(started.workflowId).result());
    const run = await suite.db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: started.runId });
    const items = (await suite.db.dataSource.query(
      `SELECT f.path, i.outcome, i.reason FROM harvest_items i JOIN file_versions f ON f.id = i.file_version_id WHERE i.run_id = $1 ORDER BY f.path`,
      [run.id],
    )) as Array<{ path: string; outcome: string | null; reason: string | null }>;
    return { run, items };
  }

  it('sends the values sealed apart in place of the *** the config holds', async () => {
    const { instrument, landed } = await instrumentWithWebhook({
      config: { headers: { Authorization: '***', 'X-Lab': '***' } },
      headersSealed: box.seal(JSON.stringify({ Authorization: 'Bearer sealed-token', 'X-Lab': 'cryo' })),
    });
    const { run } = await runHarvest(instrument.id);
    expect(run).toMatchObject({ status: 'succeeded', filesDone: '2' });
    expect(calls).toEqual([expect.objectContaining({ authorization: 'Bearer sealed-token', 'x-lab': 'cryo' })]);
    expect((await landed()).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('sends the values of a hook stored before they were sealed as its config holds them', async () => {
    const { instrument, landed } = await instrumentWithWebhook({ config: { headers: { Authorization: 'Bearer plain-token' } } });
    const { run } = await runHarvest(instrument.id);
    expect(run).toMatchObject({ status: 'succeeded', filesDone: '2' });
    expect(calls).toEqual([expect.objectContaining({ authorization: 'Bearer plain-token' })]);
    expect((await landed()).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('holds the files, saying why, when the values do not open (another key sealed them): no call, and the run ends', async () => {
    const { instrument, hookId, landed } = await instrumentWithWebhook({
      config: { headers: { Authorization: '***' } },
      headersSealed: SecretBox.fromBase64(randomBytes(32).toString('base64')).seal(JSON.stringify({ Authorization: 'Bearer lost-token' })),
    });
    const { run, items } = await runHarvest(instrument.id);
    expect(run).toMatchObject({ status: 'succeeded', filesDone: '0', filesHeld: '2' });
    expect(calls).toEqual([]);
    expect(await landed()).toEqual([]);
    const reason = `webhook hook ${hookId} failed: its header values could not be opened: a sealed secret could not be opened: wrong encryption key, or the value was altered`;
    expect(items).toEqual([
      { path: 'a.txt', outcome: 'held', reason },
      { path: 'b.txt', outcome: 'held', reason },
    ]);
  });
});
