import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { DEFAULT_WORK_LIMITS } from './database/work-kinds';
import type { ReadReplicaOptions } from './database/read-replica';
import type { WorkLimits } from './database/work-kinds';

/**
 * The one place that reads `process.env`. Everything is validated together at
 * boot; a bad value stops start-up with a message naming the variable.
 */
/** /v1 requests held at once by default: 64 × at most 500 KB of body. */
export const DEFAULT_V1_MAX_PENDING = 64;

const booleanFlag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no'])
  .transform((value) => value === '1' || value === 'true' || value === 'yes');

/**
 * CSV exports: a client reading slower than `minKbPerSecond` over any
 * `rateWindowSeconds`, or still reading after `maxSeconds`, is cut off and
 * its slot freed (slots: CLM_EXPORT_CONNECTIONS).
 */
export type ExportLimits = { maxSeconds: number; minKbPerSecond: number; rateWindowSeconds: number };
export const DEFAULT_EXPORT_LIMITS: ExportLimits = { maxSeconds: 600, minKbPerSecond: 16, rateWindowSeconds: 30 };

/**
 * The BI role's own limits, set on the role (`ALTER ROLE clm_bi …`) at every
 * start-up: statement and idle-in-transaction timeouts (0: none), the temp
 * files one session may write (MB, -1: unlimited) and the connections it may
 * hold at once (-1: unlimited).
 */
export type BiLimits = { statementTimeoutMs: number; idleInTransactionMs: number; tempFileLimitMb: number; connectionLimit: number };
export const DEFAULT_BI_LIMITS: BiLimits = {
  statementTimeoutMs: 60_000,
  idleInTransactionMs: 60_000,
  tempFileLimitMb: 1024,
  connectionLimit: 5,
};

/** An entry of CLM_WEBHOOK_ALLOW: a host name, an IPv4 or IPv6 address, or either with a /prefix. */
const WEBHOOK_ALLOW_ENTRY =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9.]+(?:\/\d{1,2})?|[0-9A-Fa-f:.]+(?:\/\d{1,3})?)$/;

/**
 * The per-core defaults of the gate on expensive work (server/expensive-work.ts), from the cores Node may use: one
 * operation at once per two cores, and their running time, summed, a quarter of the cores' time. The rest is for
 * ingest, ordinary reads, the projections and the database's own work (measured with bench/ hostile on 2 cores).
 */
export function expensiveDefaults(cores: number): { perInstance: number; busyShare: number } {
  return { perInstance: Math.max(1, Math.floor(cores / 2)), busyShare: cores / 4 };
}
export const DEFAULT_EXPENSIVE_BURST_SECONDS = 10;
/** Refusals a key may collect per minute, and at once, before every request of it is refused at the door. */
export const DEFAULT_KEY_REFUSALS = { perMinute: 60, burst: 10 };
/** The longest one GraphQL request may take in all, whatever its statements (0: no limit). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** The read replica's lag limit (beyond it reads go to the primary) and how often its lag is measured. */
export const DEFAULT_READ_REPLICA = { maxLagSeconds: 10, checkSeconds: 1 };

