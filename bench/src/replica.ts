/**
 * Read replica benchmark: how much of the dashboard's read load a streaming
 * replica takes off the primary. One embedded primary, one replica of it
 * (a base backup with pg_backup_start/stop, a standby server: the API's own
 * startEmbeddedReplica), two API processes on the same database: one with
 * CLM_READ_DATABASE_URL, one without. Rounds alternate A-B-B-A; each sends
 * the same queries (the overview's metrics for 90 days by week, the stage
 * overview, a page of customers) and measures the CPU time the primary's and
 * the replica's server processes spent meanwhile (/proc, Linux only). The
 * result is the ratio of the primary's CPU per round with the replica to
 * without it, in the same run.
 *
 * Needs the API built (apps/api/dist). `npm run replica -w @clm/bench -- [rounds] [queries per round]`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, chmod, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { generateAdminKey, requireApiBuild, startApi } from './shared/api-process.js';
import type { ApiProcess } from './shared/api-process.js';
import { runBenchmark } from './shared/cleanup.js';
import { intFlag, log } from './shared/cli.js';
import { query } from './shared/graphql.js';
import { DEFAULT_API_DIST } from './shared/paths.js';
import { median, round } from './shared/stats.js';

type Embedded = { url: string; dataDir: string; stop: () => Promise<void> };
type EmbeddedModule = {
  startEmbeddedPostgres: (options: { dataDir: string; database: string; persistent: boolean }) => Promise<Embedded>;
  startEmbeddedReplica: (primary: Embedded, dataDir: string) => Promise<Embedded>;
};

const CUSTOMERS = 2_000;
const TOUCHPOINTS_PER_CUSTOMER = 5;
const TYPES = ['page_view', 'email_open', 'signup', 'purchase', 'support_ticket'];

const OVERVIEW = `{
  metrics(range: { from: "2026-01-01", to: "2026-03-31" }, bucket: WEEK, compareToPrevious: true) {
    exactUpTo { touchpoints }
    pageViews { total previous series { value } }
    newCustomers { total previous }
    funnel { stage reached }
  }
  stageOverview { total stages { stage count } }
  customers(first: 50) { totalCount edges { node { id email } } }
}`;

/** CPU seconds (user + system) of a server's processes: the postmaster in `dataDir` and its children, running or exited. */
function serverCpuSeconds(dataDir: string): number {
  const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // Fields after the command (which may hold spaces): state ppid … utime (14th) stime (15th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    if (pid !== postmaster && Number(fields[1]) !== postmaster) continue;
    total += (Number(fields[11]) + Number(fields[12])) / ticks;
    // The postmaster's cutime and cstime hold the CPU of the backends that have exited (connections the pools closed).
    if (pid === postmaster) total += (Number(fields[13]) + Number(fields[14])) / ticks;
  }
  return total;
}

