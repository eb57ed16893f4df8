import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApi } from '../support/api-process';
import type { ApiProcess } from '../support/api-process';
import { graphqlClient } from '../support/graphql-http';

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
    await new Promise((resolve) => setTimeout(resolve, 30));
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
});
