import { useQuery } from '@apollo/client/react';
import { Link } from 'react-router';
import { CsvExportButton } from '../../components/CsvExportButton';
import { ApiErrorState, EmptyState, LoadingState } from '../../components/States';
import { TableScroll } from '../../components/TableScroll';
import { TrendChart } from '../../components/TrendChart';
import { KpiDimensionsDocument } from '../../gql/graphql';
import type { MetricBucket, MetricFilterInput } from '../../gql/graphql';
import { previousRange } from '../../lib/chart-scale';
import { formatChange, formatCount } from '../../lib/format';
import { chooseBucket } from '../../lib/metrics-cost';
import { isoDay, parseRange } from '../../lib/range';
import type { DayRange } from '../../lib/range';
import { useUrlParams } from '../../lib/useUrlParams';
import { kpiDoor } from './metric-doors';
import { DEFAULT_BUCKET, DEFAULT_RANGE, KPIS } from './MetricsPage';
import { useKpiSeries } from './useKpiSeries';
import type { KpiId } from './useKpiSeries';

type Kpi = (typeof KPIS)[number];

/** How many values of a dimension the breakdown shows (each is one request). */
const BREAKDOWN_ROWS = 12;

function isKpiId(id: string): id is KpiId {
  return KPIS.some((kpi) => kpi.id === id);
}

function isBucket(value: string | null): value is MetricBucket {
  return value === 'DAY' || value === 'WEEK' || value === 'MONTH';
}

/** The view of one KPI (`/metrics/:kpi`): the series large beside the period before, its definition, its breakdown, its customers. */
export function KpiPage({ kpiId }: { kpiId: string }) {
  const kpi = KPIS.find((candidate) => candidate.id === kpiId);
  if (!kpi || !isKpiId(kpiId)) {
    return (
      <EmptyState title="No such KPI">
        <Link to="/metrics">The Metrics page</Link> lists every KPI.
      </EmptyState>
    );
  }
  return <KpiView kpi={kpi} />;
}

