import { useState } from 'react';
import { useUrlParams } from '../../lib/useUrlParams';
import { formatCount, formatPercent } from '../../lib/format';
import { RangePicker } from '../../components/RangePicker';
import { parseRange } from '../../lib/range';
import { ApiErrorState, EmptyState, LoadingState } from '../../components/States';
import { useCohortRetention } from './useCohortRetention';
import { usePageTitle } from '../../lib/usePageTitle';

const DEFAULT_RANGE = '365d';

/** Retention by acquisition month: each row a cohort, each column a month after acquisition. */
export function CohortsPage() {
  usePageTitle('Cohorts');
  const [params, setParam] = useUrlParams();
  const rangeKey = params.get('range') ?? DEFAULT_RANGE;
  const { range } = parseRange(rangeKey, DEFAULT_RANGE);
  const { rows, loading, error, refetch } = useCohortRetention(range);
  const [focused, setFocused] = useState<string | null>(null);
  const months = Math.max(0, ...(rows ?? []).map((row) => row.retention.length));

  return (
    <div className="cohorts">
      <header className="page-header">
        <div>
          <h1 className="page-header__title">Cohorts</h1>
          <p className="page-header__subtitle">Share of each month's new customers still active in the months after</p>
        </div>
      </header>
      <div className="toolbar">
        <RangePicker
          value={rangeKey}
          fallback={DEFAULT_RANGE}
          onChange={(value) => setParam('range', value, DEFAULT_RANGE)}
          label="Acquired in"
        />
      </div>
      {error && <ApiErrorState error={error} onRetry={refetch} />}
      {!rows ? (
        loading && <LoadingState label="Loading cohorts…" />
      ) : rows.length === 0 ? (
        <EmptyState title="No customers were acquired in this range">Cohorts appear once customers reach the acquired stage.</EmptyState>
      ) : (
        <section className="panel heatmap-panel" aria-labelledby="heatmap-title">
          <h2 id="heatmap-title" className="panel__title">
            Retention by acquisition month
          </h2>
          <p className="muted heatmap__detail" aria-live="polite">
            {focused ?? 'Hover or focus a cell for its numbers.'}
          </p>
          <div className="heatmap__scroll">
            <table className="heatmap">
              <thead>
                <tr>
                  <th scope="col">Cohort</th>
                  <th scope="col">Customers</th>
                  {Array.from({ length: months }, (_, month) => (
                    <th scope="col" key={month}>
                      {month === 0 ? 'Month 0' : `+${month}`}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.cohort}>
                    <th scope="row">{row.cohort}</th>
                    <td>{formatCount(row.customers)}</td>
                    {Array.from({ length: months }, (_, month) => {
                      const share = row.retention[month];
                      if (share === undefined) return <td key={month} className="heatmap__cell heatmap__cell--none" />;
                      const text = `${row.cohort}, month ${month}: ${formatPercent(share)} of ${formatCount(row.customers)} active${
                        typeof share === 'number' ? ` (${formatCount(Math.round(share * row.customers))} customers)` : ''
                      }`;
                      const level = typeof share === 'number' ? Math.min(9, Math.floor(share * 10)) : -1;
                      return (
                        <td
                          key={month}
                          className={`heatmap__cell heatmap__cell--${level < 0 ? 'none' : level}`}
                          tabIndex={0}
                          title={text}
                          aria-label={text}
                          onMouseEnter={() => setFocused(text)}
                          onFocus={() => setFocused(text)}
                        >
                          {formatPercent(share)}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </div>
  );
}
