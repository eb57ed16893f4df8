import { useEffect, useRef } from 'react';
import { apiErrorMessage } from '../../lib/api-errors';
import { formatDateTime, formatMoney, plural, stageName } from '../../lib/format';
import { touchpointScore } from './timeline';
import type { TimelineEntry } from './timeline';
import type { CustomerTimeline as Timeline } from './useCustomerTimeline';

type CustomerTimelineProps = {
  timeline: Timeline;
  stages: ReadonlyArray<{ key: string; name: string }>;
};

/** Touchpoints and stage moves, newest first; the next page loads as the end scrolls into view. */
export function CustomerTimeline({ timeline, stages }: CustomerTimelineProps) {
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasMore, loading, loadMore } = timeline;
  const loadMoreRef = useRef(loadMore);
  loadMoreRef.current = loadMore;

  useEffect(() => {
    const element = sentinel.current;
    if (!element || !hasMore || loading || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((observed) => {
      if (observed.some((entry) => entry.isIntersecting)) loadMoreRef.current();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasMore, loading]);

  return (
    <section className="clm-card" aria-labelledby="customer-timeline">
      <h2 id="customer-timeline" className="clm-card__title">
        Timeline <span className="muted clm-small">{plural(timeline.total, 'event')}, newest first</span>
      </h2>
      {timeline.error && (
        <p className="alert alert--error" role="alert">
          {apiErrorMessage(timeline.error)}
        </p>
      )}
      {timeline.entries.length === 0 && !timeline.loading && !timeline.error && !hasMore && (
        <p className="muted">No touchpoints or stage moves yet.</p>
      )}
      <ol className="clm-timeline" aria-label="Touchpoints and stage moves">
        {timeline.entries.map((entry) => (
          <TimelineItem key={entry.id} entry={entry} stages={stages} />
        ))}
      </ol>
      <div ref={sentinel} />
      {loading && (
        <p className="muted" role="status">
          Loading…
        </p>
      )}
      {hasMore && !loading && (
        <button type="button" className="button" onClick={loadMore}>
          Load older events
        </button>
      )}
    </section>
  );
}

function TimelineItem({ entry, stages }: { entry: TimelineEntry; stages: ReadonlyArray<{ key: string; name: string }> }) {
  if (entry.kind === 'transition') {
    const { transition } = entry;
    return (
      <li className="clm-timeline__item clm-timeline__item--transition" data-kind="transition" data-id={transition.id}>
        <time className="clm-timeline__time" dateTime={transition.occurredAt}>
          {formatDateTime(transition.occurredAt)}
        </time>
        <span className="clm-timeline__what">
          {transition.from ? `${stageName(transition.from, stages)} → ` : 'Entered '}
          <strong>{stageName(transition.to, stages)}</strong>
        </span>
        <span className="muted clm-small">
          {describeCause(transition.cause, transition.ruleId)}
          {transition.reason && ` — “${transition.reason}”`}
          {transition.actor && ` by ${transition.actor}`}
        </span>
      </li>
    );
  }
  const { touchpoint } = entry;
  const score = touchpointScore(touchpoint.type, touchpoint.properties);
  return (
    <li className="clm-timeline__item" data-kind="touchpoint" data-id={touchpoint.id}>
      <time className="clm-timeline__time" dateTime={touchpoint.occurredAt}>
        {formatDateTime(touchpoint.occurredAt)}
      </time>
      <span className="clm-timeline__what">
        {touchpoint.type.replace(/_/g, ' ')} <span className="muted">via {touchpoint.channel}</span>
        {score && <span className="clm-timeline__score">{score}</span>}
      </span>
      <span className="muted clm-small">
        {touchpoint.value !== null && `${formatMoney(touchpoint.value)}${touchpoint.currency ? ` ${touchpoint.currency}` : ''}`}
        {touchpoint.campaign && ` · campaign ${touchpoint.campaign}`}
      </span>
    </li>
  );
}

function describeCause(cause: string, ruleId: string | null): string {
  switch (cause) {
    case 'MANUAL':
      return 'Moved by hand';
    case 'INACTIVITY':
      return 'Inactivity sweep';
    case 'CREATED':
      return 'Created';
    default:
      return ruleId ? `Rule ${ruleId}` : 'Touchpoint';
  }
}
