import { useQuery } from '@apollo/client/react';
import { KpiSeriesDocument } from '../../gql/graphql';
import type { KpiSeriesQuery, KpiSeriesQueryVariables, MetricBucket, MetricFilterInput } from '../../gql/graphql';
import type { DayRange } from '../../lib/range';
import { KPIS } from './MetricsPage';

export type KpiId = (typeof KPIS)[number]['id'];
export type KpiSeries = NonNullable<KpiSeriesQuery['metrics'][KpiId]>;

/** The variables asking for one KPI: its flag true, every other false. */
export function kpiVariables(
  kpi: KpiId,
  range: DayRange,
  bucket: MetricBucket,
  filter: MetricFilterInput | null,
  compare: boolean,
): KpiSeriesQueryVariables {
  const flags = Object.fromEntries(KPIS.map((candidate) => [candidate.id, candidate.id === kpi])) as Record<KpiId, boolean>;
  return { range, bucket, filter, compare, ...flags };
}

/** One KPI's series over `range` (undefined while loading), with the previous period's total when `compare`. */
export function useKpiSeries(
  kpi: KpiId,
  range: DayRange,
  bucket: MetricBucket | null,
  filter: MetricFilterInput | null,
  compare: boolean,
): { series: KpiSeries | undefined; loading: boolean; error: Error | undefined } {
  const { data, previousData, loading, error } = useQuery(KpiSeriesDocument, {
    variables: kpiVariables(kpi, range, bucket ?? 'MONTH', filter, compare),
    skip: bucket === null,
  });
  return { series: (data ?? previousData)?.metrics[kpi] ?? undefined, loading, error };
}