function KpiView({ kpi }: { kpi: Kpi }) {
  const [params] = useUrlParams();
  const rangeKey = params.get('range') ?? DEFAULT_RANGE;
  const { range } = parseRange(rangeKey, DEFAULT_RANGE);
  const bucketParam = params.get('bucket');
  const segment = params.get('segment') ?? '';
  const channel = params.get('channel') ?? '';
  const campaign = params.get('campaign') ?? '';
  const filter: MetricFilterInput | null =
    segment || channel || campaign ? { segment: segment || null, channel: channel || null, campaign: campaign || null } : null;
  const choice = chooseBucket(range, isBucket(bucketParam) ? bucketParam : DEFAULT_BUCKET, {
    segment: segment !== '',
    channel: channel !== '',
    campaign: campaign !== '',
  });
  const current = useKpiSeries(kpi.id, range, choice.bucket, filter, true);
  const before = useKpiSeries(kpi.id, previousRange(range), choice.bucket, filter, false);
  const dimensions = useQuery(KpiDimensionsDocument, { variables: { range } });
  const definition = dimensions.data?.metricDefinitions.find((candidate) => candidate.name === kpi.id);
  const acquiredStage = dimensions.data?.lifecycleModel.acquiredStage ?? '';
  const door = kpiDoor(kpi.id, range, filter, acquiredStage);
  const back = `/metrics${params.size > 0 ? `?${params.toString()}` : ''}`;
  const csv = new URLSearchParams({ metric: kpi.id, from: range.from, to: range.to, bucket: choice.bucket ?? 'MONTH' });
  for (const [name, value] of Object.entries({ segment, channel, campaign })) if (value) csv.set(name, value);
  const series = current.series;

  return (
    <div className="metrics kpi-view">
      <header className="page-header">
        <div>
          <p className="muted">
            <Link to={back}>← All metrics</Link>
          </p>
          <h1 className="page-header__title">{kpi.label}</h1>
          <p className="page-header__subtitle">
            {range.from} to {range.to}, by {(choice.bucket ?? 'month').toLowerCase()}, beside the {previousRange(range).from} to{' '}
            {previousRange(range).to} before it
          </p>
        </div>
      </header>

      {kpi.id === 'cac' && segment && (
        <p className="alert" role="note" data-testid="spend-not-by-segment">
          Spend is not narrowed by segment: CAC here divides all campaign spend{channel || campaign ? ' of the channel or campaign' : ''} by
          the segment’s new customers only.
        </p>
      )}
      {choice.note && (
        <p className="muted" role="status">
          {choice.note}
        </p>
      )}
      {current.error && <ApiErrorState error={current.error} />}
      {!series ? (
        current.loading && <LoadingState label={`Computing ${kpi.label}…`} />
      ) : (
        <section className="panel" aria-labelledby="kpi-series-title" data-testid="kpi-view">
          <header className="panel__header">
            <h2 id="kpi-series-title" className="panel__title">
              <span className="kpi-view__total" data-testid="kpi-view-total">
                {kpi.format(series.total)}
              </span>{' '}
              <span className="muted">
                {formatChange(series.change, kpi.points)} vs {kpi.format(series.previous)} in the period before
              </span>
            </h2>
            <span className="kpi-view__actions">
              {door && (
                <Link className="button button--quiet" to={door.href} data-testid="kpi-view-door">
                  {door.label}
                </Link>
              )}
              <CsvExportButton path={`/api/metrics.csv?${csv.toString()}`} filename={`${kpi.id}.csv`} label="Export series (CSV)" />
            </span>
          </header>
          <TrendChart
            title={`${kpi.label} by ${(choice.bucket ?? 'month').toLowerCase()}`}
            points={series.series}
            previous={before.series?.series}
            format={kpi.format}
            whole={kpi.format === formatCount}
            bucket={choice.bucket ?? 'MONTH'}
            range={range}
            today={isoDay(new Date())}
          />
        </section>
      )}

      <section className="panel" aria-labelledby="kpi-definition-title">
        <header className="panel__header">
          <h2 id="kpi-definition-title" className="panel__title">
            Definition
          </h2>
          <span className="muted">docs/metrics.md gives it in full, with a worked example</span>
        </header>
        <p data-testid="kpi-definition">{definition?.description ?? kpi.hint}</p>
      </section>

      <section className="panel" aria-labelledby="kpi-breakdown-title">
        <header className="panel__header">
          <h2 id="kpi-breakdown-title" className="panel__title">
            Breakdown
          </h2>
          <span className="muted">the same range and filter, one channel, campaign or segment at a time</span>
        </header>
        {dimensions.error && <ApiErrorState error={dimensions.error} />}
        {[
          {
            title: 'By channel',
            rows: (dimensions.data?.metrics.channels ?? []).map((row) => ({
              key: row.channel,
              label: row.channel || '(none)',
              filter: { ...filter, channel: row.channel },
            })),
          },
          {
            title: 'By campaign',
            rows: (dimensions.data?.metrics.campaigns ?? []).map((row) => ({
              key: row.campaign,
              label: row.campaign,
              filter: { ...filter, campaign: row.campaign },
            })),
          },
          {
            title: 'By segment',
            rows: (dimensions.data?.segments ?? []).map((row) => ({
              key: row.id,
              label: row.name,
              filter: { ...filter, segment: row.id },
            })),
          },
        ].map(({ title, rows }) => (
          <Breakdown key={title} kpi={kpi} range={range} filter={filter} acquiredStage={acquiredStage} title={title} rows={rows} />
        ))}
      </section>
    </div>
  );
}

type BreakdownRowSpec = { key: string; label: string; filter: MetricFilterInput };

type BreakdownProps = {
  kpi: Kpi;
  range: DayRange;
  filter: MetricFilterInput | null;
  acquiredStage: string;
  title: string;
  rows: readonly BreakdownRowSpec[];
};

/** One dimension of the breakdown as a table: the KPI's total for each value, and its customers where it counts some. */
function Breakdown({ kpi, range, acquiredStage, title, rows }: BreakdownProps) {
  if (rows.length === 0) return null;
  return (
    <TableScroll label={title}>
      <table className="clm-table kpi-breakdown">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{title.replace('By ', '')}</th>
            <th scope="col" className="clm-table__number">
              {kpi.label}
            </th>
            <th scope="col">Customers</th>
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, BREAKDOWN_ROWS).map((row) => (
            <BreakdownRow key={row.key} kpi={kpi} range={range} row={row} acquiredStage={acquiredStage} />
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function BreakdownRow({ kpi, range, row, acquiredStage }: { kpi: Kpi; range: DayRange; row: BreakdownRowSpec; acquiredStage: string }) {
  const { series } = useKpiSeries(kpi.id, range, 'MONTH', row.filter, false);
  const door = kpiDoor(kpi.id, range, row.filter, acquiredStage);
  return (
    <tr>
      <th scope="row">{row.label}</th>
      <td className="clm-table__number">{series ? kpi.format(series.total) : '…'}</td>
      <td>{door ? <Link to={door.href}>{door.label}</Link> : '—'}</td>
    </tr>
  );
}
