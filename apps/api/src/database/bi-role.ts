import type { Db } from './db';
import { sqlState } from './db';

/** The BI role's own limits (config.ts `BiLimits`, CLM_BI_*): 0 turns a timeout off, -1 a count. */
export type BiRoleLimits = { statementTimeoutMs: number; idleInTransactionMs: number; tempFileLimitMb: number; connectionLimit: number };

/** The read-only role BI tools log in as (created by the `bi` migration, without LOGIN). */
export const BI_ROLE = 'clm_bi';

/** Why the BI role's password could not be set, in words an operator can act on. */
export class BiRoleError extends Error {}

/**
 * Gives `clm_bi` LOGIN with `password` (CLM_BI_PASSWORD), at every start-up,
 * so changing the variable and restarting changes the password.
 *
 * ALTER ROLE takes no bind parameters, so the password travels as one (into
 * a transaction-local setting) and PostgreSQL itself quotes it as a literal
 * (`format('%L')`): no character of it is ever part of SQL text, and the
 * statement the server logs (the DO block) does not contain it.
 */
export async function applyBiPassword(db: Db, password: string, role = BI_ROLE): Promise<void> {
  plainRole(role);
  try {
    await db.transaction(async (uow) => {
      await uow.query(`SELECT set_config('clm.bi_password', $1, true)`, [password]);
      await uow.execute(`DO $$ BEGIN
        EXECUTE format('ALTER ROLE ${role} WITH LOGIN PASSWORD %L', current_setting('clm.bi_password'));
      END $$`);
    });
  } catch (error) {
    const state = sqlState(error);
    if (state === '42704')
      throw new BiRoleError(
        `CLM_BI_PASSWORD is set but the role ${BI_ROLE} does not exist: the database user could not create it when the migrations ran; ` +
          `create it as a superuser (see README, "BI tools") and restart`,
      );
    if (state === '42501')
      throw new BiRoleError(`CLM_BI_PASSWORD is set but the database user may not change the role ${BI_ROLE} (it needs CREATEROLE)`);
    throw error;
  }
}

function plainRole(role: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error(`not a plain role name: ${role}`);
}

function wholeNumber(value: number, name: string): number {
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be a whole number, not ${value}`);
  return value;
}

/**
 * Confines the BI role, at every start-up (so changing CLM_BI_* and
 * restarting changes it), each limit on its own: one the database user may
 * not set is named in the returned list and the others still apply.
 *
 * - `CONNECTION LIMIT`: the connections the role may hold at once, so BI
 *   tools cannot take the ones clm needs (the server refuses the next with
 *   "too many connections for role").
 * - `temp_file_limit`: the temporary files one of its sessions may write. A
 *   superuser-only setting: a BI session cannot raise it, and setting it on the
 *   role needs a superuser (else it is reported).
 * - `statement_timeout`, `idle_in_transaction_session_timeout` and, on
 *   PostgreSQL 17 and later, `transaction_timeout` (their sum): defaults of
 *   the role's sessions. Any session may change its own, so they bound what a
 *   BI tool does by default; `BiWatchdog` bounds a session that changes them.
 */
export async function applyBiLimits(db: Db, limits: BiRoleLimits, role = BI_ROLE): Promise<string[]> {
  plainRole(role);
  const statementMs = wholeNumber(limits.statementTimeoutMs, 'statementTimeoutMs');
  const idleMs = wholeNumber(limits.idleInTransactionMs, 'idleInTransactionMs');
  const tempMb = wholeNumber(limits.tempFileLimitMb, 'tempFileLimitMb');
  const statements = [
    `ALTER ROLE ${role} CONNECTION LIMIT ${wholeNumber(limits.connectionLimit, 'connectionLimit')}`,
    `ALTER ROLE ${role} SET statement_timeout = ${statementMs}`,
    `ALTER ROLE ${role} SET idle_in_transaction_session_timeout = ${idleMs}`,
    tempMb < 0 ? `ALTER ROLE ${role} SET temp_file_limit = -1` : `ALTER ROLE ${role} SET temp_file_limit = '${tempMb}MB'`,
  ];
  const [{ version }] = await db.query<{ version: number }>(`SELECT current_setting('server_version_num')::int AS version`);
  if (version >= 170000) {
    const transactionMs = statementMs === 0 || idleMs === 0 ? 0 : statementMs + idleMs;
    statements.push(`ALTER ROLE ${role} SET transaction_timeout = ${transactionMs}`);
  }
  const refused: string[] = [];
  for (const statement of statements) {
    try {
      await db.execute(statement);
    } catch (error) {
      const state = sqlState(error);
      if (state !== '42501' && state !== '42704') throw error;
      refused.push(`${statement}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return refused;
}