async function load(api: ApiProcess, key: string): Promise<void> {
  const batch = 500;
  let sent = 0;
  for (let start = 0; start < CUSTOMERS * TOUCHPOINTS_PER_CUSTOMER; start += batch) {
    const touchpoints = Array.from({ length: batch }, (_, offset) => {
      const n = start + offset;
      const day = 1 + (n % 89);
      return {
        messageId: `bench-${n}`,
        customer: { externalId: `c-${n % CUSTOMERS}`, email: `c${n % CUSTOMERS}@example.com` },
        type: TYPES[Math.floor(n / CUSTOMERS) % TYPES.length],
        channel: 'web',
        occurredAt: new Date(Date.UTC(2026, 0, day, 10)).toISOString(),
        ...(TYPES[Math.floor(n / CUSTOMERS) % TYPES.length] === 'purchase' ? { value: 25, currency: 'USD' } : {}),
      };
    });
    await query(api.graphqlUrl, key, `mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, {
      t: touchpoints,
    });
    sent += batch;
  }
  log(`loaded ${sent} touchpoints over ${CUSTOMERS} customers`);
}

type Round = { mode: 'replica' | 'primary only'; primaryCpu: number; replicaCpu: number; seconds: number };

async function measureRound(
  api: ApiProcess,
  key: string,
  mode: Round['mode'],
  queries: number,
  dirs: { primary: string; replica: string },
) {
  const primaryBefore = serverCpuSeconds(dirs.primary);
  const replicaBefore = serverCpuSeconds(dirs.replica);
  const started = process.hrtime.bigint();
  for (let i = 0; i < queries; i++) await query(api.graphqlUrl, key, OVERVIEW);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    mode,
    primaryCpu: serverCpuSeconds(dirs.primary) - primaryBefore,
    replicaCpu: serverCpuSeconds(dirs.replica) - replicaBefore,
    seconds,
  } satisfies Round;
}

runBenchmark(async (cleanup) => {
  const rounds = intFlag('rounds', process.argv[2] ?? '4');
  const queries = intFlag('queries per round', process.argv[3] ?? '100');
  requireApiBuild(DEFAULT_API_DIST);
  const embedded = createRequire(import.meta.url)(path.join(DEFAULT_API_DIST, 'database/embedded-postgres.js')) as EmbeddedModule;
  const folder = await mkdtemp(path.join(os.tmpdir(), 'clm-bench-replica-'));
  await chmod(folder, 0o755);
  cleanup.push(() => rm(folder, { recursive: true, force: true }));
  const primary = await embedded.startEmbeddedPostgres({ dataDir: path.join(folder, 'primary'), database: 'clm', persistent: false });
  cleanup.push(() => primary.stop());
  const replica = await embedded.startEmbeddedReplica(primary, path.join(folder, 'replica'));
  cleanup.push(() => replica.stop());
  const key = generateAdminKey();
  const withReplica = await startApi({
    apiDist: DEFAULT_API_DIST,
    databaseUrl: primary.url,
    adminKey: key,
    env: { CLM_READ_DATABASE_URL: replica.url, CLM_DEMO: '0' },
  });
  cleanup.push(() => withReplica.stop());
  const primaryOnly = await startApi({ apiDist: DEFAULT_API_DIST, databaseUrl: primary.url, adminKey: key, env: { CLM_DEMO: '0' } });
  cleanup.push(() => primaryOnly.stop());
  await load(primaryOnly, key);
  // Both answer the same once the projection and the replica have caught up.
  for (;;) {
    const [a, b] = await Promise.all([query(withReplica.graphqlUrl, key, OVERVIEW), query(primaryOnly.graphqlUrl, key, OVERVIEW)]);
    if (JSON.stringify(a) === JSON.stringify(b)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const dirs = { primary: primary.dataDir, replica: replica.dataDir };
  const results: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    // A-B-B-A: a drift in the machine's load weighs on both alike.
    const order = r % 2 === 0 ? (['replica', 'primary only'] as const) : (['primary only', 'replica'] as const);
    for (const mode of order) {
      results.push(await measureRound(mode === 'replica' ? withReplica : primaryOnly, key, mode, queries, dirs));
      log(`${JSON.stringify(results.at(-1))} load ${os.loadavg()[0].toFixed(2)}`);
    }
  }
  const of = (mode: Round['mode'], field: keyof Omit<Round, 'mode'>) =>
    median(results.filter((result) => result.mode === mode).map((result) => result[field])) ?? 0;
  const ratio = of('replica', 'primaryCpu') / of('primary only', 'primaryCpu');
  log(
    `primary CPU per round (${queries} overview queries): ${round(of('replica', 'primaryCpu'), 2)} s with the replica, ` +
      `${round(of('primary only', 'primaryCpu'), 2)} s without: ratio ${round(ratio, 3)}; ` +
      `the replica's CPU meanwhile ${round(of('replica', 'replicaCpu'), 2)} s; load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
});