/** A time limit in milliseconds; 0 turns it off. */
const milliseconds = (fallback: number) => z.coerce.number().int().min(0).max(2_147_483_647).default(fallback);
const connections = (fallback: number) => z.coerce.number().int().min(1).max(200).default(fallback);

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  CLM_READ_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  CLM_READ_MAX_LAG_SECONDS: z.coerce.number().min(0).max(86_400).default(DEFAULT_READ_REPLICA.maxLagSeconds),
  CLM_READ_LAG_CHECK_SECONDS: z.coerce.number().min(0.05).max(3600).default(DEFAULT_READ_REPLICA.checkSeconds),
  CLM_DATA_DIR: z.string().min(1).default('.clm/postgres'),
  CLM_ADMIN_KEY: z
    .string()
    .regex(/^clm_[a-z0-9]{8}_[A-Za-z0-9_-]{32,}$/, 'must look like clm_<8 lowercase letters or digits>_<at least 32 characters>')
    .optional(),
  CLM_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
  CLM_INGEST_WRITERS: z.coerce.number().int().min(1).max(64).default(1),
  CLM_V1_MAX_PENDING: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_V1_MAX_PENDING),
  CLM_SWEEP_INTERVAL_MINUTES: z.coerce.number().min(0).default(60),
  CLM_SEGMENT_REFRESH_SECONDS: z.coerce.number().min(0).default(60),
  CLM_PLAYBOOK_SECONDS: z.coerce.number().min(0).default(30),
  CLM_PREDICTION_REFIT_SECONDS: z.coerce.number().min(0).default(86400),
  CLM_PROJECTION_STALL_SECONDS: z.coerce.number().min(1).default(120),
  CLM_PROJECTION_LAG_ROWS: z.coerce.number().int().min(1).default(50000),
  CLM_PROJECTION_LAG_SECONDS: z.coerce.number().min(1).default(300),
  CLM_MAX_DEPTH: z.coerce.number().int().min(1).default(10),
  CLM_MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  CLM_MAX_TOKENS: z.coerce.number().int().min(100).default(5000),
  CLM_MAX_COST: z.coerce.number().int().min(1).default(10000),
  CLM_EXPENSIVE_PER_KEY: z.coerce.number().int().min(1).max(1000).default(2),
  CLM_EXPENSIVE_PER_INSTANCE: z.coerce.number().int().min(1).max(1000).optional(),
  CLM_EXPENSIVE_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  CLM_EXPENSIVE_BUSY_SHARE: z.coerce.number().min(0).max(1000).optional(),
  CLM_EXPENSIVE_BURST_SECONDS: z.coerce.number().min(0).max(3600).default(DEFAULT_EXPENSIVE_BURST_SECONDS),
  CLM_KEY_REFUSALS_PER_MINUTE: z.coerce.number().min(0).max(1_000_000).default(DEFAULT_KEY_REFUSALS.perMinute),
  CLM_KEY_REFUSAL_BURST: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_KEY_REFUSALS.burst),
  CLM_REQUEST_TIMEOUT_MS: milliseconds(DEFAULT_REQUEST_TIMEOUT_MS),
  CLM_METRICS_PARALLEL_WORKERS: z.coerce.number().int().min(0).max(64).default(0),
  CLM_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10000),
  CLM_INTROSPECTION: booleanFlag.default(true),
  CLM_READ_TIMEOUT_MS: milliseconds(DEFAULT_WORK_LIMITS.read.statementTimeoutMs),
  CLM_METRICS_TIMEOUT_MS: milliseconds(DEFAULT_WORK_LIMITS.metrics.statementTimeoutMs),
  CLM_METRICS_CONNECTIONS: connections(DEFAULT_WORK_LIMITS.metrics.connections),
  CLM_EXPORT_TIMEOUT_MS: milliseconds(DEFAULT_WORK_LIMITS.export.statementTimeoutMs),
  CLM_EXPORT_CONNECTIONS: connections(DEFAULT_WORK_LIMITS.export.connections),
  CLM_EXPORT_MAX_SECONDS: z.coerce.number().int().min(1).max(86_400).default(DEFAULT_EXPORT_LIMITS.maxSeconds),
  CLM_EXPORT_MIN_KB_PER_SECOND: z.coerce.number().min(0).default(DEFAULT_EXPORT_LIMITS.minKbPerSecond),
  CLM_EXPORT_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(DEFAULT_EXPORT_LIMITS.rateWindowSeconds),
  CLM_INGEST_TIMEOUT_MS: milliseconds(DEFAULT_WORK_LIMITS.ingest.statementTimeoutMs),
  CLM_INGEST_CONNECTIONS: connections(DEFAULT_WORK_LIMITS.ingest.connections),
  CLM_PROJECTION_TIMEOUT_MS: milliseconds(DEFAULT_WORK_LIMITS.projection.statementTimeoutMs),
  CLM_SWEEP_TIMEOUT_MS: milliseconds(DEFAULT_WORK_LIMITS.sweep.statementTimeoutMs),
  CLM_BACKGROUND_TIMEOUT_MS: milliseconds(DEFAULT_WORK_LIMITS.background.statementTimeoutMs),
  CLM_BI_STATEMENT_TIMEOUT_MS: milliseconds(DEFAULT_BI_LIMITS.statementTimeoutMs),
  CLM_BI_IDLE_IN_TRANSACTION_MS: milliseconds(DEFAULT_BI_LIMITS.idleInTransactionMs),
  CLM_BI_TEMP_FILE_LIMIT_MB: z.coerce.number().int().min(-1).max(1_048_576).default(DEFAULT_BI_LIMITS.tempFileLimitMb),
  CLM_BI_CONNECTION_LIMIT: z.coerce.number().int().min(-1).max(10_000).default(DEFAULT_BI_LIMITS.connectionLimit),
  CLM_BI_PASSWORD: z.string().min(12, 'must be at least 12 characters').max(1000).optional(),
  CLM_DEMO: booleanFlag.optional(),
  CLM_WEBHOOK_ALLOW: z
    .string()
    .max(10_000)
    .transform((text) =>
      text
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    )
    .pipe(
      z.array(z.string().regex(WEBHOOK_ALLOW_ENTRY, 'each entry must be a host name, an IP address or a CIDR range (a.b.c.d/n, x::y/n)')),
    )
    .default([]),
  CLM_WEBHOOK_IDLE_POLL_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | null;
  /**
   * A streaming replica of DATABASE_URL's server (CLM_READ_DATABASE_URL) for query operations, previews, metrics and
   * exports, bypassed while further behind than `maxLagMs`; null: everything on the primary.
   */
  readReplica: ReadReplicaOptions | null;
  dataDir: string;
  /** Whether CLM_DATA_DIR was set (then the folder is used as given, never moved). */
  dataDirExplicit: boolean;
  adminKey: string | null;
  poolSize: number;
  /** Ingest transactions one instance runs at once. */
  ingestWriters: number;
  sweepIntervalMinutes: number;
  /** How often every segment is re-evaluated as time passes; 0 turns it off. */
  segmentRefreshSeconds: number;
  /** How often playbooks' delays and time triggers are run (also at once after a trigger without delay); 0 turns them off. */
  playbookSeconds: number;
  /** How often the prediction models are refitted (default daily); 0 turns it off. */
  predictionRefitSeconds: number;
  limits: OperationLimits;
  /** When /readyz and the log call a projection stalled (503) or lagging (reported, still ready). */
  projectionHealth: { stallSeconds: number; lagRows: number; lagSeconds: number };
  expensiveWork: ExpensiveWorkLimits;
  /** /v1 requests one instance holds at once (reading, waiting for the ingest writer, writing); more get 429. */
  v1MaxPending: number;
  /** The longest one GraphQL request (HTTP, or a query or mutation over WebSocket) may take in all; 0: no limit. */
  requestTimeoutMs: number;
  /** Statement time limit and connections per kind of work (database/work-kinds.ts). */
  work: WorkLimits;
  exports: ExportLimits;
  bi: BiLimits;
  shutdownGraceMs: number;
  introspection: boolean;
  /** The password of the read-only `clm_bi` role (BI tools); without it the role cannot log in. */
  biPassword: string | null;
  /** Webhooks: hosts and ranges allowed although private (development receivers), and how often an idle instance looks for work. */
  webhooks: { allow: string[]; idlePollSeconds: number };
  /** Load the demo business into an empty database and keep it moving: CLM_DEMO, or by default only on the embedded database. */
  demo: boolean;
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  /** Readable log lines on a terminal, JSON otherwise (`auto`), or always one of them. */
  logFormat: z.infer<typeof environmentSchema>['LOG_FORMAT'];
};

