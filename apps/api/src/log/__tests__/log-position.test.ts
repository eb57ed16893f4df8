import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ClmError } from '../../core/errors';
import { comparePositions, decodeCursor, encodeCursor, hasSeen, MAX_CURSOR_LENGTH, MAX_IN_FLIGHT } from '../log-position';
import type { LogCursor } from '../log-position';

const raw = (text: string) => Buffer.from(text).toString('base64url');

/** What decoding `cursor` for the transitions log does: the cursor, or the refusal's code and message. */
function outcome(cursor: string): LogCursor | { code: string; message: string } {
  try {
    return decodeCursor(cursor, 'after', 'stage_transitions');
  } catch (error) {
    if (error instanceof ClmError) return { code: error.code, message: error.message };
    throw error;
  }
}

describe('log cursors', () => {
  it('carry the log they belong to, and round-trip with and without a snapshot', () => {
    const plain: LogCursor = { position: { txId: 812n, id: 40n }, snapshot: null };
    const withSnapshot: LogCursor = { position: { txId: 800n, id: 0n }, snapshot: { xmin: 800n, xmax: 815n, xip: [800n, 803n, 811n] } };
    expect(Buffer.from(encodeCursor(plain, 'stage_transitions'), 'base64url').toString()).toBe('stage_transitions/812.40');
    expect(Buffer.from(encodeCursor(withSnapshot, 'stage_transitions'), 'base64url').toString()).toBe(
      'stage_transitions/800.0~800:815:800,803,811',
    );
    expect(decodeCursor(encodeCursor(plain, 'stage_transitions'), 'after', 'stage_transitions')).toEqual(plain);
    expect(decodeCursor(encodeCursor(withSnapshot, 'stage_transitions'), 'after', 'stage_transitions')).toEqual(withSnapshot);
  });

  it('read a cursor handed out before logs were named as before', () => {
    expect(decodeCursor(raw('812.40'), 'after', 'stage_transitions')).toEqual({ position: { txId: 812n, id: 40n }, snapshot: null });
    expect(decodeCursor(raw('5.0~5:9:'), 'after', 'touchpoints')).toEqual({
      position: { txId: 5n, id: 0n },
      snapshot: { xmin: 5n, xmax: 9n, xip: [] },
    });
  });

  it('refuse a cursor of another log, naming both', () => {
    const membership = encodeCursor({ position: { txId: 7n, id: 3n }, snapshot: null }, 'segment_membership_changes');
    expect(outcome(membership)).toEqual({
      code: 'INVALID_CURSOR',
      message: 'after: a cursor of another stream (segment_membership_changes), not of stage_transitions',
    });
  });

  it('refuse what PostgreSQL cannot have written: values out of range, transactions out of order or outside the snapshot', () => {
    const refused = (text: string) => (outcome(raw(text)) as { code?: string }).code;
    expect(refused('18446744073709551616.1')).toBe('INVALID_CURSOR'); // 2^64
    expect(refused('18446744073709551615.9223372036854775808')).toBe('INVALID_CURSOR'); // id 2^63
    expect(refused('18446744073709551615.9223372036854775807')).toBeUndefined();
    expect(refused('5.0~9:5:')).toBe('INVALID_CURSOR'); // xmin > xmax
    expect(refused('5.0~5:9:7,6')).toBe('INVALID_CURSOR');
    expect(refused('5.0~5:9:6,6')).toBe('INVALID_CURSOR');
    expect(refused('5.0~5:9:9')).toBe('INVALID_CURSOR');
    expect(refused('5.0~5:9:4')).toBe('INVALID_CURSOR');
    expect(refused('5.0~5:9:5,8')).toBeUndefined();
    expect(refused('Stage/5.0')).toBe('INVALID_CURSOR');
    expect(refused('5.0~5:9:1:2')).toBe('INVALID_CURSOR');
    expect(refused('5.0.1')).toBe('INVALID_CURSOR');
  });

  it(`accept ${MAX_IN_FLIGHT} transactions in flight and refuse one more, and refuse a longer text before decoding it`, () => {
    const xip = (count: number) => Array.from({ length: count }, (_, index) => 1000 + index).join(',');
    const full = raw(`stage_transitions/1000.0~1000:${1000 + MAX_IN_FLIGHT}:${xip(MAX_IN_FLIGHT)}`);
    expect(full.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
    expect((outcome(full) as LogCursor).snapshot?.xip).toHaveLength(MAX_IN_FLIGHT);
    expect(outcome(raw(`1000.0~1000:${1001 + MAX_IN_FLIGHT}:${xip(MAX_IN_FLIGHT + 1)}`))).toEqual({
      code: 'INVALID_CURSOR',
      message: `after: more than ${MAX_IN_FLIGHT} transactions in flight: not a cursor returned by this API`,
    });
    expect(outcome('A'.repeat(5 * 1024 * 1024))).toEqual({
      code: 'INVALID_CURSOR',
      message: `after: longer than ${MAX_CURSOR_LENGTH} characters: not a cursor returned by this API`,
    });
  });

  it('look a row up in the in-flight list by binary search, with the same answers as a scan', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.bigInt({ min: 100n, max: 400n }), { maxLength: 60 }),
        fc.bigInt({ min: 0n, max: 500n }),
        (ids, txId) => {
          const xip = [...ids].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
          const cursor: LogCursor = { position: { txId: 100n, id: 0n }, snapshot: { xmin: 100n, xmax: 401n, xip } };
          const position = { txId, id: 1n };
          // The definition, with a scan of the list: seen at or below the position, or committed before the snapshot.
          const byScan = comparePositions(position, cursor.position) <= 0 || (txId < 401n && !xip.includes(txId));
          expect(hasSeen(cursor, position)).toBe(byScan);
        },
      ),
    );
  });

  it('over forged cursors (random bytes, huge lists, other logs), either refuse with INVALID_CURSOR or accept, in bounded time', () => {
    const number = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 70n }), fc.constantFrom(0n, 1n, 2n ** 63n - 1n, 2n ** 64n - 1n, 2n ** 64n));
    const forged = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
      fc.string({ maxLength: 300 }),
      fc
        .tuple(fc.constantFrom('', 'stage_transitions/', 'touchpoints/', 'segment_membership_changes/', 'x y/'), number, number)
        .map(([log, txId, id]) => raw(`${log}${txId}.${id}`)),
      fc
        .tuple(number, number, fc.array(number, { maxLength: 50 }), fc.integer({ min: 0, max: 3 * MAX_IN_FLIGHT }))
        .map(([xmin, xmax, xip, padding]) => {
          const list = [...xip.map(String), ...Array.from({ length: padding }, (_, index) => String(xmin + BigInt(index)))];
          return raw(`stage_transitions/${xmin}.0~${xmin}:${xmax}:${list.join(',')}`);
        }),
    );
    fc.assert(
      fc.property(forged, (cursor) => {
        const started = process.hrtime.bigint();
        const result = outcome(cursor);
        if ('code' in result) expect(result.code).toBe('INVALID_CURSOR');
        else {
          // An accepted cursor is one clm could have handed out: it encodes back to a cursor that decodes to the same.
          expect(decodeCursor(encodeCursor(result, 'stage_transitions'), 'after', 'stage_transitions')).toEqual(result);
          // And using it costs a logarithm per row: 10,000 lookups stay far below a second.
          for (let row = 0n; row < 10_000n; row += 1n) hasSeen(result, { txId: result.position.txId + row, id: 1n });
        }
        expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
      }),
      { numRuns: 300 },
    );
  });
});
