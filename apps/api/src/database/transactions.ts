import type { DataSource, EntityManager } from 'typeorm';

/** Thrown inside a transaction to roll it back and run it again from the start. */
export class RetryTransaction extends Error {
  constructor(reason = 'a concurrent writer changed what this transaction read') {
    super(reason);
    this.name = 'RetryTransaction';
  }
}

/** deadlock_detected, serialization_failure: PostgreSQL asks the client to retry. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 8;

/**
 * Runs `work` in a READ COMMITTED transaction, retrying it when PostgreSQL
 * reports a deadlock or serialization failure, or when `work` throws
 * RetryTransaction. Resolves only after COMMIT.
 */
export async function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      const retryable = error instanceof RetryTransaction || RETRYABLE_SQLSTATES.has(sqlState(error) ?? '');
      if (!retryable || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

/** The SQLSTATE of a PostgreSQL error, wherever TypeORM put it. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as { code?: unknown; driverError?: { code?: unknown } };
  if (typeof record.code === 'string') return record.code;
  return typeof record.driverError?.code === 'string' ? record.driverError.code : undefined;
}
