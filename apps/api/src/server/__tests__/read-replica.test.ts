import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Scope } from '../../core/principal';
import { decodeLogCursor } from '../../log';
import { collect, startTestServer } from '../../testing';
import type { GraphQLResponse, TestServer } from '../../testing';
import { Db, WorkScope } from '../../database/db';
import type { Queryable, ReplicaState, Server } from '../../database/db';
import { startEmbeddedPostgres, startEmbeddedReplica } from '../../database/embedded-postgres';
import type { EmbeddedDatabase, EmbeddedReplica } from '../../database/embedded-postgres';
import { sql } from '../../database/sql';
import type { WorkKind } from '../../database/work-kinds';

/*
 * A real streaming replica, made by this test: an embedded primary of its own
 * (whatever DATABASE_URL says: a base backup of a shared server would copy
 * every other test's databases, and needs the replication privilege there),
 * a base backup of it and a second server in standby mode streaming from it.
 * The replica's replay is paused and resumed with pg_wal_replay_pause() /
 * pg_wal_replay_resume() to hold it behind; every wait is on state.
 */

let folder: string;
let primary: EmbeddedDatabase;
let replica: EmbeddedReplica;
/** A superuser session on the replica: it pauses and resumes replay. */
let onReplica: Client;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'clm-replica-'));
  // As root, the servers run as the `postgres` user, which must be able to enter the folder.
  await chmod(folder, 0o755);
  primary = await startEmbeddedPostgres({ dataDir: path.join(folder, 'primary'), database: 'clm', persistent: false });
  replica = await startEmbeddedReplica(primary, path.join(folder, 'replica'));
  onReplica = new Client({ connectionString: replica.url });
  // The last test stops the replica under it.
  onReplica.on('error', () => undefined);
  await onReplica.connect();
}, 120_000);

