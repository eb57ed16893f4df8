import { useUrlParams } from '../../lib/useUrlParams';
import { formatCount, formatDecimal, formatMoney, formatPercent } from '../../lib/format';
import { KpiTile } from '../../components/KpiTile';
import { RangePicker, SelectPicker } from '../../components/RangePicker';
import { parseRange } from '../../lib/range';
import { chooseBucket } from '../../lib/metrics-cost';
import { ApiErrorState, EmptyState, LoadingState } from '../../components/States';
import type { MetricBucket, MetricFilterInput, MetricsPageQuery } from '../../gql/graphql';
import { CsvExportButton } from '../../components/CsvExportButton';
import { Funnel } from './Funnel';
import { funnelDoors, kpiDoor } from './metric-doors';
import { useQuery } from '@apollo/client/react';
import { MetricsCurrenciesDocument } from '../../gql/graphql';
import { currencyFlag, currencyName, currencyReport } from '../../lib/currency';
import { useMetrics, useMetricsPickers } from './useMetrics';
import { usePageTitle } from '../../lib/usePageTitle';

export const DEFAULT_RANGE = '90d';
export const DEFAULT_BUCKET: MetricBucket = 'WEEK';
const BUCKETS: ReadonlyArray<{ value: MetricBucket; label: string }> = [
  { value: 'DAY', label: 'Day' },
  { value: 'WEEK', label: 'Week' },
  { value: 'MONTH', label: 'Month' },
];

type Metrics = MetricsPageQuery['metrics'];
type Kpi = {
  id: keyof Omit<Metrics, 'from' | 'to' | 'funnel'>;
  label: string;
  format: (value: number | null | undefined) => string;
  lowerIsBetter?: boolean;
  points?: boolean;
  hint: string;
};

/** The ten KPI tiles, in the order a lifecycle team reads them. */
export const KPIS: readonly Kpi[] = [
  { id: 'newCustomers', label: 'New customers', format: formatCount, hint: 'Customers who first reached the acquired stage' },
  { id: 'conversionRate', label: 'Conversion', format: formatPercent, hint: 'Share of new entrants who reached the acquired stage' },
  { id: 'cac', label: 'CAC', format: formatMoney, lowerIsBetter: true, hint: 'Campaign spend ÷ new customers' },
  { id: 'retentionRate', label: 'CRR', format: formatPercent, hint: 'Customer retention rate (E − N) ÷ S' },
  {
    id: 'churnRate',
    label: 'Churn rate',
    format: formatPercent,
    lowerIsBetter: true,
    hint: 'Customers who churned ÷ customers at the start',
  },
  { id: 'historicalClv', label: 'Historical CLV', format: formatMoney, hint: 'All sales so far ÷ customers acquired so far' },
  { id: 'nps', label: 'NPS', format: formatDecimal, points: true, hint: 'Promoters − detractors, latest score per customer' },
  { id: 'activeCustomers', label: 'Active customers', format: formatCount, hint: 'Distinct customers with any touchpoint' },
  { id: 'referralRate', label: 'Referral rate', format: formatPercent, hint: 'Active customers who referred someone' },
  { id: 'sales', label: 'Sales', format: formatMoney, hint: 'Sum of purchase values' },
];

/** The parameters of /api/metrics.csv for one metric over the page's range and filter. */
function metricsCsvQuery(metric: string, range: { from: string; to: string }, filter: MetricFilterInput | null): string {
  const query = new URLSearchParams({ metric, from: range.from, to: range.to });
  for (const name of ['segment', 'channel', 'campaign'] as const) {
    const value = filter?.[name];
    if (value) query.set(name, String(value));
  }
  return query.toString();
}

function isBucket(value: string | null): value is MetricBucket {
  return BUCKETS.some((bucket) => bucket.value === value);
}

