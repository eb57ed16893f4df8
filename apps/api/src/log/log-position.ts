import { invalidCursor } from '../core/errors';

/**
 * A position in an append-only log table: the writing transaction's id, then
 * the row id. Positions are totally ordered, and every row that can still
 * appear has a position above anything already read (see event-log.ts).
 */
export type LogPosition = { txId: bigint; id: bigint };

/**
 * A PostgreSQL snapshot (`pg_current_snapshot()`): transactions below `xmin`
 * had ended, those in `xip` were in flight, and those at or above `xmax` had
 * not started. A row was committed before the snapshot iff its tx_id is below
 * xmax and not in xip. `xip` is strictly ascending, within [xmin, xmax), as
 * PostgreSQL writes it (and as a cursor must carry it), so looking a
 * transaction up in it is a binary search.
 */
export type Snapshot = { xmin: bigint; xmax: bigint; xip: readonly bigint[] };

/**
 * What a subscriber has seen: every row at or below `position`, and, while
 * the stream has not yet passed it, every row committed before `snapshot`.
 * A subscription that starts "now", or from a query's result, starts from a
 * snapshot; each event then moves the position forward.
 */
export type LogCursor = { position: LogPosition; snapshot: Snapshot | null };

export const LOG_START: LogPosition = { txId: 0n, id: 0n };

export function comparePositions(left: LogPosition, right: LogPosition): number {
  if (left.txId !== right.txId) return left.txId < right.txId ? -1 : 1;
  if (left.id !== right.id) return left.id < right.id ? -1 : 1;
  return 0;
}

export function maxPosition(left: LogPosition, right: LogPosition): LogPosition {
  return comparePositions(left, right) >= 0 ? left : right;
}

/** Parses PostgreSQL's text form of a snapshot, `xmin:xmax:xip1,xip2`. */
export function parseSnapshot(text: string): Snapshot {
  const [xmin, xmax, xip] = text.split(':');
  return { xmin: BigInt(xmin), xmax: BigInt(xmax), xip: xip ? xip.split(',').map((value) => BigInt(value)) : [] };
}

/** The cursor of someone who has seen exactly what was committed before `snapshot`. */
export function cursorAtSnapshot(snapshot: Snapshot): LogCursor {
  return { position: { txId: snapshot.xmin, id: 0n }, snapshot };
}

/** Whether the holder of `cursor` has already seen the row at `position`. */
export function hasSeen(cursor: LogCursor, position: LogPosition): boolean {
  if (comparePositions(position, cursor.position) <= 0) return true;
  const { snapshot } = cursor;
  return snapshot !== null && position.txId < snapshot.xmax && !inFlight(snapshot, position.txId);
}

