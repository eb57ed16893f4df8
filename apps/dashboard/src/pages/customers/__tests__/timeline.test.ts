import { describe, expect, it } from 'vitest';
import { mergeTimeline, touchpointScore } from '../timeline';
import type { TimelineTouchpoint, TimelineTransition } from '../timeline';

function touchpoint(id: string, occurredAt: string): TimelineTouchpoint {
  return { id, type: 'page_view', channel: 'web', occurredAt, value: null, currency: null, campaign: null, properties: {} };
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

describe('the score a touchpoint shows on the timeline', () => {
  it('reads an NPS answer with its class: 9–10 promoter, 7–8 passive, 0–6 detractor', () => {
    expect(touchpointScore('survey_response', { survey: 'nps', score: 10 })).toBe('NPS 10 · promoter');
    expect(touchpointScore('survey_response', { score: 9 })).toBe('NPS 9 · promoter');
    expect(touchpointScore('survey_response', { score: 8 })).toBe('NPS 8 · passive');
    expect(touchpointScore('survey_response', { score: 7 })).toBe('NPS 7 · passive');
    expect(touchpointScore('survey_response', { score: 6 })).toBe('NPS 6 · detractor');
    expect(touchpointScore('survey_response', { score: 0 })).toBe('NPS 0 · detractor');
  });

  it('reads a CSAT answer and a review rating out of 5, with the review site', () => {
    expect(touchpointScore('feedback', { survey: 'csat', score: 4 })).toBe('CSAT 4 of 5');
    expect(touchpointScore('review', { rating: 5, site: 'g2' })).toBe('Rated 5 of 5 on g2');
    expect(touchpointScore('review', { rating: 2 })).toBe('Rated 2 of 5');
  });

  it('shows nothing for a score the metrics would not count, or a touchpoint without one', () => {
    expect(touchpointScore('survey_response', { score: 11 })).toBeNull();
    expect(touchpointScore('survey_response', { score: 8.5 })).toBeNull();
    expect(touchpointScore('survey_response', { score: '9' })).toBeNull();
    expect(touchpointScore('feedback', { score: 0 })).toBeNull();
    expect(touchpointScore('review', { stars: 5 })).toBeNull();
    expect(touchpointScore('purchase', { score: 9 })).toBeNull();
    expect(touchpointScore('survey_response', null)).toBeNull();
  });
});
