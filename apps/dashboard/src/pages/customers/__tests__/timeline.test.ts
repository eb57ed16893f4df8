import { describe, expect, it } from 'vitest';
import { mergeTimeline } from '../timeline';
import type { TimelineTouchpoint, TimelineTransition } from '../timeline';

function touchpoint(id: string, occurredAt: string): TimelineTouchpoint {
  return { id, type: 'page_view', channel: 'web', occurredAt, value: null, currency: null, campaign: null };
}

function transition(id: string, occurredAt: string): TimelineTransition {
  return { id, from: null, to: 'awareness', cause: 'TOUCHPOINT', ruleId: null, reason: null, actor: null, occurredAt };
}

const ids = (entries: ReturnType<typeof mergeTimeline>) => entries.map((entry) => entry.id);

describe("a customer's timeline", () => {
  it('merges both streams newest first, a transition before the touchpoint of the same instant', () => {
    const merged = mergeTimeline(
      { items: [touchpoint('3', '2026-11-03T10:00:00Z'), touchpoint('2', '2026-11-02T10:00:00Z')], hasMore: false },
      { items: [transition('9', '2026-11-03T10:00:00Z'), transition('8', '2026-11-01T10:00:00Z')], hasMore: false },
    );
    expect(ids(merged)).toEqual(['s-9', 't-3', 't-2', 's-8']);
  });

  it('stops at the oldest loaded entry of a stream that has more, so a later page never inserts above a shown entry', () => {
    const merged = mergeTimeline(
      { items: [touchpoint('3', '2026-11-03T10:00:00Z'), touchpoint('2', '2026-11-02T09:00:00Z')], hasMore: true },
      { items: [transition('9', '2026-11-02T09:30:00Z'), transition('8', '2026-11-01T08:00:00Z')], hasMore: false },
    );
    // The touchpoints' next page may hold entries between 2 November 09:00 and 1 November 08:00.
    expect(ids(merged)).toEqual(['t-3', 's-9', 't-2']);
  });

  it('shows the other stream whole while a stream with more has nothing loaded yet', () => {
    expect(ids(mergeTimeline({ items: [], hasMore: true }, { items: [transition('8', '2026-11-01T08:00:00Z')], hasMore: false }))).toEqual([
      's-8',
    ]);
  });
});