/**
 * Ends BI sessions on clm's database whose transaction has been open longer than the role's
 * statement and idle limits together, checked every few seconds: a session
 * that lifted its own timeouts (they are only defaults) still cannot hold a
 * snapshot or an xid (which would hold back the live streams and the
 * projections, which read below the oldest transaction in flight) or a lock
 * for longer. Needs the database user to be a superuser or to have
 * `pg_signal_backend` and `pg_read_all_stats`; without them it reports once
 * and stops.
 */
export class BiWatchdog {
  private readonly timer: NodeJS.Timeout | null;
  private readonly role: string;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly limits: BiRoleLimits,
    private readonly onError: (error: unknown) => void,
    options: { intervalMs?: number; role?: string } = {},
  ) {
    this.role = options.role ?? BI_ROLE;
    plainRole(this.role);
    const longest = limits.statementTimeoutMs + limits.idleInTransactionMs;
    this.timer =
      limits.statementTimeoutMs === 0 || limits.idleInTransactionMs === 0 || longest === 0
        ? null
        : setInterval(() => this.tick(), options.intervalMs ?? 5_000);
    this.timer?.unref();
  }

  /** Terminates the role's sessions with a transaction open longer than the limits allow; how many. */
  async check(): Promise<number> {
    const rows = await this.db.query<{ pid: number }>(
      // Materialized first: in one WHERE, nothing would stop the planner from calling pg_terminate_backend on other rows.
      `WITH overdue AS MATERIALIZED (
         SELECT pid FROM pg_stat_activity
          WHERE usename = $1 AND datname = current_database() AND xact_start < clock_timestamp() - make_interval(secs => $2::float8 / 1000))
       SELECT pid FROM overdue WHERE pg_terminate_backend(pid)`,
      [this.role, this.limits.statementTimeoutMs + this.limits.idleInTransactionMs],
    );
    return rows.length;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    this.running = this.check().then(
      () => undefined,
      (error: unknown) => {
        if (this.timer) clearInterval(this.timer);
        this.onError(error);
      },
    );
  }
}

/**
 * Whether the server leaves clm the connections it may open (`clmConnections`,
 * every pool full) beside the BI role's limit: a sentence for the log when it
 * does not, else null. Without a BI limit (-1) the role could take every
 * connection but the reserved ones.
 */
export async function connectionBudgetProblem(db: Db, clmConnections: number, biConnectionLimit: number): Promise<string | null> {
  const [row] = await db.query<{ max: number; reserved: number }>(
    `SELECT current_setting('max_connections')::int AS max,
            current_setting('superuser_reserved_connections')::int
              + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved`,
  );
  const available = row.max - row.reserved;
  if (biConnectionLimit < 0)
    return `${BI_ROLE} has no connection limit (CLM_BI_CONNECTION_LIMIT=-1): BI tools could take the server's ${available} connections and leave clm none`;
  if (clmConnections + biConnectionLimit > available)
    return `clm may open ${clmConnections} connections and ${BI_ROLE} ${biConnectionLimit}, but the server allows ${available} (max_connections less the reserved): lower CLM_BI_CONNECTION_LIMIT or the pools, or raise max_connections`;
  return null;
}
