import { useEffect, useId, useState } from 'react';
import { plural } from '../../lib/format';
import { customerLabel, formatCause, formatEventTime } from './format';
import { FEED_LENGTH } from './live-board';
import { stageToneClasses } from './stage-tone';
import type { StageCount, StageTransition } from './types';

type TransitionFeedProps = {
  transitions: readonly StageTransition[];
  stages: readonly StageCount[];
  /** The last transition that arrived live: highlighted for a few seconds. */
  latestLiveId: string | null;
};

const HIGHLIGHT_MS = 4_000;

/** The latest stage transitions, newest on top; pause it to read, filter it by stage. */
export function TransitionFeed({ transitions, stages, latestLiveId }: TransitionFeedProps) {
  const filterId = useId();
  const [stage, setStage] = useState('');
  const [paused, setPaused] = useState<readonly StageTransition[] | null>(null);
  const [highlighted, setHighlighted] = useState<string | null>(null);
  const tones = stageToneClasses(stages);
  const names = new Map(stages.map((candidate) => [candidate.stage, candidate.name]));
  const chip = (key: string) => <span className={`stage-chip ${tones.get(key) ?? ''}`}>{names.get(key) ?? key}</span>;

  useEffect(() => {
    if (latestLiveId === null) return;
    setHighlighted(latestLiveId);
    const timer = setTimeout(() => setHighlighted(null), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [latestLiveId]);

  const shownIds = new Set((paused ?? []).map((transition) => transition.id));
  const waiting = paused ? transitions.filter((transition) => !shownIds.has(transition.id)).length : 0;
  const matches = (transition: StageTransition) => stage === '' || transition.to === stage || transition.from === stage;
  const shown = (paused ?? transitions).filter(matches);
  const latest = latestLiveId ? transitions.find((transition) => transition.id === latestLiveId) : undefined;

  return (
    <section className="feed" aria-labelledby="feed-title">
      <header className="feed__header">
        <h2 id="feed-title" className="feed__title">
          Latest transitions
        </h2>
        <span className="muted">last {FEED_LENGTH}, newest first</span>
        <span className="feed__controls">
          <label htmlFor={filterId} className="picker__label">
            Stage
          </label>
          <select id={filterId} className="picker__control" value={stage} onChange={(event) => setStage(event.target.value)}>
            <option value="">All stages</option>
            {stages.map((candidate) => (
              <option key={candidate.stage} value={candidate.stage}>
                {candidate.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="button button--quiet"
            aria-pressed={paused !== null}
            onClick={() => setPaused(paused ? null : transitions)}
          >
            {paused ? (waiting > 0 ? `Resume (${plural(waiting, 'new move')})` : 'Resume') : 'Pause'}
          </button>
        </span>
      </header>
      <p className="visually-hidden" aria-live="polite">
        {latest && !paused ? `${customerLabel(latest.customer)} moved to ${names.get(latest.to) ?? latest.to}` : ''}
      </p>
      {shown.length === 0 ? (
        <p className="feed__empty">
          {stage
            ? `No recent moves into or out of ${names.get(stage) ?? stage}.`
            : 'Waiting for the next stage change — transitions appear here as they happen.'}
        </p>
      ) : (
        <ol className="feed__list" tabIndex={0} aria-label="Transitions, newest first">
          {shown.map((transition) => {
            const { customer } = transition;
            const label = customerLabel(customer);
            const time = formatEventTime(transition.occurredAt);
            const justMoved = transition.id === highlighted;
            return (
              <li key={transition.id} className={`feed__item${justMoved ? ' feed__item--just-moved' : ''}`}>
                <span className="feed__customer">
                  <span className="feed__customer-name">{label}</span>
                  {customer?.email && customer.email !== label && <span className="feed__customer-email">{customer.email}</span>}
                </span>
                <span className="feed__move">
                  {transition.from === null ? <span className="stage-chip stage-chip--entry">New</span> : chip(transition.from)}
                  <span className="feed__arrow" aria-label="to">
                    →
                  </span>
                  {chip(transition.to)}
                </span>
                <span className="feed__cause">
                  {formatCause(transition.cause)}
                  {transition.ruleId && <span className="feed__rule"> · rule {transition.ruleId}</span>}
                </span>
                <time className="feed__time" dateTime={transition.occurredAt} title={time.full}>
                  {time.short}
                </time>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
