import { customerLabel, formatCause, formatEventTime } from './format';
import type { StageCount, StageTransition } from './graphql/types';
import { FEED_LENGTH } from './live-board';
import { stageToneClasses } from './stage-tone';

type TransitionFeedProps = {
  transitions: readonly StageTransition[];
  stages: readonly StageCount[];
};

/** The latest stage transitions, newest on top. */
export function TransitionFeed({ transitions, stages }: TransitionFeedProps) {
  const tones = stageToneClasses(stages);
  const names = new Map(stages.map((stage) => [stage.stage, stage.name]));
  const chip = (stage: string) => <span className={`stage-chip ${tones.get(stage) ?? ''}`}>{names.get(stage) ?? stage}</span>;

  return (
    <section className="feed" aria-labelledby="feed-title">
      <header className="feed__header">
        <h2 id="feed-title" className="feed__title">
          Latest transitions
        </h2>
        <span className="muted">last {FEED_LENGTH}, newest first</span>
      </header>
      {transitions.length === 0 ? (
        <p className="feed__empty">Waiting for the next stage change — transitions appear here as they happen.</p>
      ) : (
        <ol className="feed__list">
          {transitions.map((transition) => {
            const { customer } = transition;
            const label = customerLabel(customer);
            const time = formatEventTime(transition.occurredAt);
            return (
              <li key={transition.id} className="feed__item">
                <span className="feed__customer">
                  <span className="feed__customer-name">{label}</span>
                  {customer.email && customer.email !== label && <span className="feed__customer-email">{customer.email}</span>}
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
