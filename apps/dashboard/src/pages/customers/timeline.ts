import type { CustomerTouchpointsQuery, CustomerTransitionsQuery } from '../../gql/graphql';

type TouchpointConnection = NonNullable<CustomerTouchpointsQuery['customer']>['touchpoints'];
type TransitionConnection = NonNullable<CustomerTransitionsQuery['customer']>['transitions'];
export type TimelineTouchpoint = TouchpointConnection['edges'][number]['node'];
export type TimelineTransition = TransitionConnection['edges'][number]['node'];

/** One line of a customer's timeline. */
export type TimelineEntry =
  | { kind: 'touchpoint'; id: string; occurredAt: string; touchpoint: TimelineTouchpoint }
  | { kind: 'transition'; id: string; occurredAt: string; transition: TimelineTransition };

/** What has been loaded of one newest-first stream. */
export type LoadedStream<T> = { items: readonly T[]; hasMore: boolean };

/**
 * Merges the loaded parts of the two newest-first streams into one
 * newest-first timeline, showing only what is certain: while a stream has
 * more pages, anything older than its oldest loaded item may still have
 * entries of that stream before it, so the timeline stops there (the next
 * page fills it in). Equal times put the transition first: it is what the
 * touchpoint caused. Invariant: an entry once shown never has an entry
 * inserted above it by a later page.
 */
export function mergeTimeline(
  touchpoints: LoadedStream<TimelineTouchpoint>,
  transitions: LoadedStream<TimelineTransition>,
): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...touchpoints.items.map((touchpoint) => ({
      kind: 'touchpoint' as const,
      id: `t-${touchpoint.id}`,
      occurredAt: touchpoint.occurredAt,
      touchpoint,
    })),
    ...transitions.items.map((transition) => ({
      kind: 'transition' as const,
      id: `s-${transition.id}`,
      occurredAt: transition.occurredAt,
      transition,
    })),
  ];
  const frontier = Math.max(oldestIfMore(touchpoints), oldestIfMore(transitions));
  return entries
    .filter((entry) => time(entry.occurredAt) >= frontier)
    .sort((a, b) => time(b.occurredAt) - time(a.occurredAt) || (a.kind === b.kind ? 0 : a.kind === 'transition' ? -1 : 1));
}

function oldestIfMore(stream: LoadedStream<{ occurredAt: string }>): number {
  if (!stream.hasMore || stream.items.length === 0) return Number.NEGATIVE_INFINITY;
  return Math.min(...stream.items.map((item) => time(item.occurredAt)));
}

function time(value: string): number {
  const parsed = new Date(value).getTime();
  return Number.isNaN(parsed) ? 0 : parsed;
}

/**
 * What a touchpoint scored, as the metrics read it (the API's vocabulary): a
 * `survey_response` with an integer `score` 0–10 is an NPS answer (9–10
 * promoter, 7–8 passive, 0–6 detractor), a `feedback` with an integer `score`
 * 1–5 a CSAT answer, a `review` with a `rating` 1–5 a review (and its site).
 * Null for anything else, or a score out of its range.
 */
export function touchpointScore(type: string, properties: unknown): string | null {
  const fields = typeof properties === 'object' && properties !== null ? (properties as Record<string, unknown>) : {};
  const whole = (value: unknown, min: number, max: number): number | null =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : null;
  if (type === 'survey_response') {
    const score = whole(fields.score, 0, 10);
    if (score === null) return null;
    return `NPS ${score} · ${score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor'}`;
  }
  if (type === 'feedback') {
    const score = whole(fields.score, 1, 5);
    return score === null ? null : `CSAT ${score} of 5`;
  }
  if (type === 'review') {
    const rating = whole(fields.rating, 1, 5);
    if (rating === null) return null;
    return `Rated ${rating} of 5${typeof fields.site === 'string' && fields.site !== '' ? ` on ${fields.site}` : ''}`;
  }
  return null;
}
