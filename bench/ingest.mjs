#!/usr/bin/env node
/**
 * Ingest benchmark: touchpoints per second through the `recordTouchpoints`
 * GraphQL mutation (HTTP, batches, a few requests in flight, the default
 * lifecycle rules on), divided by a raw COPY of exactly the same rows into the
 * same table on the same PostgreSQL server, in the same run.
 *
 * Needs the API built (apps/api/dist). See bench/README.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const API_DIST = path.join(ROOT, 'apps/api/dist');
const API_MAIN = path.join(API_DIST, 'main.js');

// ---------------------------------------------------------------- options

const { values: flags } = parseArgs({
  options: {
    touchpoints: { type: 'string' },
    customers: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '4' },
    'warmup-batches': { type: 'string', default: '2' },
    seed: { type: 'string', default: '42' },
    retries: { type: 'string', default: '0' },
    'cpu-prof': { type: 'string' },
    'sql-log': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`usage: node bench/ingest.mjs [options]
  --touchpoints N      touchpoints to ingest (default 100000, or BENCH_TOUCHPOINTS)
  --customers N        distinct customers (default 20000)
  --batch N            items per recordTouchpoints call and per baseline COPY (default 500, max 1000)
  --concurrency N      requests (and baseline COPY connections) in flight (default 4)
  --warmup-batches N   untimed batches first, on their own customers and messageIds (default 2)
  --seed N             workload PRNG seed (default 42)
  --retries N          resend a batch that failed as a whole (GraphQL error, nothing stored) up to N times;
                       default 0: any failure stops the run
  --cpu-prof DIR       run the API with node --cpu-prof, profiles written to DIR
  --sql-log            (embedded server only) log every statement of the API database during the timed
                       run and print server-side time per statement kind
DATABASE_URL: use this PostgreSQL server (two scratch databases are created and dropped); else an embedded one.
`);
  process.exit(0);
}
const positiveInt = (name, raw) => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) fail(`--${name} must be a positive integer, got "${raw}"`);
  return value;
};
const options = {
  touchpoints: positiveInt('touchpoints', flags.touchpoints ?? process.env.BENCH_TOUCHPOINTS ?? '100000'),
  customers: positiveInt('customers', flags.customers),
  batch: positiveInt('batch', flags.batch),
  concurrency: positiveInt('concurrency', flags.concurrency),
  warmupBatches: Number(flags['warmup-batches']),
  retries: Number(flags.retries),
  seed: positiveInt('seed', flags.seed),
};
if (options.batch > 1000) fail('--batch must be at most 1000 (the API limit)');
if (!Number.isInteger(options.warmupBatches) || options.warmupBatches < 0) fail('--warmup-batches must be 0 or more');
if (!Number.isInteger(options.retries) || options.retries < 0) fail('--retries must be 0 or more');
if (options.customers > options.touchpoints) fail('--customers must not exceed --touchpoints');

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}
const log = (message) => process.stderr.write(`[bench] ${message}\n`);

/** Which API build is measured: a hash of apps/api/dist/**\/*.js, its newest mtime, and the git commit (read-only git). */
function apiBuild() {
  const files = readdirSync(API_DIST, { recursive: true })
    .filter((file) => String(file).endsWith('.js'))
    .map(String)
    .sort();
  const hash = createHash('sha256');
  let newest = 0;
  for (const file of files) {
    const full = path.join(API_DIST, file);
    hash.update(file).update(readFileSync(full));
    newest = Math.max(newest, statSync(full).mtimeMs);
  }
  const git = (...args) => {
    try {
      return execFileSync('git', ['--no-optional-locks', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return null;
    }
  };
  const dirty = git('status', '--porcelain', '--', 'apps/api/src', 'packages/schema/src');
  return {
    distSha256: hash.digest('hex').slice(0, 16),
    distBuiltAt: new Date(newest).toISOString(),
    gitHead: git('rev-parse', '--short', 'HEAD'),
    sourceChangedSinceHead: dirty === null ? null : dirty.length > 0,
  };
}

if (!existsSync(API_MAIN)) fail(`${path.relative(ROOT, API_MAIN)} is missing: build first (npx turbo run build --filter=@clm/api...)`);

// Resolve pg and the API's own modules the way the API resolves them.
const apiRequire = createRequire(API_MAIN);
apiRequire('reflect-metadata');
const pg = apiRequire('pg');
const { startEmbeddedPostgres, findFreePort } = apiRequire('./database/embedded-postgres.js');
const { createDataSource } = apiRequire('./database/data-source.js');
let copyFrom = null;
try {
  copyFrom = createRequire(import.meta.url)('pg-copy-streams').from;
} catch {
  log('pg-copy-streams is not installed: the baseline falls back to one unnest INSERT per batch (labelled as such)');
}

// ---------------------------------------------------------------- workload

/** mulberry32: small, fast, deterministic. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = [
  // [type, weight]
  ['page_view', 30],
  ['email_open', 16],
  ['login', 14],
  ['purchase', 10],
  ['email_click', 8],
  ['signup', 5],
  ['review', 4],
  ['survey_response', 4],
  ['referral', 2],
];
const TYPE_TOTAL = TYPES.reduce((sum, [, weight]) => sum + weight, 0);
const PAGES = ['home', 'pricing', 'blog', 'docs', 'product', 'features', 'checkout'];
const CAMPAIGNS = ['spring-launch', 'newsletter-03', 'onboarding', 'winback-q2', 'black-friday'];
const CURRENCIES = ['USD', 'USD', 'USD', 'EUR', 'EUR', 'GBP'];
const YEAR_START = Date.UTC(2026, 0, 1);
// Fixed (not "now") so the workload is the same on every run; the API refuses times more than a day ahead.
const YEAR_END = Date.UTC(2026, 9, 31);

/**
 * `count` touchpoints over `customers` customers: every customer appears at
 * least once, the rest are skewed towards some heavier customers, all
 * shuffled; occurredAt strictly increasing over [YEAR_START, YEAR_END).
 */
function makeWorkload({ count, customers, seed, messagePrefix, customerPrefix }) {
  const random = prng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const slots = new Int32Array(count);
  for (let i = 0; i < count; i++) slots[i] = i < customers ? i : Math.floor(customers * random() ** 1.7);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  const step = (YEAR_END - YEAR_START) / count;
  const rows = new Array(count);
  for (let k = 0; k < count; k++) {
    let roll = random() * TYPE_TOTAL;
    let type = TYPES[TYPES.length - 1][0];
    for (const [name, weight] of TYPES) {
      if ((roll -= weight) < 0) {
        type = name;
        break;
      }
    }
    const row = {
      messageId: `${messagePrefix}-${String(k).padStart(7, '0')}`,
      externalId: `${customerPrefix}-${String(slots[k] + 1).padStart(6, '0')}`,
      type,
      channel: 'web',
      occurredAt: new Date(Math.floor(YEAR_START + (k + random() * 0.9) * step)).toISOString(),
      value: null,
      currency: null,
      campaign: null,
      properties: {},
    };
    switch (type) {
      case 'page_view':
        row.channel = random() < 0.8 ? 'web' : 'mobile';
        row.properties = { page: pick(PAGES) };
        break;
      case 'email_open':
      case 'email_click':
        row.channel = 'email';
        row.campaign = pick(CAMPAIGNS);
        if (type === 'email_click') row.properties = { link: pick(['cta', 'footer', 'hero']) };
        break;
      case 'login':
        row.channel = random() < 0.6 ? 'web' : 'app';
        break;
      case 'signup':
        row.channel = random() < 0.7 ? 'web' : 'ads';
        if (row.channel === 'ads') row.campaign = pick(CAMPAIGNS);
        break;
      case 'purchase':
        row.channel = pick(['web', 'web', 'app', 'sales']);
        row.value = Math.round((9.99 + random() * 490) * 100) / 100;
        row.currency = pick(CURRENCIES);
        row.properties = { sku: `sku-${1 + Math.floor(random() * 300)}`, quantity: 1 + Math.floor(random() * 3) };
        break;
      case 'review':
        row.properties = { rating: 1 + Math.min(4, Math.floor(random() * 5.6)) };
        break;
      case 'survey_response':
        row.channel = 'email';
        row.properties = { score: Math.floor(random() * 11) };
        break;
      case 'referral':
        row.channel = 'referral';
        row.properties = { code: `ref-${Math.floor(random() * 1e6).toString(36)}` };
        break;
    }
    rows[k] = row;
  }
  return rows;
}

function chunk(list, size) {
  const out = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------- GraphQL client

const RECORD = `mutation Record($touchpoints: [TouchpointInput!]!) {
  recordTouchpoints(touchpoints: $touchpoints) { accepted duplicates rejected results { index status messageId error { field message } } }
}`;

function touchpointInput(row) {
  const input = {
    messageId: row.messageId,
    customer: { externalId: row.externalId },
    type: row.type,
    channel: row.channel,
    occurredAt: row.occurredAt,
  };
  if (row.value !== null) input.value = row.value;
  if (row.currency !== null) input.currency = row.currency;
  if (row.campaign !== null) input.campaign = row.campaign;
  if (Object.keys(row.properties).length > 0) input.properties = row.properties;
  return input;
}

async function graphql(url, key, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${response.status}: ${text.slice(0, 500)}`);
  }
  if (!response.ok || json.errors) {
    const error = new Error(`HTTP ${response.status}: ${JSON.stringify(json.errors ?? json).slice(0, 1000)}`);
    error.wholeRequestFailed = json.data == null || json.data.recordTouchpoints == null;
    throw error;
  }
  return json.data;
}

/** Posts one prepared batch; throws unless every item came back ACCEPTED. */
async function postBatch(url, key, batch, stats = { retries: 0, retried: [] }) {
  let data;
  for (let attempt = 0; ; attempt++) {
    try {
      data = await graphql(url, key, batch.body);
      break;
    } catch (error) {
      // The mutation failed as a whole: its transaction rolled back, so resending is safe (and checked: all must be ACCEPTED).
      if (!error.wholeRequestFailed || attempt >= options.retries) throw error;
      stats.retries += 1;
      stats.retried.push(batch.index);
    }
  }
  const result = data.recordTouchpoints;
  const bad = result.results.filter((item) => item.status !== 'ACCEPTED');
  if (result.accepted !== batch.size || result.results.length !== batch.size || bad.length > 0) {
    throw new Error(
      `batch ${batch.index}: ${result.accepted}/${batch.size} accepted (${result.duplicates} duplicates, ${result.rejected} rejected); first problems: ` +
        JSON.stringify(bad.slice(0, 3)),
    );
  }
}

/** Runs `worker` over `items` with at most `concurrency` in flight; stops at the first failure. */
async function runPool(items, concurrency, worker) {
  let next = 0;
  let failed = null;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async (_, slot) => {
    while (failed === null && next < items.length) {
      const index = next++;
      try {
        await worker(items[index], slot);
      } catch (error) {
        failed ??= error;
      }
    }
  });
  await Promise.all(runners);
  if (failed !== null) throw failed;
}

// ---------------------------------------------------------------- database helpers

function databaseUrl(serverUrl, name) {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url, application_name: 'clm-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function checkpoint(url) {
  // Starts each timed phase with a clean WAL state; needs superuser or pg_checkpoint, so best effort.
  await withClient(url, (client) => client.query('CHECKPOINT')).catch(() => undefined);
}

const COPY_SQL = 'COPY touchpoints (message_id, customer_id, type, channel, occurred_at, value, currency, campaign, properties) FROM STDIN';

function copyText(value) {
  if (value === null || value === undefined) return '\\N';
  return String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function copyLines(rows, customerIds) {
  let text = '';
  for (const row of rows) {
    text +=
      [
        row.messageId,
        customerIds.get(row.externalId),
        row.type,
        row.channel,
        row.occurredAt,
        row.value,
        row.currency,
        row.campaign,
        JSON.stringify(row.properties),
      ]
        .map(copyText)
        .join('\t') + '\n';
  }
  return Buffer.from(text);
}

async function copyBuffers(client, buffers) {
  await pipeline(Readable.from(buffers), client.query(copyFrom(COPY_SQL)));
}

async function unnestInsert(client, rows, customerIds) {
  await client.query(
    `INSERT INTO touchpoints (message_id, customer_id, type, channel, occurred_at, value, currency, campaign, properties)
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::numeric[], $7::text[], $8::text[], $9::jsonb[])`,
    [
      rows.map((row) => row.messageId),
      rows.map((row) => customerIds.get(row.externalId)),
      rows.map((row) => row.type),
      rows.map((row) => row.channel),
      rows.map((row) => row.occurredAt),
      rows.map((row) => row.value),
      rows.map((row) => row.currency),
      rows.map((row) => row.campaign),
      rows.map((row) => JSON.stringify(row.properties)),
    ],
  );
}

// ---------------------------------------------------------------- API process

function adminKey() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const prefix = [...randomBytes(8)].map((byte) => alphabet[byte % alphabet.length]).join('');
  return `clm_${prefix}_${randomBytes(32).toString('base64url')}`;
}

async function startApi({ url, key, cpuProfDir }) {
  const port = await findFreePort();
  const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, API_MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: url,
      CLM_ADMIN_KEY: key,
      LOG_LEVEL: 'warn',
      CLM_SWEEP_INTERVAL_MINUTES: '0',
      // Only shortens the wait at the end: SIGTERM currently always runs into this timeout (see README, "Known issues").
      CLM_SHUTDOWN_GRACE_MS: '2000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let exitInfo = null;
  exited.then((info) => (exitInfo = info));

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exitInfo) throw new Error(`the API exited during start-up (${JSON.stringify(exitInfo)}):\n${output}`);
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the API was not ready within 90 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return {
    graphqlUrl: `${base}/graphql`,
    output: () => output,
    stop: async () => {
      if (exitInfo) return exitInfo;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const info = await exited;
      clearTimeout(timer);
      return info;
    },
  };
}

// ---------------------------------------------------------------- server-side statement log (--sql-log)

/** Collects the embedded server's log while started; summarises `duration:` lines per statement kind. */
const sqlLog = {
  capturing: false,
  text: '',
  push(chunk) {
    if (this.capturing) this.text += `${chunk}\n`;
  },
  start() {
    this.capturing = Boolean(flags['sql-log']);
    this.text = '';
  },
  stop() {
    if (!this.capturing) return null;
    this.capturing = false;
    const groups = new Map();
    let statements = 0;
    let totalMs = 0;
    for (const match of this.text.matchAll(/duration: ([\d.]+) ms\s+(statement|parse|bind|execute)[^:]*: ([^\n]*)/g)) {
      const ms = Number(match[1]);
      const sql = match[3].replace(/\s+/g, ' ').trim();
      const kind = `${match[2] === 'statement' ? '' : `${match[2]}: `}${sql.slice(0, 90)}`;
      const entry = groups.get(kind) ?? { statement: kind, count: 0, totalMs: 0 };
      entry.count += 1;
      entry.totalMs += ms;
      groups.set(kind, entry);
      if (match[2] !== 'parse' && match[2] !== 'bind') statements += 1;
      totalMs += ms;
    }
    const byStatement = [...groups.values()]
      .map((entry) => ({ ...entry, totalMs: round(entry.totalMs, 1), meanMs: round(entry.totalMs / entry.count, 3) }))
      .sort((a, b) => b.totalMs - a.totalMs);
    this.text = '';
    return { statements, totalMs: round(totalMs, 1), byStatement };
  },
};

// ---------------------------------------------------------------- main

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const cleanups = [];
  const cleanup = async () => {
    while (cleanups.length > 0) {
      const step = cleanups.pop();
      await step().catch((error) => log(`cleanup: ${error.message}`));
    }
  };
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    log('interrupted: cleaning up');
    cleanup().finally(() => process.exit(130));
  });

  try {
    const buildAtStart = apiBuild();
    log(
      `API build ${buildAtStart.distSha256} (dist built ${buildAtStart.distBuiltAt}, git ${buildAtStart.gitHead}${buildAtStart.sourceChangedSinceHead ? ' + uncommitted changes' : ''})`,
    );

    // --- workload (generated and serialised before any timing)
    const t0 = performance.now();
    const rows = makeWorkload({
      count: options.touchpoints,
      customers: options.customers,
      seed: options.seed,
      messagePrefix: `bench-s${options.seed}`,
      customerPrefix: 'c',
    });
    const warmupRows = makeWorkload({
      count: options.warmupBatches * options.batch,
      customers: Math.min(options.warmupBatches * options.batch, Math.max(1, Math.floor(options.batch / 2))),
      seed: options.seed + 1_000_003,
      messagePrefix: `warmup-s${options.seed}`,
      customerPrefix: 'w',
    });
    const toBatches = (list) =>
      chunk(list, options.batch).map((items, index) => ({
        index,
        size: items.length,
        rows: items,
        body: JSON.stringify({ query: RECORD, variables: { touchpoints: items.map(touchpointInput) } }),
      }));
    const batches = toBatches(rows);
    const warmupBatches = toBatches(warmupRows);
    const typeMix = Object.fromEntries(TYPES.map(([type]) => [type, rows.filter((row) => row.type === type).length]));
    log(
      `workload: ${rows.length} touchpoints, ${options.customers} customers, ${batches.length} batches of ≤${options.batch} (${((performance.now() - t0) / 1000).toFixed(1)} s to build)`,
    );

    // --- PostgreSQL server
    let serverUrl = process.env.DATABASE_URL;
    let server = 'DATABASE_URL';
    if (!serverUrl) {
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'clm-bench-'));
      // As root the embedded server runs as the `postgres` user, which must be able to enter this folder.
      await chmod(tmp, 0o755);
      cleanups.push(() => rm(tmp, { recursive: true, force: true }));
      log('starting an embedded PostgreSQL');
      const embedded = await startEmbeddedPostgres({
        dataDir: path.join(tmp, 'pg'),
        database: 'clm_bench',
        persistent: false,
        onLog: (text) => sqlLog.push(text),
      });
      cleanups.push(() => embedded.stop());
      serverUrl = embedded.url;
      server = 'embedded';
    }
    if (flags['sql-log'] && server !== 'embedded') fail('--sql-log needs the embedded server (unset DATABASE_URL)');
    const suffix = randomBytes(4).toString('hex');
    const nameA = `clm_bench_api_${suffix}`;
    const nameB = `clm_bench_copy_${suffix}`;
    const urlA = databaseUrl(serverUrl, nameA);
    const urlB = databaseUrl(serverUrl, nameB);
    const serverVersion = await withClient(serverUrl, async (client) => {
      for (const name of [nameA, nameB]) {
        await client.query(`CREATE DATABASE ${name}`);
        cleanups.push(() => withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
      }
      return (await client.query('SHOW server_version')).rows[0].server_version;
    });

    if (flags['sql-log']) {
      await withClient(serverUrl, async (client) => {
        await client.query(`ALTER DATABASE ${nameA} SET log_min_duration_statement = 0`);
        await client.query(`ALTER DATABASE ${nameA} SET log_parameter_max_length = 0`);
      });
    }

    // --- API run (db A)
    const key = adminKey();
    let cpuProfDir = null;
    if (flags['cpu-prof']) {
      cpuProfDir = path.resolve(flags['cpu-prof']);
      await mkdir(cpuProfDir, { recursive: true });
    }
    log('starting the API');
    const api = await startApi({ url: urlA, key, cpuProfDir });
    let apiStopped = false;
    cleanups.push(async () => {
      if (!apiStopped) await api.stop();
    });
    const model = await graphql(api.graphqlUrl, key, JSON.stringify({ query: '{ lifecycleModel { name rules { id } } }' }));
    log(`lifecycle model: ${model.lifecycleModel.name} (${model.lifecycleModel.rules.length} rules)`);

    if (warmupBatches.length > 0) {
      log(`warm-up: ${warmupBatches.length} batches`);
      await runPool(warmupBatches, options.concurrency, (batch) => postBatch(api.graphqlUrl, key, batch));
    }
    await checkpoint(urlA);
    log(`API: ${batches.length} batches, ${options.concurrency} in flight`);
    const latencies = [];
    const clientStats = { retries: 0, retried: [] };
    sqlLog.start();
    const apiStart = performance.now();
    await runPool(batches, options.concurrency, async (batch) => {
      const started = performance.now();
      await postBatch(api.graphqlUrl, key, batch, clientStats);
      latencies.push(performance.now() - started);
    }).catch((error) => {
      const output = api.output();
      error.message += `\n--- API output (tail) ---\n${output.slice(-3000)}`;
      if (output.includes('RetryTransaction')) {
        error.message +=
          '\n--- The ingest transaction gave up after its retries (RetryTransaction): concurrent batches creating the same new customers. ' +
          'Known issue, see bench/README.md; --retries N resends such batches, --concurrency 1 avoids the contention.';
      }
      throw error;
    });
    const apiSeconds = (performance.now() - apiStart) / 1000;
    const sqlTiming = sqlLog.stop();
    latencies.sort((a, b) => a - b);

    const apiCounts = await withClient(urlA, async (client) => {
      const touchpoints = Number(
        (await client.query(`SELECT count(*) FROM touchpoints WHERE message_id LIKE $1`, [`bench-s${options.seed}-%`])).rows[0].count,
      );
      const customers = Number((await client.query(`SELECT count(*) FROM customers WHERE external_id LIKE 'c-%'`)).rows[0].count);
      const byCause = await client.query(
        `SELECT st.cause, count(*)::int AS n FROM stage_transitions st JOIN customers c ON c.id = st.customer_id
          WHERE c.external_id LIKE 'c-%' GROUP BY st.cause ORDER BY st.cause`,
      );
      const byStage = await client.query(
        `SELECT coalesce(stage, '(none)') AS stage, count(*)::int AS n FROM customers WHERE external_id LIKE 'c-%' GROUP BY 1 ORDER BY 2 DESC`,
      );
      return {
        touchpoints,
        customers,
        transitionsByCause: Object.fromEntries(byCause.rows.map((row) => [row.cause, row.n])),
        customersByStage: Object.fromEntries(byStage.rows.map((row) => [row.stage, row.n])),
      };
    });
    const transitions = Object.values(apiCounts.transitionsByCause).reduce((sum, n) => sum + n, 0);
    if (apiCounts.touchpoints !== rows.length)
      throw new Error(`the API database holds ${apiCounts.touchpoints} bench touchpoints, expected ${rows.length}`);
    const exit = await api.stop();
    apiStopped = true;
    if (exit.code !== 0 && exit.code !== null) {
      log(
        api.output().includes('shutdown took too long')
          ? `API exit code ${exit.code}: its graceful shutdown timed out (known issue, see README)`
          : `API exited with ${JSON.stringify(exit)}:\n${api.output().slice(-3000)}`,
      );
    }
    // Read after the API's connections closed, so their statistics are flushed.
    const dbStats = await withClient(serverUrl, async (client) => {
      const row = (
        await client.query(
          'SELECT xact_commit::int AS commits, xact_rollback::int AS rollbacks, deadlocks::int FROM pg_stat_database WHERE datname = $1',
          [nameA],
        )
      ).rows[0];
      return row ?? null;
    });
    const apiErrors = (api.output().match(/"level":50/g) ?? []).length;

    // --- baseline (db B), migrated exactly as the API migrates
    log('baseline: migrating and inserting customers (untimed)');
    const dataSource = createDataSource(urlB, 2);
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'all' });
    await dataSource.destroy();
    const customerIds = new Map();
    for (const row of rows) if (!customerIds.has(row.externalId)) customerIds.set(row.externalId, randomUUID());
    await withClient(urlB, async (client) => {
      for (const part of chunk([...customerIds], 5000)) {
        await client.query(`INSERT INTO customers (id, external_id) SELECT * FROM unnest($1::uuid[], $2::text[])`, [
          part.map(([, id]) => id),
          part.map(([externalId]) => externalId),
        ]);
      }
      await client.query('VACUUM ANALYZE customers');
    });
    const method = copyFrom ? 'COPY' : 'unnest INSERT';
    const copyBatches = batches.map((batch) => ({ rows: batch.rows, buffer: copyFrom ? copyLines(batch.rows, customerIds) : null }));
    const truncate = () => withClient(urlB, (client) => client.query('TRUNCATE touchpoints'));
    const countB = () => withClient(urlB, async (client) => Number((await client.query('SELECT count(*) FROM touchpoints')).rows[0].count));

    // Per batch: one COPY (its own transaction) per batch, the same concurrency as the API run.
    const clients = [];
    for (let i = 0; i < options.concurrency; i++) {
      const client = new pg.Client({ connectionString: urlB, application_name: 'clm-bench' });
      await client.connect();
      clients.push(client);
    }
    await checkpoint(urlB);
    log(`baseline: ${method} per batch, ${options.concurrency} connections`);
    let started = performance.now();
    await runPool(copyBatches, options.concurrency, (batch, slot) =>
      copyFrom ? copyBuffers(clients[slot], [batch.buffer]) : unnestInsert(clients[slot], batch.rows, customerIds),
    );
    const perBatchSeconds = (performance.now() - started) / 1000;
    await Promise.all(clients.map((client) => client.end()));
    if ((await countB()) !== rows.length) throw new Error('baseline (per batch) did not store every row');

    // One stream: every row in a single COPY on one connection.
    await truncate();
    await checkpoint(urlB);
    log(`baseline: ${method === 'COPY' ? 'one COPY stream' : 'unnest INSERT per batch, one connection'}`);
    started = performance.now();
    await withClient(urlB, async (client) => {
      if (copyFrom)
        await copyBuffers(
          client,
          copyBatches.map((batch) => batch.buffer),
        );
      else for (const batch of copyBatches) await unnestInsert(client, batch.rows, customerIds);
    });
    const singleSeconds = (performance.now() - started) / 1000;
    if ((await countB()) !== rows.length) throw new Error('baseline (one stream) did not store every row');

    // --- report
    const distChanged = apiBuild().distSha256 !== buildAtStart.distSha256;
    if (distChanged) log('WARNING: apps/api/dist changed during this run (rebuilt by someone else?): the numbers mix two builds');
    const n = rows.length;
    const apiRate = n / apiSeconds;
    const perBatchRate = n / perBatchSeconds;
    const singleRate = n / singleSeconds;
    const result = {
      benchmark: 'ingest',
      timestamp: new Date().toISOString(),
      apiBuild: { ...buildAtStart, changedDuringRun: distChanged },
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, node: process.version, postgres: serverVersion, server },
      workload: {
        touchpoints: n,
        customers: options.customers,
        batchSize: options.batch,
        concurrency: options.concurrency,
        warmupBatches: warmupBatches.length,
        retriesAllowed: options.retries,
        seed: options.seed,
        types: typeMix,
      },
      api: {
        seconds: round(apiSeconds, 3),
        touchpointsPerSecond: round(apiRate, 1),
        batchLatencyMs: {
          p50: round(percentile(latencies, 50), 1),
          p95: round(percentile(latencies, 95), 1),
          max: round(latencies.at(-1), 1),
        },
        lifecycleModel: model.lifecycleModel.name,
        customersCreated: apiCounts.customers,
        transitionsWritten: transitions,
        transitionsByCause: apiCounts.transitionsByCause,
        clientRetries: clientStats.retries,
        retriedBatches: [...new Set(clientStats.retried)].length,
        apiErrorsLogged: apiErrors,
        database: dbStats,
        ...(sqlTiming ? { serverSideSql: sqlTiming } : {}),
        customersByStage: apiCounts.customersByStage,
      },
      baseline: {
        method,
        perBatch: {
          description: `${method} per ${options.batch}-row batch, ${options.concurrency} connections, one transaction per batch`,
          seconds: round(perBatchSeconds, 3),
          touchpointsPerSecond: round(perBatchRate, 1),
        },
        singleStream: {
          description: method === 'COPY' ? 'one COPY of all rows on one connection' : 'unnest INSERT per batch on one connection',
          seconds: round(singleSeconds, 3),
          touchpointsPerSecond: round(singleRate, 1),
        },
      },
      ratio: { perBatch: round(apiRate / perBatchRate, 3), singleStream: round(apiRate / singleRate, 3) },
    };

    const pad = (value, width) => String(value).padStart(width);
    const line = (label, seconds, rate, ratio) =>
      `  ${label.padEnd(34)}${pad(seconds.toFixed(2), 9)} s${pad(Math.round(rate).toLocaleString('en-US'), 12)} /s${ratio === null ? '' : pad(ratio.toFixed(3), 10)}`;
    process.stdout.write(
      [
        '',
        `clm ingest benchmark (${result.machine.cpus} CPUs, node ${process.version}, PostgreSQL ${serverVersion}, ${server})`,
        `  API build ${buildAtStart.distSha256} (git ${buildAtStart.gitHead}${buildAtStart.sourceChangedSinceHead ? '+changes' : ''}, dist ${buildAtStart.distBuiltAt})${distChanged ? '  ** dist changed during the run **' : ''}`,
        `  touchpoints ${n.toLocaleString('en-US')}   customers ${options.customers.toLocaleString('en-US')}   batch ${options.batch}   concurrency ${options.concurrency}   model ${model.lifecycleModel.name}`,
        '',
        `  ${''.padEnd(34)}${pad('time', 11)}${pad('rate', 15)}${pad('API/this', 10)}`,
        line('API recordTouchpoints', apiSeconds, apiRate, null),
        line(`${method} per batch (${options.concurrency} conns)`, perBatchSeconds, perBatchRate, result.ratio.perBatch),
        line(method === 'COPY' ? 'COPY one stream' : `${method} (1 conn)`, singleSeconds, singleRate, result.ratio.singleStream),
        '',
        `  ratio (API rate / ${method} per-batch rate): ${result.ratio.perBatch.toFixed(3)}`,
        `  batch latency p50 ${result.api.batchLatencyMs.p50} ms, p95 ${result.api.batchLatencyMs.p95} ms`,
        `  whole-batch failures resent: ${clientStats.retries} (--retries ${options.retries}); db A: ${dbStats?.commits} commits, ${dbStats?.rollbacks} rollbacks, ${dbStats?.deadlocks} deadlocks`,
        `  transitions written: ${transitions.toLocaleString('en-US')} (${Object.entries(apiCounts.transitionsByCause)
          .map(([cause, count]) => `${cause} ${count}`)
          .join(', ')})`,
        '',
      ].join('\n'),
    );
    const resultsDir = path.join(HERE, 'results');
    await mkdir(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `ingest-${result.timestamp.replace(/[:.]/g, '-')}.json`);
    await writeFile(file, JSON.stringify(result, null, 2) + '\n');
    const shown = path.relative(process.cwd(), file);
    process.stdout.write(`  result: ${shown.startsWith('..') ? file : shown}\n`);
    if (sqlTiming) {
      process.stdout.write(
        `\n  server-side SQL time during the API run (${sqlTiming.statements} statements, ${sqlTiming.totalMs.toFixed(0)} ms summed over connections):\n`,
      );
      for (const entry of sqlTiming.byStatement.slice(0, 12)) {
        process.stdout.write(
          `  ${pad(entry.totalMs.toFixed(0), 8)} ms ${pad(entry.count, 6)}x ${pad(entry.meanMs.toFixed(2), 8)} ms/each  ${entry.statement}\n`,
        );
      }
    }
    if (cpuProfDir) process.stdout.write(`  API CPU profile: ${cpuProfDir}\n`);
  } finally {
    if (!interrupted) await cleanup();
  }
}

function round(value, digits) {
  if (value === null || value === undefined) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

main().catch((error) => {
  process.stderr.write(`bench: FAILED: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