/** Bounds applied to every GraphQL operation, over HTTP and WebSocket alike. */
export type OperationLimits = { maxDepth: number; maxAliases: number; maxTokens: number; maxCost: number };

/**
 * Expensive operations (previews, segment definitions, metrics, metrics.csv)
 * running at once: per API key and per instance; the rest wait up to
 * `waitMs`, then are refused with a retry hint.
 */
export type ExpensiveWorkLimits = {
  perKey: number;
  perInstance: number;
  waitMs: number;
  /** Seconds of expensive work per second the instance allows, summed over its slots (absent or 0: no budget). */
  busyShare?: number;
  /** The most of that budget saved up for a burst, in seconds. */
  burstSeconds?: number;
  /** Refusals a key may collect per minute before it is refused at the door (absent or 0: no limit). */
  refusalsPerMinute?: number;
  /** Refusals a key may collect at once (default: refusalsPerMinute). */
  refusalBurst?: number;
};

export class ConfigError extends Error {}

/** Reads and validates the whole configuration; throws ConfigError naming every bad variable. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): Config {
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const env = parsed.data;
  return {
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL ?? null,
    readReplica:
      env.CLM_READ_DATABASE_URL === undefined
        ? null
        : {
            url: env.CLM_READ_DATABASE_URL,
            maxLagMs: env.CLM_READ_MAX_LAG_SECONDS * 1000,
            checkEveryMs: env.CLM_READ_LAG_CHECK_SECONDS * 1000,
          },
    dataDir: env.CLM_DATA_DIR,
    dataDirExplicit: present.CLM_DATA_DIR !== undefined,
    adminKey: env.CLM_ADMIN_KEY ?? null,
    poolSize: env.CLM_POOL_SIZE,
    ingestWriters: env.CLM_INGEST_WRITERS,
    sweepIntervalMinutes: env.CLM_SWEEP_INTERVAL_MINUTES,
    segmentRefreshSeconds: env.CLM_SEGMENT_REFRESH_SECONDS,
    playbookSeconds: env.CLM_PLAYBOOK_SECONDS,
    predictionRefitSeconds: env.CLM_PREDICTION_REFIT_SECONDS,
    limits: { maxDepth: env.CLM_MAX_DEPTH, maxAliases: env.CLM_MAX_ALIASES, maxTokens: env.CLM_MAX_TOKENS, maxCost: env.CLM_MAX_COST },
    projectionHealth: {
      stallSeconds: env.CLM_PROJECTION_STALL_SECONDS,
      lagRows: env.CLM_PROJECTION_LAG_ROWS,
      lagSeconds: env.CLM_PROJECTION_LAG_SECONDS,
    },
    v1MaxPending: env.CLM_V1_MAX_PENDING,
    expensiveWork: {
      perKey: env.CLM_EXPENSIVE_PER_KEY,
      perInstance: env.CLM_EXPENSIVE_PER_INSTANCE ?? expensiveDefaults(cores).perInstance,
      waitMs: env.CLM_EXPENSIVE_WAIT_MS,
      busyShare: env.CLM_EXPENSIVE_BUSY_SHARE ?? expensiveDefaults(cores).busyShare,
      burstSeconds: env.CLM_EXPENSIVE_BURST_SECONDS,
      refusalsPerMinute: env.CLM_KEY_REFUSALS_PER_MINUTE,
      refusalBurst: env.CLM_KEY_REFUSAL_BURST,
    },
    requestTimeoutMs: env.CLM_REQUEST_TIMEOUT_MS,
    work: {
      read: { statementTimeoutMs: env.CLM_READ_TIMEOUT_MS, connections: env.CLM_POOL_SIZE },
      metrics: {
        statementTimeoutMs: env.CLM_METRICS_TIMEOUT_MS,
        connections: env.CLM_METRICS_CONNECTIONS,
        parallelWorkers: env.CLM_METRICS_PARALLEL_WORKERS,
      },
      export: { statementTimeoutMs: env.CLM_EXPORT_TIMEOUT_MS, connections: env.CLM_EXPORT_CONNECTIONS },
      // Each writer holds a connection for its transaction, and creating a batch's new customers takes one more.
      ingest: {
        statementTimeoutMs: env.CLM_INGEST_TIMEOUT_MS,
        connections: Math.max(env.CLM_INGEST_CONNECTIONS, env.CLM_INGEST_WRITERS + 1),
      },
      projection: { statementTimeoutMs: env.CLM_PROJECTION_TIMEOUT_MS, connections: DEFAULT_WORK_LIMITS.projection.connections },
      sweep: { statementTimeoutMs: env.CLM_SWEEP_TIMEOUT_MS, connections: DEFAULT_WORK_LIMITS.sweep.connections },
      background: { statementTimeoutMs: env.CLM_BACKGROUND_TIMEOUT_MS, connections: DEFAULT_WORK_LIMITS.background.connections },
      control: DEFAULT_WORK_LIMITS.control,
    },
    exports: {
      maxSeconds: env.CLM_EXPORT_MAX_SECONDS,
      minKbPerSecond: env.CLM_EXPORT_MIN_KB_PER_SECOND,
      rateWindowSeconds: env.CLM_EXPORT_RATE_WINDOW_SECONDS,
    },
    bi: {
      statementTimeoutMs: env.CLM_BI_STATEMENT_TIMEOUT_MS,
      idleInTransactionMs: env.CLM_BI_IDLE_IN_TRANSACTION_MS,
      tempFileLimitMb: env.CLM_BI_TEMP_FILE_LIMIT_MB,
      connectionLimit: env.CLM_BI_CONNECTION_LIMIT,
    },
    shutdownGraceMs: env.CLM_SHUTDOWN_GRACE_MS,
    introspection: env.CLM_INTROSPECTION,
    biPassword: env.CLM_BI_PASSWORD ?? null,
    webhooks: { allow: env.CLM_WEBHOOK_ALLOW, idlePollSeconds: env.CLM_WEBHOOK_IDLE_POLL_SECONDS },
    demo: env.CLM_DEMO ?? env.DATABASE_URL === undefined,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
  };
}
