import { useUrlParams } from '../../lib/useUrlParams';
import { formatCount, formatDecimal, formatMoney, formatPercent } from '../../lib/format';
import { KpiTile } from '../../components/KpiTile';
import { RangePicker, SelectPicker } from '../../components/RangePicker';
import { parseRange } from '../../lib/range';
import { chooseBucket } from '../../lib/metrics-cost';
import { ApiErrorState, EmptyState, LoadingState } from '../../components/States';
import type { MetricBucket, MetricsPageQuery } from '../../gql/graphql';
import { Funnel } from './Funnel';
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
      </form>

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
                  value={kpi.format(metric?.total)}
                  change={metric?.change}
                  lowerIsBetter={kpi.lowerIsBetter}
                  changeInPoints={kpi.points}
                  series={metric?.series ?? []}
                  hint={kpi.hint}
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
            </header>
            {metrics.funnel.length === 0 || metrics.funnel.every((step) => step.reached === 0) ? (
              <EmptyState title="No customers entered the lifecycle in this range">Pick a longer range or another filter.</EmptyState>
            ) : (
              <Funnel steps={metrics.funnel} names={names} />
            )}
          </section>
        </div>
      )}
    </div>
  );
}
