import { ClmError } from '../../server/errors';

/**
 * A position in an append-only log table: the writing transaction's id, then
 * the row id. Positions are totally ordered, and every row that can still
 * appear has a position above anything already read (see event-log.ts).
 */
export type LogPosition = { txId: bigint; id: bigint };

export function comparePositions(left: LogPosition, right: LogPosition): number {
  if (left.txId !== right.txId) return left.txId < right.txId ? -1 : 1;
  if (left.id !== right.id) return left.id < right.id ? -1 : 1;
  return 0;
}

export function maxPosition(left: LogPosition, right: LogPosition): LogPosition {
  return comparePositions(left, right) >= 0 ? left : right;
}

/** The opaque cursor clients keep: base64url of `txId.id`. */
export function encodeCursor(position: LogPosition): string {
  return Buffer.from(`${position.txId}.${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): LogPosition {
  const match = /^(\d{1,20})\.(\d{1,20})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new ClmError('INVALID_CURSOR', `${field}: not a cursor returned by this API`, { field });
  return { txId: BigInt(match[1]), id: BigInt(match[2]) };
}

export const LOG_START: LogPosition = { txId: 0n, id: 0n };