afterAll(async () => {
  await onReplica?.end();
  await replica?.stop();
  await primary?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

async function pauseReplay(): Promise<void> {
  await onReplica.query('SELECT pg_wal_replay_pause()');
  await until(
    async () => (await onReplica.query<{ state: string }>('SELECT pg_get_wal_replay_pause_state() AS state')).rows[0].state === 'paused',
  );
}

async function resumeReplay(): Promise<void> {
  await onReplica.query('SELECT pg_wal_replay_resume()');
}

/** Waits until `condition` holds, looking again as soon as the last look has answered. */
async function until(condition: () => Promise<boolean> | boolean, what = 'the condition'): Promise<void> {
  for (let looks = 0; !(await condition()); looks++) {
    if (looks > 100_000) throw new Error(`${what} never held`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Measures the replica's lag until it is in `state`. */
async function replicaBecomes(db: Db, state: ReplicaState): Promise<void> {
  await until(async () => {
    await db.checkReplica();
    return db.replicaHealth()?.state === state;
  }, `the replica being ${state}`);
}

/** Whether the server a statement of `db` runs on is in recovery (the replica is, the primary is not). */
async function inRecovery(db: Queryable): Promise<boolean> {
  const [row] = await db.query<{ recovery: boolean }>(sql`SELECT pg_is_in_recovery() AS recovery`);
  return row.recovery;
}

type Seen = { kind: WorkKind; server: Server; text: string };

/** Whether a metrics query ran statements, every one on the replica. */
function metricsOnReplica(seen: readonly Seen[]): boolean {
  const metrics = seen.filter((statement) => statement.kind === 'metrics');
  return metrics.length > 0 && metrics.every((statement) => statement.server === 'replica');
}

/** The statements `db` runs while `work` runs. */
async function statementsOf<T>(db: Db, work: () => Promise<T>): Promise<{ result: T; seen: Seen[] }> {
  const seen: Seen[] = [];
  db.observe = (text, kind, server) => seen.push({ kind, server, text });
  try {
    return { result: await work(), seen };
  } finally {
    db.observe = undefined;
  }
}

describe('routing by kind of work and scope', () => {
  let db: Db;

  beforeAll(async () => {
    // No lag limit to speak of: a loaded machine's replica a second behind must not send these reads elsewhere.
    db = Db.open({ url: primary.url, poolSize: 2, readReplica: { url: replica.url, maxLagMs: 3_600_000, checkEveryMs: 100 } });
    await replicaBecomes(db, 'in use');
  });

  afterAll(async () => {
    await db?.end();
  });

  it('sends the reads of a scope that allows it to the replica, and everything else to the primary', async () => {
    expect(await inRecovery(db.inScope(new WorkScope('read', null, true)))).toBe(true);
    expect(await inRecovery(db.inScope(new WorkScope('metrics', null, true)))).toBe(true);
    expect(await inRecovery(db.inScope(new WorkScope('export', null, true)))).toBe(true);
    // A scope that did not allow it, a kind that writes, a view of a kind (log consumers, key checks), a transaction.
    expect(await inRecovery(db.inScope(new WorkScope('read')))).toBe(false);
    expect(await inRecovery(db.inScope(new WorkScope('ingest', null, true)))).toBe(false);
    expect(await inRecovery(db.forKind('read'))).toBe(false);
    // A view pinned to the replica whatever its kind (the BI watchdog's there).
    const pinned = db.onReplica('control');
    expect(pinned && (await inRecovery(pinned))).toBe(true);
    expect(await db.inScope(new WorkScope('read', null, true)).transaction(inRecovery)).toBe(false);
  });

  it('runs on the primary a write that reached the replica through a read scope', async () => {
    const reader = db.inScope(new WorkScope('read', null, true));
    await db.execute(sql`CREATE TABLE replica_probe (n int)`);
    await until(
      async () => (await reader.query<{ found: string | null }>(sql`SELECT to_regclass('replica_probe')::text AS found`))[0].found !== null,
    );
    // The replica refuses the write (read-only); it runs again on the primary.
    expect(await reader.execute(sql`INSERT INTO replica_probe VALUES (1), (2)`)).toBe(2);
    expect(await db.query(sql`SELECT n FROM replica_probe ORDER BY n`)).toEqual([{ n: 1 }, { n: 2 }]);
  });
});

describe('the lag limit', () => {
  let db: Db;
  const notices: string[] = [];
  const details: Array<Record<string, unknown>> = [];
  const BYPASSED = 'the read replica is further behind than CLM_READ_MAX_LAG_SECONDS: reads go to the primary until it catches up';
  const CAUGHT_UP = 'the read replica is caught up: queries, previews, metrics and exports read from it';

  beforeAll(async () => {
    // A second of lag is the limit here; the test holds the replica behind for longer.
    db = Db.open({
      url: primary.url,
      poolSize: 2,
      readReplica: { url: replica.url, maxLagMs: 1000, checkEveryMs: 50 },
      onNotice: (message, facts) => {
        notices.push(message);
        details.push(facts);
      },
    });
    await db.execute(sql`CREATE TABLE lag_probe (n int)`);
  });

  afterAll(async () => {
    await db?.end();
  });

  /** A read scope whose first read went to the replica, once one does (a busy machine may hold the replica a second behind). */
  async function scopeOnReplica(): Promise<Db> {
    for (;;) {
      const scope = db.inScope(new WorkScope('read', null, true));
      if (await inRecovery(scope)) return scope;
      await db.checkReplica();
    }
  }

  it('bypasses a replica further behind than the limit, with a log line, and uses it again once it has caught up', async () => {
    // A scope whose reads went to the replica keeps reading it: the parts of one response come from one server.
    const earlier = await scopeOnReplica();
    const seen = notices.length;
    await pauseReplay();
    try {
      await db.execute(sql`INSERT INTO lag_probe VALUES (1)`);
      // Paused, the replica only falls further behind: what follows holds until it is resumed.
      await replicaBecomes(db, 'bypassed');
      const health = db.replicaHealth();
      expect(health?.maxLagSeconds).toBe(1);
      expect(health?.lagSeconds).toBeGreaterThan(1);
      expect(health?.lagBytes).toBeGreaterThan(0);
      expect(await inRecovery(db.inScope(new WorkScope('read', null, true)))).toBe(false);
      expect(await inRecovery(earlier)).toBe(true);
      expect(notices.at(-1)).toBe(BYPASSED);
      expect(details.at(-1)).toMatchObject({ replica: 'bypassed', maxLagSeconds: 1 });
    } finally {
      // Resumed whatever failed: the tests after this one need the replica replaying.
      await resumeReplay();
    }
    const later = await scopeOnReplica();
    // The row written while it was paused is there now.
    expect(await later.query(sql`SELECT n FROM lag_probe`)).toEqual([{ n: 1 }]);
    // Since the pause: the bypass, then the return (a loaded machine may add more of both afterwards).
    const since = notices.slice(seen);
    const bypassed = since.lastIndexOf(BYPASSED, since.indexOf(CAUGHT_UP));
    expect(since.slice(bypassed, bypassed + 2)).toEqual([BYPASSED, CAUGHT_UP]);
  });
});

describe('an API instance with a read replica', () => {
  let server: TestServer;
  let readKey: string;

  beforeAll(async () => {
    server = await startTestServer({
      server: primary.url,
      // No lag limit to speak of: this replica is held behind on purpose and must stay in use.
      readReplica: { url: replica.url, maxLagMs: 3_600_000, checkEveryMs: 100 },
    });
    await replicaBecomes(server.db, 'in use');
    readKey = await server.createKey([Scope.READ]);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  const touchpoint = (messageId: string, externalId: string) => ({
    messageId,
    customer: { externalId },
    type: 'page_view',
    channel: 'web',
    occurredAt: '2026-03-01T10:00:00Z',
  });

  const record = (touchpoints: Array<ReturnType<typeof touchpoint>>) =>
    statementsOf(server.db, () =>
      server.graphql<{ recordTouchpoints: { accepted: number } }>(
        `mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`,
        { t: touchpoints },
      ),
    );

  type MetricsAnswer = { metrics: { pageViews: { total: number }; exactUpTo: { touchpoints: string } } };
  const METRICS_QUERY = `{ metrics(range: { from: "2026-03-01", to: "2026-03-31" }, bucket: MONTH) { pageViews { total } exactUpTo { touchpoints } } }`;
  const metrics = () => server.graphql<MetricsAnswer>(METRICS_QUERY);

  /** One operation over HTTP with extra headers: its body and the response's headers. */
  const post = async <T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}`, ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { body: (await response.json()) as GraphQLResponse<T>, headers: response.headers };
  };

  /** The touchpoint log's last row, as the position a cursor names. */
  const lastTouchpoint = async () => {
    const [row] = await server.db.query<{ tx_id: string; id: string }>(
      sql`SELECT tx_id::text, id::text FROM touchpoints ORDER BY tx_id DESC, id DESC LIMIT 1`,
    );
    return { txId: BigInt(row.tx_id), id: BigInt(row.id) };
  };

  const positionOf = (cursor: string) => decodeLogCursor(cursor, 'exactUpTo', 'touchpoints').position;

  const exportedCustomers = async () => {
    const response = await fetch(`${server.httpUrl.replace(/\/graphql$/, '')}/api/customers.csv`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    const lines = (await response.text()).trim().split('\r\n').slice(1);
    return lines.map((line) => line.split(',')[1]).sort();
  };

  it('runs a mutation on the primary only, and answers it from what it wrote', async () => {
    const { result, seen } = await record([touchpoint('r-1', 'ada'), touchpoint('r-2', 'bob')]);
    expect(result).toEqual({ data: { recordTouchpoints: { accepted: 2 } } });
    expect(seen.filter((statement) => statement.server === 'replica')).toEqual([]);
  });

  it('answers a query from the replica: its metrics, exactUpTo and exports as of what the replica has replayed', async () => {
    const firstBatch = await lastTouchpoint();
    // The projection applies the batch on the primary, and the replica replays that.
    await until(async () => (await metrics()).data?.metrics.pageViews.total === 2, 'the replica showing the first batch');
    const before = await statementsOf(server.db, metrics);
    expect(before.result.data?.metrics.pageViews.total).toBe(2);
    expect(positionOf(before.result.data?.metrics.exactUpTo.touchpoints ?? '')).toEqual(firstBatch);
    // Every statement of the query ran on the replica (the projector and the live streams run on the primary meanwhile).
    expect(metricsOnReplica(before.seen)).toBe(true);

    await pauseReplay();
    try {
      const written = await post(`mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, {
        t: [touchpoint('r-3', 'ada'), touchpoint('r-4', 'cy'), touchpoint('r-5', 'cy')],
      });
      expect(written.body).toEqual({ data: { recordTouchpoints: { accepted: 3 } } });
      const position = written.headers.get('x-clm-wal-position');
      expect(position).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      const secondBatch = await lastTouchpoint();
      // The primary's projection has applied the second batch…
      await until(async () => {
        const applied = positionOf((await server.services.metrics.exactUpTo()).touchpoints);
        return applied?.txId === secondBatch.txId && applied.id === secondBatch.id;
      }, 'the primary applying the second batch');
      // …and the paused replica still answers with the first, and says so.
      const during = await statementsOf(server.db, metrics);
      expect(during.result.data?.metrics.pageViews.total).toBe(2);
      expect(positionOf(during.result.data?.metrics.exactUpTo.touchpoints ?? '')).toEqual(firstBatch);
      expect(metricsOnReplica(during.seen)).toBe(true);
      expect(await exportedCustomers()).toEqual(['ada', 'bob']);
      // A client that sends back the position its write was given reads it: from the primary, until the replica has it.
      const ownWrite = await post<MetricsAnswer>(METRICS_QUERY, {}, { 'x-clm-read-after': position ?? '' });
      expect(ownWrite.body).toEqual({ data: { metrics: { pageViews: { total: 5 }, exactUpTo: { touchpoints: expect.any(String) } } } });
      expect(positionOf(ownWrite.body.data?.metrics.exactUpTo.touchpoints ?? '')).toEqual(secondBatch);
      expect(await post(METRICS_QUERY, {}, { 'x-clm-read-after': 'yesterday' })).toMatchObject({
        body: {
          errors: [{ message: "x-clm-read-after: must be a WAL position as a mutation's x-clm-wal-position gave it (like 0/3A21F08)" }],
        },
      });
      // The board as the replica has it, with the cursor its live feed continues from: the primary's stream, resumed
      // there, sends the transition the replica has not replayed yet (cy's arrival), so nothing falls between the two.
      const board = await server.graphql<{ stageOverview: { cursor: string; total: number } }>(`{ stageOverview { cursor total } }`);
      expect(board.data?.stageOverview.total).toBe(2);
      // A query over WebSocket reads the replica too.
      const overWebSocket = collect<{ stageOverview: { total: number } }>(server.wsClient(), `{ stageOverview { total } }`, {}, 1);
      expect(await overWebSocket.done).toEqual([{ stageOverview: { total: 2 } }]);
      const feed = collect<{ stageTransitions: { transition: { customer: { externalId: string } } } }>(
        server.wsClient(),
        `subscription ($after: String) { stageTransitions(after: $after) { transition { customer { externalId } } } }`,
        { after: board.data?.stageOverview.cursor },
        1,
      );
      expect((await feed.done).map((event) => event.stageTransitions.transition.customer.externalId)).toEqual(['cy']);
    } finally {
      await resumeReplay();
    }
    const secondBatch = await lastTouchpoint();
    await until(async () => (await metrics()).data?.metrics.pageViews.total === 5, 'the replica showing the second batch');
    expect(positionOf((await metrics()).data?.metrics.exactUpTo.touchpoints ?? '')).toEqual(secondBatch);
    expect(await exportedCustomers()).toEqual(['ada', 'bob', 'cy']);
  });

  it('reports the replica in /healthz, /readyz and the admin query readReplica', async () => {
    // The position moves with every measurement: its form is what can be asserted.
    expect(await server.graphql(`{ readReplica { state maxLagSeconds replayedLsn } }`)).toEqual({
      data: { readReplica: { state: 'in use', maxLagSeconds: 3600, replayedLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/) } },
    });
    const base = server.httpUrl.replace(/\/graphql$/, '');
    for (const probe of ['/healthz', '/readyz']) {
      const body = (await (await fetch(`${base}${probe}`)).json()) as { readReplica: Record<string, unknown> };
      expect(body.readReplica).toMatchObject({ state: 'in use', maxLagSeconds: 3600 });
      expect(typeof body.readReplica.lagSeconds).toBe('number');
      expect(body.readReplica.replayedLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    }
  });
});

describe('a replica that goes away', () => {
  let db: Db;
  const notices: string[] = [];

  beforeAll(async () => {
    db = Db.open({
      url: primary.url,
      poolSize: 2,
      readReplica: { url: replica.url, maxLagMs: 3_600_000, checkEveryMs: 100 },
      onNotice: (message) => notices.push(message),
      // Its idle connections to the replica end with an error when it stops: expected here.
      onError: () => undefined,
    });
    await replicaBecomes(db, 'in use');
  });

  afterAll(async () => {
    await db?.end();
  });

  it('sends reads to the primary, says so once, and reports the replica unreachable', async () => {
    const seen = notices.length;
    await replica.stop();
    // Whichever notices it first (a read's checkout or a measurement), reads go to the primary from then on.
    expect(await inRecovery(db.inScope(new WorkScope('read', null, true)))).toBe(false);
    await replicaBecomes(db, 'unreachable');
    expect(await inRecovery(db.inScope(new WorkScope('metrics', null, true)))).toBe(false);
    expect(notices.slice(seen)).toEqual(['the read replica cannot be reached: reads go to the primary until it can']);
  });
});
