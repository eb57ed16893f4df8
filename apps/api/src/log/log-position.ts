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
 * xmax and not in xip.
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
  return snapshot !== null && position.txId < snapshot.xmax && !snapshot.xip.includes(position.txId);
}

/** The cursor after delivering the row at `position`; the snapshot is dropped once the stream is past it. */
export function advance(cursor: LogCursor, position: LogPosition): LogCursor {
  const snapshot = cursor.snapshot && position.txId < cursor.snapshot.xmax ? cursor.snapshot : null;
  return { position, snapshot };
}

/** The opaque cursor clients keep: base64url of `txId.id`, plus `~xmin:xmax:xip` while a snapshot applies. */
export function encodeCursor(cursor: LogCursor): string {
  const { position, snapshot } = cursor;
  const suffix = snapshot ? `~${snapshot.xmin}:${snapshot.xmax}:${snapshot.xip.join(',')}` : '';
  return Buffer.from(`${position.txId}.${position.id}${suffix}`).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): LogCursor {
  const match = /^(\d{1,20})\.(\d{1,20})(?:~(\d{1,20}:\d{1,20}:(?:\d{1,20}(?:,\d{1,20})*)?))?$/.exec(
    Buffer.from(cursor, 'base64url').toString('utf8'),
  );
  if (!match) throw invalidCursor(field);
  return { position: { txId: BigInt(match[1]), id: BigInt(match[2]) }, snapshot: match[3] ? parseSnapshot(match[3]) : null };
}
