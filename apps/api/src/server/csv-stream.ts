import type { Response } from 'express';
import type { PoolClient } from 'pg';
import type { Db } from '../database/db';
import { sql } from '../database/sql';
import type { SqlFragment } from '../database/sql';

/*
 * Streaming a query's rows to an HTTP response as CSV: a server-side cursor
 * in one read-only transaction, fetched a batch at a time as the client takes
 * them (the response's backpressure), with the connection released on every
 * path. The exports (csv-export.ts) say what to read and how a row is written.
 */

/** Rows fetched from the cursor per round trip (about 1 MB of CSV for typical customers). */
const FETCH_ROWS = 1000;

/**
 * Streams a query's rows as CSV through a server-side cursor, in one
 * read-only transaction (one snapshot from the first row to the last).
 *
 * The connection is released on every path: done, failed, or the client
 * gone (noticed when the response closes; the batch in flight finishes, then
 * the transaction is rolled back and the connection returned to the pool).
 * Errors before the first byte (a bad query) reach the caller with no header
 * sent; later ones cut the response short (the caller's error handler).
 */
export async function streamCursor(
  db: Db,
  query: SqlFragment,
  response: Response,
  output: { filename: string; header: string; record: (row: Array<string | null>) => string; stallMs: number },
): Promise<void> {
  await db.withConnection(async (client, markBroken) => {
    // The server may drop the connection while the export waits for the client to read: that must not end the process.
    client.on('error', markBroken);
    try {
      await streamOn(client, query, response, output);
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        markBroken(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
      });
      throw error;
    } finally {
      client.removeListener('error', markBroken);
    }
  });
}

/** The transaction and the cursor on one connection: a batch is fetched only once the client has taken the one before. */
async function streamOn(
  client: PoolClient,
  query: SqlFragment,
  response: Response,
  output: { filename: string; header: string; record: (row: Array<string | null>) => string; stallMs: number },
): Promise<void> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const { text, values } = sql`DECLARE csv_export NO SCROLL CURSOR FOR ${query}`.render();
  await client.query({ text, values });
  sendCsvHeaders(response, output.filename);
  let pending = output.header;
  for (;;) {
    if (response.destroyed) break;
    const batch = await client.query<Array<string | null>>({ text: `FETCH ${FETCH_ROWS} FROM csv_export`, rowMode: 'array' });
    for (const row of batch.rows) pending += output.record(row);
    if (!response.write(pending)) await drained(response, output.stallMs);
    pending = '';
    if (batch.rows.length < FETCH_ROWS) break;
  }
  await client.query(response.destroyed ? 'ROLLBACK' : 'COMMIT');
  if (!response.destroyed) response.end();
}

/** Resolves once the response wants more, or has closed; a client that takes nothing for `stallMs` is cut off. */
function drained(response: Response, stallMs: number): Promise<void> {
  // A client that left while the batch was fetched: its 'close' has already been emitted.
  if (response.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    const timer = setTimeout(() => {
      response.destroy();
      done();
    }, stallMs);
    response.on('drain', done);
    response.on('close', done);
  });
}

/** The headers of a CSV download named `filename`, status 200. */
export function sendCsvHeaders(response: Response, filename: string): void {
  response.status(200);
  response.setHeader('content-type', 'text/csv; charset=utf-8');
  response.setHeader('content-disposition', `attachment; filename="${filename}"`);
  response.setHeader('cache-control', 'no-store');
  response.setHeader('x-content-type-options', 'nosniff');
}
