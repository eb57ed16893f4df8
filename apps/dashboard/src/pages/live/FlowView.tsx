import { useQuery } from '@apollo/client/react';
import { RangePicker } from '../../components/RangePicker';
import { parseRange, rangeInstants } from '../../lib/range';
import { Sankey } from '../../components/Sankey';
import { ApiErrorState, EmptyState, LoadingState } from '../../components/States';
import { StageFlowsDocument } from '../../gql/graphql';
import { useThrottledRefresh } from '../../lib/useThrottledRefresh';
import { doorHref } from '../../lib/metric-door';
import { stageToneClasses } from './stage-tone';

type FlowViewProps = { range: string; onRangeChange: (value: string) => void };

/** Moves between stages with event time in the chosen range, as a Sankey diagram. */
export function FlowView({ range, onRangeChange }: FlowViewProps) {
  const days = parseRange(range, '30d').range;
  const variables = rangeInstants(days);
  const { data, loading, error, refetch } = useQuery(StageFlowsDocument, { variables });
  // The flows follow the live stream as the stage counts do: re-read (throttled) after each committed move.
  useThrottledRefresh(() => void refetch());
  const overview = data?.stageOverview;
  const tones = overview ? stageToneClasses(overview.stages) : new Map<string, string>();
  const names = new Map(overview?.stages.map((stage) => [stage.stage, stage.name]) ?? []);
  const order = overview?.stages.map((stage) => stage.stage) ?? [];

  return (
    <section className="panel flows" aria-labelledby="flows-title">
      <header className="panel__header">
        <h2 id="flows-title" className="panel__title">
          Flows between stages
        </h2>
        <RangePicker value={range} onChange={onRangeChange} label="Flows over" />
      </header>
      {error ? (
        <ApiErrorState error={error} onRetry={() => void refetch()} />
      ) : !overview ? (
        loading && <LoadingState label="Loading flows…" />
      ) : overview.transitions.length === 0 ? (
        <EmptyState title="No moves in this range">Pick a longer range, or wait for customers to move.</EmptyState>
      ) : (
        <Sankey
          flows={overview.transitions}
          names={names}
          order={order}
          tones={tones}
          title={`Moves between stages from ${days.from} to ${days.to}`}
          doorOf={(flow) =>
            doorHref({ membership: 'FLOW', from: days.from, to: days.to, stage: flow.to, ...(flow.from ? { fromStage: flow.from } : {}) })
          }
        />
      )}
    </section>
  );
}
