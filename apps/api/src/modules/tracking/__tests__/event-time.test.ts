import { describe, expect, it } from '@jest/globals';
import { eventTime, parseMicros } from '../event-time';

const receivedAt = new Date('2026-05-01T12:00:00.000Z');

describe('the time of a Segment message', () => {
  it('reads ISO 8601 times to the microsecond', () => {
    expect(parseMicros('2026-05-01T12:00:00.123456Z')).toBe(1_777_636_800_123_456n);
    expect(parseMicros('2026-05-01T14:00:00.1+02:00')).toBe(1_777_636_800_100_000n);
    expect(parseMicros('2026-05-01T12:00:00Z')).toBe(1_777_636_800_000_000n);
    expect(parseMicros('2026-02-30T12:00:00Z')).toBeNull();
    expect(parseMicros('1 May 2026')).toBeNull();
  });

  it('corrects timestamp by how far the sender clock was off when it sent: receivedAt − (sentAt − timestamp)', () => {
    // The sender's clock is 3 days behind; the event happened 90.000250 s before it sent.
    const at = eventTime({ timestamp: '2026-04-28T11:58:30.000000Z', sentAt: '2026-04-28T12:00:00.000250Z' }, undefined, receivedAt);
    // 12:00:00.000000 − 90.000250 s = 11:58:29.999750, floored to the millisecond.
    expect(at).toEqual(new Date('2026-05-01T11:58:29.999Z'));
  });

  it("takes the batch's sentAt when the message has none, and the message's own over the batch's", () => {
    const message = { timestamp: '2026-05-01T11:00:00Z' };
    expect(eventTime(message, '2026-05-01T11:00:10Z', receivedAt)).toEqual(new Date('2026-05-01T11:59:50.000Z'));
    expect(eventTime({ ...message, sentAt: '2026-05-01T11:00:01Z' }, '2026-05-01T11:00:10Z', receivedAt)).toEqual(
      new Date('2026-05-01T11:59:59.000Z'),
    );
  });

  it('reads originalTimestamp when timestamp is absent, takes a time without sentAt as sent, and receivedAt without any', () => {
    expect(eventTime({ originalTimestamp: '2026-05-01T10:00:00Z', sentAt: '2026-05-01T10:00:05Z' }, undefined, receivedAt)).toEqual(
      new Date('2026-05-01T11:59:55.000Z'),
    );
    expect(eventTime({ timestamp: '2026-03-01T08:00:00.5Z' }, undefined, receivedAt)).toEqual(new Date('2026-03-01T08:00:00.500Z'));
    expect(eventTime({}, undefined, receivedAt)).toEqual(receivedAt);
  });

  it('names the field that is not a date-time', () => {
    const format = 'must be an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00.123456Z';
    expect(eventTime({ timestamp: 12 }, undefined, receivedAt)).toEqual({ field: 'timestamp', reason: format });
    expect(eventTime({ originalTimestamp: 'soon' }, undefined, receivedAt)).toEqual({ field: 'originalTimestamp', reason: format });
    expect(eventTime({ timestamp: '2026-05-01T10:00:00Z', sentAt: '2026-05-01' }, undefined, receivedAt)).toEqual({
      field: 'sentAt',
      reason: format,
    });
  });

  it('refuses a correction that leaves the storable years', () => {
    expect(eventTime({ timestamp: '0001-01-01T00:00:00Z', sentAt: '9999-01-01T00:00:00Z' }, undefined, receivedAt)).toEqual({
      field: 'timestamp',
      reason: '0001-01-01T00:00:00Z corrected by sentAt falls outside the years 0001–9999',
    });
  });
});
