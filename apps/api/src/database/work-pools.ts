import { Pool } from 'pg';
import type { PoolClient } from 'pg';
import { abortedWork, queryTimeout } from './database.errors';
import { sqlState } from './pg-errors';
import { ReplicaMonitor } from './read-replica';
import type { ReadReplicaOptions, ReplicaHealth, Server } from './read-replica';
import { DEFAULT_WORK_LIMITS, WORK_KIND_NAMES } from './work-kinds';
import type { WorkKind, WorkLimits } from './work-kinds';

/*
 * The connections behind a Db: one pg pool per kind of work (work-kinds.ts),
 * each opened with its kind's time limits; the scope a Db view carries, which
 * says which kind a statement runs as and whose client leaving cancels it; and
 * the lease of one connection, which sends that cancel. Db (db.ts) builds its
 * statements and transactions on these.
 */

/**
 * Sees a statement's text before it runs, the kind of work of its connection and the server it runs on (tests count
 * statements with it).
 */
export type StatementObserver = (text: string, kind: WorkKind, server: Server) => void;

/** The kinds of work a scope that allows it may run on the read replica: reads that may lag by up to its limit. */
export const REPLICA_KINDS: ReadonlySet<WorkKind> = new Set<WorkKind>(['read', 'metrics', 'export']);

export type DbOptions = {
  url: string;
  /** Connections for interactive reads (CLM_POOL_SIZE); `limits.read.connections` when both are given. */
  poolSize: number;
  /** Time limit and connections per kind of work (work-kinds.ts); the defaults for any kind not given. */
  limits?: Partial<WorkLimits>;
  /**
   * The longest a transaction of a kind may sit idle (`idle_in_transaction_session_timeout`); by default its
   * statement limit, at least 10 s. Exports wait for their client inside their transaction: theirs is their total time limit.
   */
  idleInTransactionMs?: Partial<Record<WorkKind, number>>;
  /** Called after COMMIT of every transaction that appended to a log. */
  onLogAppended?: () => void;
  /** Called after a commit hook throws (they run after the caller's transaction is final). */
  onError?: (error: unknown) => void;
  /** A streaming replica the reads of scopes that allow it go to while it keeps up (CLM_READ_DATABASE_URL). */
  readReplica?: ReadReplicaOptions | null;
  /** Something an operator should know (the read replica bypassed or back), for the log. */
  onNotice?: (message: string, details: Record<string, unknown>) => void;
};

/**
 * The request (or job) statements run for: its kind of work, which chooses
 * the connections and the time limit, and the signal that fires when its
 * client leaves, which cancels its statements in flight at once (the server
 * would otherwise run them to the end for nobody). `kind` may change once the
 * request says what it is (a GraphQL operation is classified after parsing);
 * each statement takes the kind it has when the statement starts.
 *
 * A scope is handed on explicitly, as the Db view made by `Db.inScope`, never
 * found from the code running: an AsyncLocalStorage would put a hook on every
 * promise of the process on Node 20 and 22 (about 5% of a read's CPU).
 */
export class WorkScope {
  /**
   * The server this scope's reads went to, once one of them has run: the rest follow it, so the parts of one
   * response (a metric and its `exactUpTo`) come from one server even should the replica be bypassed meanwhile.
   */
  readServer: Server | null = null;
  /**
   * A WAL position the client has written up to (x-clm-read-after, from an earlier response's x-clm-wal-position):
   * the replica serves this scope only once it has replayed that far, so a client reads its own writes.
   */
  readAfter: bigint | null = null;

  constructor(
    public kind: WorkKind,
    readonly signal: AbortSignal | null = null,
    /**
     * Whether its reads may go to the read replica (a query operation, an export): work that writes, or reads what it
     * has just written (a mutation returning what it changed), runs on the primary. May change until each statement starts.
     */
    public replicaReads = false,
  ) {}
}

