/*
 * Reading PostgreSQL's errors: their SQLSTATE and detail, and whether one
 * means the database is away. Shared by the pools, transactions, projections
 * and the transports, which each decide what such an error means for them.
 */

/** The SQLSTATE of a PostgreSQL error. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** The `detail` of a PostgreSQL error (which key violated a unique index, for example). */
export function sqlDetail(error: unknown): string {
  if (typeof error !== 'object' || error === null || !('detail' in error)) return '';
  return typeof error.detail === 'string' ? error.detail : '';
}

/** Whether an error means the database cannot be reached now (connection refused or lost, server shutting down). */
export function databaseUnavailable(error: unknown): boolean {
  const state = sqlState(error) ?? '';
  // 53300: the server (or a role) has no connection left for us ("too many clients"); retrying later can succeed.
  if (state.startsWith('08') || state.startsWith('57P') || ['53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(state))
    return true;
  // node-postgres reports a connection lost mid-query without a code, and so the next query on a client it lost while
  // the work awaited something else (a transaction cut by a crash between two statements).
  return (
    error instanceof Error &&
    /^Connection terminated|timeout exceeded when trying to connect|^Client (has encountered a connection error|was closed) and is not queryable/.test(
      error.message,
    )
  );
}
