import { Link } from 'react-router';
import { formatCount, formatDuration, formatPercent } from '../../lib/format';
import type { MetricsPageQuery } from '../../gql/graphql';

type FunnelProps = {
  steps: MetricsPageQuery['metrics']['funnel'];
  names: ReadonlyMap<string, string>;
  /** The customers behind a step: who reached it, and who stopped there (metric-doors.ts). */
  doors: (stage: string) => { reached: string; dropped: string };
};

/** The funnel as a table with bars: customers reaching each stage, conversion from the one before and the median time to reach it. */
export function Funnel({ steps, names, doors }: FunnelProps) {
  const top = Math.max(1, ...steps.map((step) => step.reached));
  return (
    <div className="table-scroll">
      <table className="funnel">
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col" className="funnel__bar-head">
              Reached
            </th>
            <th scope="col">Stopped here</th>
            <th scope="col">Conversion from previous</th>
            <th scope="col">Median time to reach</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((step, index) => {
            const name = names.get(step.stage) ?? step.stage;
            const dropped = step.reached - (steps[index + 1]?.reached ?? 0);
            const door = doors(step.stage);
            return (
              <tr key={step.stage} data-testid={`funnel-${step.stage}`} className={`stage-tone--funnel-${index % 6}`}>
                <th scope="row">{name}</th>
                <td className="funnel__bar-cell">
                  <span className="funnel__bar" aria-hidden="true" style={{ width: `${(step.reached / top) * 100}%` }} />
                  <Link className="funnel__reached" to={door.reached} aria-label={`${formatCount(step.reached)} reached ${name}: see them`}>
                    {formatCount(step.reached)}
                  </Link>
                </td>
                <td className="funnel__dropped">
                  <Link to={door.dropped} aria-label={`${formatCount(dropped)} stopped at ${name}: see them`}>
                    {formatCount(dropped)}
                  </Link>
                </td>
                <td className="funnel__conversion">{index === 0 ? '—' : formatPercent(step.conversionFromPrevious)}</td>
                <td className="funnel__median">{formatDuration(step.medianSecondsToReach)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