/** What every view of one Db shares: the pools (opened on first use) and the hooks. */
export class DbShared {
  private readonly pools = new Map<WorkKind, Pool>();
  private readonly replicaPools = new Map<WorkKind, Pool>();
  /** The read replica's lag and whether it is in use; null without one. */
  readonly replica: ReplicaMonitor | null;
  /** Every connection opened and not yet closed, across the pools. */
  private readonly open = new Set<PoolClient>();
  private ended = false;
  observe: StatementObserver | undefined;
  onLogAppended: () => void;
  readonly onError: (error: unknown) => void;
  readonly limits: WorkLimits;
  private readonly idleInTransactionMs: Partial<Record<WorkKind, number>>;

  private readonly url: string;
  private readonly replicaUrl: string | null;

  constructor(options: DbOptions) {
    this.url = options.url;
    this.replicaUrl = options.readReplica?.url ?? null;
    this.limits = { ...DEFAULT_WORK_LIMITS, read: { ...DEFAULT_WORK_LIMITS.read, connections: options.poolSize }, ...options.limits };
    this.idleInTransactionMs = options.idleInTransactionMs ?? {};
    this.onLogAppended = options.onLogAppended ?? (() => undefined);
    this.onError = options.onError ?? (() => undefined);
    this.replica = options.readReplica
      ? new ReplicaMonitor(
          () => this.pool('control'),
          () => this.pool('control', 'replica'),
          options.readReplica,
          options.onNotice ?? (() => undefined),
          this.onError,
        )
      : null;
  }

  /** The read replica's health; null without one. */
  replicaHealth(): ReplicaHealth | null {
    return this.replica?.health() ?? null;
  }

  /**
   * Where a statement of `scope` runs: on the replica when the scope allows it, its kind is a read and the replica is
   * in use (or the scope's earlier reads went there), otherwise on the primary.
   */
  serverFor(scope: WorkScope): Server {
    if (this.replica === null || !scope.replicaReads || !REPLICA_KINDS.has(scope.kind)) return 'primary';
    const caughtUp = scope.readAfter === null || this.replica.hasReplayed(scope.readAfter);
    scope.readServer ??= this.replica.usable && caughtUp ? 'replica' : 'primary';
    return scope.readServer;
  }

  /** The pool of `kind` on `server` (opened on first use). */
  pool(kind: WorkKind, server: Server = 'primary'): Pool {
    const pools = server === 'primary' ? this.pools : this.replicaPools;
    const url = server === 'primary' ? this.url : this.replicaUrl;
    let pool = pools.get(kind);
    if (!pool) {
      // A pool opened after end() would never be closed: late work fails instead.
      if (this.ended)
        throw new Error(`the database connections are closed (a statement for ${WORK_KIND_NAMES[kind].label} came after shutdown)`);
      if (url === null) throw new Error('no read replica is configured (CLM_READ_DATABASE_URL)');
      const { statementTimeoutMs, connections, parallelWorkers } = this.limits[kind];
      pool = new Pool({
        connectionString: url,
        max: connections,
        application_name: server === 'primary' ? `clm:${kind}` : `clm:${kind}:replica`,
        // Sent in the start-up packet: the server applies them to every statement on these connections.
        statement_timeout: statementTimeoutMs,
        idle_in_transaction_session_timeout: this.idleLimitMs(kind),
        // LLVM compilation of a large plan cannot be interrupted: with JIT on, a preview of many conditions ran 20 s
        // past a 3 s statement limit, compiling. clm's statements are short and many; JIT would not pay for itself anyway.
        options: `-c jit=off${parallelWorkers === undefined ? '' : ` -c max_parallel_workers_per_gather=${parallelWorkers}`}`,
        // A connection that cannot be had in time fails instead of waiting: /healthz must answer 503 while the
        // database is away, not hang on a connect that never completes or a queue behind cancels.
        ...(kind === 'control' ? { connectionTimeoutMillis: CONTROL_CONNECT_TIMEOUT_MS } : {}),
      });
      // An idle client that loses its server must not crash the process; the next checkout reconnects.
      pool.on('error', (error) => this.onError(error));
      pool.on('connect', (client) => {
        this.open.add(client);
        client.once('end', () => this.open.delete(client));
      });
      pools.set(kind, pool);
    }
    return pool;
  }

