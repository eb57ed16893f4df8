import { useState } from 'react';
import { Link } from 'react-router';
import { partialReason } from '../../lib/chart-scale';
import { doorHref, monthAfter } from '../../lib/metric-door';
import '../../components/doors.css';
import { useUrlParams } from '../../lib/useUrlParams';
import { formatCount, formatPercent } from '../../lib/format';
import { RangePicker } from '../../components/RangePicker';
import { CsvExportButton } from '../../components/CsvExportButton';
import { isoDay, parseRange } from '../../lib/range';
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
  const today = isoDay(new Date());
  const door = (cohort: string, month: number | null) =>
    doorHref({ membership: 'COHORT', from: range.from, to: range.to, cohort, ...(month === null ? {} : { month }) });

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
          <CsvExportButton
            path={`/api/metrics.csv?${new URLSearchParams({ metric: 'cohortRetention', from: range.from, to: range.to }).toString()}`}
            filename="cohort-retention.csv"
          />
          <p className="muted">
            Click a count or a share for the customers behind it. A share marked * is a month still in progress or cut by the range
            (partial, not a drop).
          </p>
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
                    <td>
                      <Link
                        to={door(row.cohort, null)}
                        aria-label={`${formatCount(row.customers)} customers acquired in ${row.cohort}: see them`}
                      >
                        {formatCount(row.customers)}
                      </Link>
                    </td>
                    {Array.from({ length: months }, (_, month) => {
                      const share = row.retention[month];
                      if (share === undefined) return <td key={month} className="heatmap__cell heatmap__cell--none" />;
                      // The month still filling up (or cut by the range) is partial, not a drop.
                      const partial = partialReason(`${monthAfter(row.cohort, month)}-01`, 'MONTH', range, today);
                      const text = `${row.cohort}, month ${month}: ${formatPercent(share)} of ${formatCount(row.customers)} active${
                        typeof share === 'number' ? ` (${formatCount(Math.round(share * row.customers))} customers)` : ''
                      }${partial ? ` — ${partial}` : ''}`;
                      const level = typeof share === 'number' ? Math.min(9, Math.floor(share * 10)) : -1;
                      return (
                        <td
                          key={month}
                          className={`heatmap__cell heatmap__cell--${level < 0 ? 'none' : level}${partial ? ' heatmap__cell--partial' : ''}`}
                          title={text}
                          onMouseEnter={() => setFocused(text)}
                          onFocus={() => setFocused(text)}
                        >
                          <Link className="heatmap__door" to={door(row.cohort, month)} aria-label={`${text}: see them`}>
                            {formatPercent(share)}
                            {partial && <span aria-hidden="true">*</span>}
                          </Link>
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