/** The funnel and the KPIs over a range, filtered by segment, channel or campaign; everything in the URL. */
export function MetricsPage() {
  usePageTitle('Metrics');
  const [params, setParam] = useUrlParams();
  const rangeKey = params.get('range') ?? DEFAULT_RANGE;
  const { range } = parseRange(rangeKey, DEFAULT_RANGE);
  const bucketParam = params.get('bucket');
  const bucket = isBucket(bucketParam) ? bucketParam : DEFAULT_BUCKET;
  const segment = params.get('segment') ?? '';
  const channel = params.get('channel') ?? '';
  const campaign = params.get('campaign') ?? '';
  const filter = segment || channel || campaign ? { segment: segment || null, channel: channel || null, campaign: campaign || null } : null;

  // A bucket the API would refuse for its cost (a year by day; a year by week with a segment) is not asked for.
  const choice = chooseBucket(range, bucket, { segment: segment !== '', channel: channel !== '', campaign: campaign !== '' });
  const { shown, loading, error, refetch } = useMetrics(range, choice.bucket, filter);
  const pickers = useMetricsPickers();

  const currencies = useQuery(MetricsCurrenciesDocument, { variables: { range, filter } }).data?.metrics.salesByCurrency ?? [];
  const report = currencyReport(currencies, params.get('currency'));
  const flag = currencyFlag(report, formatMoney);
  // Money in the reporting currency says which one (nothing to say when no purchase stated one).
  const inCurrency = (format: Kpi['format']) => (value: number | null | undefined) => {
    const text = format(value);
    return report.reporting && text !== '—' ? `${text} ${report.reporting}` : text;
  };

  const metrics = shown?.metrics;
  const names = new Map(shown?.lifecycleModel.stages.map((stage) => [stage.key, stage.name]) ?? []);
  const campaigns = pickers?.campaigns ?? [];
  const channels = [...new Set(campaigns.map((candidate) => candidate.channel))].sort();

  return (
    <div className="metrics">
      <header className="page-header">
        <div>
          <h1 className="page-header__title">Metrics</h1>
          <p className="page-header__subtitle">
            {metrics
              ? `${metrics.from} to ${metrics.to}, by ${(choice.bucket ?? bucket).toLowerCase()}, against the period before`
              : 'The funnel and the KPIs'}
          </p>
        </div>
      </header>

      <form className="toolbar" aria-label="Metrics filters" onSubmit={(event) => event.preventDefault()}>
        <RangePicker value={rangeKey} fallback={DEFAULT_RANGE} onChange={(value) => setParam('range', value, DEFAULT_RANGE)} />
        <SelectPicker
          label="Bucket"
          value={choice.bucket ?? bucket}
          options={BUCKETS.map((option) => ({ ...option, unavailable: choice.refused[option.value] }))}
          onChange={(value) => setParam('bucket', value, DEFAULT_BUCKET)}
        />
        <SelectPicker
          label="Segment"
          value={segment}
          allLabel="All customers"
          options={(pickers?.segments ?? []).map((candidate) => ({ value: candidate.id, label: candidate.name }))}
          onChange={(value) => setParam('segment', value)}
        />
        <SelectPicker
          label="Channel"
          value={channel}
          allLabel="All channels"
          options={(channel && !channels.includes(channel) ? [...channels, channel] : channels).map((value) => ({ value, label: value }))}
          onChange={(value) => setParam('channel', value)}
        />
        <SelectPicker
          label="Campaign"
          value={campaign}
          allLabel="All campaigns"
          options={campaigns.map((candidate) => ({ value: candidate.key, label: candidate.name }))}
          onChange={(value) => setParam('campaign', value)}
        />
        {currencies.length > 1 && (
          <SelectPicker
            label="Reporting currency"
            value={report.reporting ?? ''}
            options={currencies.map((row) => ({ value: row.currency, label: currencyName(row.currency) }))}
            onChange={(value) => setParam('currency', value)}
          />
        )}
      </form>
      {flag && (
        <p className="alert" role="note" data-testid="currency-flag">
          {flag}
        </p>
      )}

      {segment && (
        <p className="muted" role="note" data-testid="spend-not-by-segment">
          CAC with a segment: spend is not narrowed by segment (campaign spend has no customers), so CAC divides all campaign spend by the
          segment’s new customers only.
        </p>
      )}
      {choice.note && (
        <p className="muted" role="status">
          {choice.note}
        </p>
      )}
      {error && <ApiErrorState error={error} onRetry={refetch} />}
      {!metrics ? (
        loading && <LoadingState label="Computing metrics…" />
      ) : (
        <div aria-busy={loading}>
          <ul className="kpis" aria-label="Key figures">
            {KPIS.map((kpi) => {
              const metric = metrics[kpi.id];
              return (
                <KpiTile
                  key={kpi.id}
                  id={kpi.id}
                  label={kpi.label}
                  value={(kpi.format === formatMoney ? inCurrency(kpi.format) : kpi.format)(metric?.total)}
                  change={metric?.change}
                  lowerIsBetter={kpi.lowerIsBetter}
                  changeInPoints={kpi.points}
                  series={metric?.series ?? []}
                  hint={kpi.hint}
                  href={`/metrics/${kpi.id}${params.size > 0 ? `?${params.toString()}` : ''}`}
                  door={kpiDoor(kpi.id, { from: metrics.from, to: metrics.to }, filter, shown?.lifecycleModel.acquiredStage ?? '')}
                />
              );
            })}
          </ul>
          <section className="panel" aria-labelledby="funnel-title">
            <header className="panel__header">
              <h2 id="funnel-title" className="panel__title">
                Funnel
              </h2>
              <span className="muted">customers who entered in the range, by the furthest stage reached</span>
              <CsvExportButton path={`/api/metrics.csv?${metricsCsvQuery('funnel', metrics, filter)}`} filename="funnel.csv" />
            </header>
            {metrics.funnel.length === 0 || metrics.funnel.every((step) => step.reached === 0) ? (
              <EmptyState title="No customers entered the lifecycle in this range">Pick a longer range or another filter.</EmptyState>
            ) : (
              <Funnel
                steps={metrics.funnel}
                names={names}
                doors={(stage) => funnelDoors(stage, { from: metrics.from, to: metrics.to }, filter)}
              />
            )}
          </section>
        </div>
      )}
    </div>
  );
}