  idleLimitMs(kind: WorkKind): number {
    const statementTimeoutMs = this.limits[kind].statementTimeoutMs;
    return this.idleInTransactionMs[kind] ?? (statementTimeoutMs === 0 ? 0 : Math.max(statementTimeoutMs, 10_000));
  }

  /**
   * Closes every pool, and resolves once each connection has really closed: a
   * pool's end() resolves when it has let its clients go, not when their
   * sockets have closed, and a database dropped in between (tests) or a
   * server shutting down would end them with an error nobody listens to.
   */
  async end(): Promise<void> {
    await this.replica?.stop();
    this.ended = true;
    const pools = [...this.pools.values(), ...this.replicaPools.values()];
    this.pools.clear();
    this.replicaPools.clear();
    await Promise.all(pools.map((pool) => pool.end()));
    await Promise.all([...this.open].map((client) => new Promise((resolve) => client.once('end', resolve))));
  }
}

/**
 * One connection checked out for a scope: while it is held, the scope's
 * client leaving cancels its statement in flight (`pg_cancel_backend`, sent
 * on a control connection). A connection a cancel was sent to is closed,
 * never handed to other work: the cancel might otherwise land on their
 * statement.
 */
export class Lease {
  private cancelling: Promise<unknown> | null = null;
  private resend: NodeJS.Timeout | null = null;
  /** Why the server dropped the connection while it was held, if it did. */
  private lost: Error | null = null;
  /**
   * A checked-out pg client emits 'error' when its server goes away (a statement in flight, or none: a cursor
   * read waiting for its reader), and the pool listens only to idle ones: without this listener the process would
   * die with the database. The statement in flight fails on its own; the connection is closed on release.
   */
  private readonly onLost = (error: Error) => {
    this.lost = error;
  };
  private readonly onAbort = () => {
    this.cancel();
    // A cancel that reaches the server before it has read the statement is lost (it cancels nothing while idle):
    // sent again until the statement is over.
    this.resend = setInterval(() => this.cancel(), CANCEL_RESEND_MS);
  };

  constructor(
    readonly client: PoolClient,
    readonly kind: WorkKind,
    private readonly signal: AbortSignal | null,
    private readonly shared: DbShared,
    readonly server: Server = 'primary',
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
    client.on('error', this.onLost);
  }

  /** A statement error as the caller should see it: a time limit or a cancellation as a coded error, anything else as it is. */
  explain(error: unknown): unknown {
    const state = sqlState(error);
    if (state !== '57014' && state !== '25P03') return error;
    if (this.signal?.aborted) return abortedWork(this.signal);
    return state === '57014'
      ? queryTimeout(this.kind, this.shared.limits[this.kind].statementTimeoutMs)
      : queryTimeout(this.kind, this.shared.idleLimitMs(this.kind), 'this request held a transaction idle');
  }

  async release(broken: boolean | Error = false): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.resend) clearInterval(this.resend);
    if (this.cancelling) await this.cancelling;
    // Listened to until the pool has it back: the pool then listens while it is idle, or has ended it.
    this.client.release(this.cancelling ? true : (this.lost ?? broken));
    this.client.removeListener('error', this.onLost);
  }

  private cancel(): void {
    const pid = backendPid(this.client);
    if (pid === null) return;
    const previous = this.cancelling ?? Promise.resolve();
    // The cancel goes to the server the statement runs on: a backend's pid means nothing on the other.
    const sent = this.shared
      .pool('control', this.server)
      .query('SELECT pg_cancel_backend($1)', [pid])
      .catch((error: unknown) => this.shared.onError(error));
    this.cancelling = Promise.all([previous, sent]);
  }
}

/** How long a health check or a cancel waits for a control connection before it fails (the database counts as away). */
const CONTROL_CONNECT_TIMEOUT_MS = 2_000;

/** How often a cancel is sent again while the cancelled statement has not ended. */
const CANCEL_RESEND_MS = 250;

/** The server process of a connection (node-postgres keeps it from the start-up; its types do not declare it). */
function backendPid(client: PoolClient): number | null {
  return 'processID' in client && typeof client.processID === 'number' ? client.processID : null;
}
