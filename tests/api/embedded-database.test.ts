import { get } from 'node:http';
import { chmod, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApi } from '../support/api-process';
import type { ApiProcess } from '../support/api-process';
import { readFileSync } from 'node:fs';
import { graphqlClient } from '../support/graphql-http';
import { connectWs, subscribe } from '../support/graphql-ws';
import { createWarmUpCustomer, waitUntilLive } from '../support/live-stream';

/* clm on its embedded PostgreSQL, as on a fresh machine: the order of a SIGTERM, and a start after kill -9. */

const RECORD = `mutation ($touchpoints: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $touchpoints) { accepted rejected } }`;

function batch(prefix: string, size: number) {
  return Array.from({ length: size }, (_, index) => ({
    messageId: `${prefix}-${index}`,
    customer: { externalId: `${prefix}-customer-${index % 50}` },
    type: index % 7 === 0 ? 'purchase' : 'page_view',
    channel: 'web',
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
    value: index % 7 === 0 ? 10 : null,
  }));
}

describe('the embedded PostgreSQL under signals', () => {
  let folder: string;
  let api: ApiProcess | undefined;
  const startOnEmbedded = (adminKey?: string) =>
    startApi({ databaseUrl: '', adminKey, env: { CLM_DATA_DIR: path.join(folder, 'postgres'), CLM_SHUTDOWN_GRACE_MS: '' } });

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'clm-e2e-embedded-'));
    await chmod(folder, 0o755);
  });
  afterEach(async () => {
    await api?.stop('SIGKILL');
    api = undefined;
  });
  afterAll(async () => {
    // A last clean start and stop takes down any server a kill -9 left behind.
    const last = await startOnEmbedded();
    await last.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('finishes the batches in flight on SIGTERM before stopping the database, and exits with 0', async () => {
    api = await startOnEmbedded();
    const admin = graphqlClient(api.graphqlUrl, api.adminKey);
    const inFlight = [
      admin.request(RECORD, { touchpoints: batch('drain-a', 1000) }),
      admin.request(RECORD, { touchpoints: batch('drain-b', 1000) }),
    ];
    // Long enough for both bodies to arrive; the first batch is then being written and the second waits behind it.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const exit = api.stop('SIGTERM');
    const answers = await Promise.all(inFlight);
    expect(answers.map((answer) => answer.body)).toEqual([
      { data: { recordTouchpoints: { accepted: 1000, rejected: 0 } } },
      { data: { recordTouchpoints: { accepted: 1000, rejected: 0 } } },
    ]);
    expect(await exit).toEqual({ code: 0, signal: null });
    const messages = api.lines().map((line) => line.json?.msg);
    expect(messages.indexOf('stopped')).toBeGreaterThan(messages.indexOf('shutting down'));

    // Everything acknowledged is there after a restart.
    const adminKey = api.adminKey;
    api = await startOnEmbedded(adminKey);
    const count = await graphqlClient(api.graphqlUrl, adminKey).data<{ customers: { totalCount: number } }>(
      `{ customers(first: 0) { totalCount } }`,
    );
    expect(count.customers.totalCount).toBe(100);
  }, 120_000);

  it('starts again after a kill -9, stopping the database the killed process left running', async () => {
    api = await startOnEmbedded();
    const adminKey = api.adminKey;
    await graphqlClient(api.graphqlUrl, adminKey).data(RECORD, { touchpoints: batch('killed', 10) });
    const killed = await api.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');

    api = await startOnEmbedded(adminKey);
    const recovered = api
      .lines()
      .find(
        (line) =>
          line.json?.msg ===
          'found the embedded PostgreSQL of a clm that did not shut down (killed?) still running; stopping it cleanly before starting',
      );
    expect(recovered?.json).toMatchObject({ level: 40, dataDir: path.join(folder, 'postgres') });
    const count = await graphqlClient(api.graphqlUrl, adminKey).data<{ customers: { totalCount: number } }>(
      `{ customers(first: 0) { totalCount } }`,
    );
    expect(count.customers.totalCount).toBeGreaterThanOrEqual(10);
  }, 120_000);

  it('notices a database that died: /healthz 503, subscribers told to resubscribe, the database started again, nothing lost', async () => {
    api = await startOnEmbedded();
    const adminKey = api.adminKey;
    const admin = graphqlClient(api.graphqlUrl, adminKey);
    const connection = connectWs(api.wsUrl, adminKey);
    const live = subscribe<{ stageTransitions: { cursor: string } }>(
      connection.client,
      `subscription { stageTransitions { cursor transition { to } } }`,
    );
    await waitUntilLive(live, createWarmUpCustomer(admin));
    await admin.data(RECORD, { touchpoints: batch('before-death', 5) });
    await live.waitUntil((data) => data.length >= 6);

    const dataDir = path.join(folder, 'postgres');
    process.kill(Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGKILL');
    // While it is down (at least the 100 ms before clm starts it again, and its start), /healthz says so.
    const seen: Array<{ status: number; body: unknown }> = [];
    for (const until = Date.now() + 5000; Date.now() < until && !seen.some((answer) => answer.status === 503);) {
      // A new connection for each check (as a load balancer's probe makes): a kept-alive one was seen cut in this window.
      const health = await probe(`${api.baseUrl}/healthz`);
      if (health) seen.push(health);
    }
    expect(seen.find((answer) => answer.status === 503)).toEqual({ status: 503, body: { status: 'degraded', database: 'unreachable' } });
    // The stream ends with an error result the client can act on: resubscribe from its last cursor.
    const endedWith = await live.ended;
    expect(endedWith.error).toEqual([
      expect.objectContaining({
        message: 'the database is unavailable; resubscribe with the last cursor you received; nothing is lost',
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      }),
    ]);

    // clm starts its database again and serves as before; the stream resumes from the last cursor.
    await api.waitForLine((line) => line.json?.msg === 'the embedded PostgreSQL is running again', 30_000);
    const healthy = await fetch(`${api.baseUrl}/healthz`);
    expect(await healthy.json()).toEqual({ status: 'ok', database: 'reachable' });
    const cursor = live
      .results()
      .filter((result) => result.data)
      .at(-1)?.data?.stageTransitions.cursor;
    const resumed = subscribe<{ stageTransitions: { cursor: string } }>(
      connection.client,
      `subscription ($after: String) { stageTransitions(after: $after) { cursor } }`,
      { after: cursor },
    );
    for (let attempt = 0; attempt < 50; attempt++) {
      const answer = await admin.request(RECORD, { touchpoints: batch(`after-death-${attempt}`, 1) });
      if (answer.body.data) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await resumed.waitUntil((data) => data.length >= 1);
    await connection.dispose();
  }, 120_000);

  it('exits with a clear message when its database cannot be started again', async () => {
    api = await startOnEmbedded();
    const dataDir = path.join(folder, 'postgres');
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    await rename(dataDir, `${dataDir}-gone`);
    process.kill(pid, 'SIGKILL');
    expect(await api.exited).toEqual({ code: 1, signal: null });
    const fatal = api.lines().find((line) => line.json?.level === 60);
    expect(String(fatal?.json?.msg)).toMatch(
      new RegExp(`^the embedded PostgreSQL in ${dataDir} stopped and could not be started again \\(.+\\); see ${dataDir}\\.log$`),
    );
    await rm(`${dataDir}-gone`, { recursive: true, force: true });
  }, 120_000);
});

/** GET on a connection of its own; null when the connection fails. */
function probe(url: string): Promise<{ status: number; body: unknown } | null> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown }));
      response.on('error', () => resolve(null));
    });
    request.on('error', () => resolve(null));
  });
}