/** Whether `txId` is in the snapshot's sorted `xip`: a binary search, so a long list costs its logarithm per row. */
function inFlight(snapshot: Snapshot, txId: bigint): boolean {
  const { xip } = snapshot;
  let low = 0;
  let high = xip.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (xip[middle] === txId) return true;
    if (xip[middle] < txId) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/** The cursor after delivering the row at `position`; the snapshot is dropped once the stream is past it. */
export function advance(cursor: LogCursor, position: LogPosition): LogCursor {
  const snapshot = cursor.snapshot && position.txId < cursor.snapshot.xmax ? cursor.snapshot : null;
  return { position, snapshot };
}

/**
 * Transactions in flight a cursor may list: more than a PostgreSQL server
 * runs at once (max_connections + max_prepared_transactions, a few hundred
 * in practice), so no cursor clm hands out is refused.
 */
export const MAX_IN_FLIGHT = 8192;

/** The longest cursor accepted: the log's name, a position and a snapshot with MAX_IN_FLIGHT transactions, in base64url. */
export const MAX_CURSOR_LENGTH = Math.ceil((64 + 17 + 1 + (20 + 1 + 20) + 1 + (20 + 1 + 20 + 1) + MAX_IN_FLIGHT * 21) / 3) * 4;

/** The largest xid8 (unsigned 64 bits) and bigint row id (signed 64 bits). */
const MAX_XID8 = 2n ** 64n - 1n;
const MAX_ROW_ID = 2n ** 63n - 1n;

const NAME = /^[a-z_][a-z0-9_]{0,63}$/;
/** A database's fingerprint in a cursor: 16 hex digits of its identity (see databaseFingerprint). */
const FINGERPRINT = /^[0-9a-f]{16}$/;
const NUMBER = /^\d{1,20}$/;

/**
 * The fingerprint of a database's identity (the `database_identity` row, a
 * random uuid made once per database) that its cursors carry: 16 hex digits.
 */
export function databaseFingerprint(identity: string): string {
  return identity.replace(/-/g, '').slice(0, 16).toLowerCase();
}

/**
 * The opaque cursor clients keep: base64url of `log@database/txId.id`, plus
 * `~xmin:xmax:xip` while a snapshot applies. `log` names the log (its table)
 * so a cursor of one stream is refused by another, and `database` is the
 * fingerprint of the database that handed it out, so a cursor of another
 * database is refused (positions of one database mean nothing in another).
 * Cursors without them (`txId.id…`, `log/txId.id…`, handed out before) are
 * read as before.
 */
export function encodeCursor(cursor: LogCursor, log?: string, database?: string | null): string {
  const { position, snapshot } = cursor;
  const suffix = snapshot ? `~${snapshot.xmin}:${snapshot.xmax}:${snapshot.xip.join(',')}` : '';
  const name = log === undefined ? '' : `${log}${database ? `@${database}` : ''}/`;
  return Buffer.from(`${name}${position.txId}.${position.id}${suffix}`).toString('base64url');
}

/**
 * Reads a cursor made by `encodeCursor`, in time linear in its length, which
 * is at most MAX_CURSOR_LENGTH; refuses (INVALID_CURSOR, naming `field`) one
 * that is malformed, out of range, lists more than MAX_IN_FLIGHT transactions
 * or lists them out of order, names another log than `log`, or was handed
 * out by another database than the one whose fingerprint is `database`.
 */
export function decodeCursor(cursor: string, field = 'after', log?: string, database?: string | null): LogCursor {
  if (cursor.length > MAX_CURSOR_LENGTH)
    throw invalidCursor(field, `longer than ${MAX_CURSOR_LENGTH} characters: not a cursor returned by this API`);
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const slash = text.indexOf('/');
  const label = slash >= 0 ? text.slice(0, slash) : null;
  const at = label === null ? -1 : label.indexOf('@');
  const named = label !== null && at >= 0 ? label.slice(0, at) : label;
  const issuer = label !== null && at >= 0 ? label.slice(at + 1) : null;
  if (named !== null && !NAME.test(named)) throw invalidCursor(field);
  if (issuer !== null && !FINGERPRINT.test(issuer)) throw invalidCursor(field);
  if (named !== null && log !== undefined && named !== log)
    throw invalidCursor(field, `a cursor of another stream (${named}), not of ${log}`);
  if (issuer !== null && database && issuer !== database)
    throw invalidCursor(field, 'a cursor handed out by another database: its positions mean nothing here; subscribe without one');
  const [positionText, snapshotText, ...rest] = text.slice(slash + 1).split('~');
  if (rest.length > 0) throw invalidCursor(field);
  const [txIdText, idText, ...extra] = positionText.split('.');
  if (extra.length > 0 || !NUMBER.test(txIdText ?? '') || !NUMBER.test(idText ?? '')) throw invalidCursor(field);
  const position = { txId: BigInt(txIdText), id: BigInt(idText) };
  if (position.txId > MAX_XID8 || position.id > MAX_ROW_ID)
    throw invalidCursor(field, 'a position out of range: not a cursor returned by this API');
  return { position, snapshot: snapshotText === undefined ? null : cursorSnapshot(snapshotText, field) };
}

/** The snapshot part of a cursor, `xmin:xmax:xip`, checked as PostgreSQL would have written it. */
function cursorSnapshot(text: string, field: string): Snapshot {
  const [xminText, xmaxText, xipText, ...extra] = text.split(':');
  if (extra.length > 0 || xipText === undefined || !NUMBER.test(xminText) || !NUMBER.test(xmaxText)) throw invalidCursor(field);
  const xmin = BigInt(xminText);
  const xmax = BigInt(xmaxText);
  if (xmax > MAX_XID8 || xmin > xmax) throw invalidCursor(field, 'a snapshot out of range: not a cursor returned by this API');
  const parts = xipText === '' ? [] : xipText.split(',', MAX_IN_FLIGHT + 1);
  if (parts.length > MAX_IN_FLIGHT)
    throw invalidCursor(field, `more than ${MAX_IN_FLIGHT} transactions in flight: not a cursor returned by this API`);
  const xip: bigint[] = [];
  for (const part of parts) {
    if (!NUMBER.test(part)) throw invalidCursor(field);
    const txId = BigInt(part);
    // Strictly ascending within [xmin, xmax), as PostgreSQL lists them: what the binary search in hasSeen relies on.
    if (txId < xmin || txId >= xmax || (xip.length > 0 && txId <= xip[xip.length - 1]))
      throw invalidCursor(field, 'a snapshot PostgreSQL cannot have taken: not a cursor returned by this API');
    xip.push(txId);
  }
  return { xmin, xmax, xip };
}
