import type { ErrorLike } from '@apollo/client';
import { useQuery } from '@apollo/client/react';
import { MetricsPageDocument, MetricsPickersDocument } from '../../gql/graphql';
import type { MetricBucket, MetricFilterInput, MetricsPageQuery, MetricsPickersQuery } from '../../gql/graphql';
import type { DayRange } from '../../lib/range';
import { useThrottledRefresh } from '../../lib/useThrottledRefresh';

export type Metrics = {
  /** The metrics and the model's stage names (the previous ones while new ones load); undefined before the first load. */
  shown: MetricsPageQuery | undefined;
  loading: boolean;
  error: ErrorLike | undefined;
  refetch: () => void;
};

/** The funnel and the KPIs for the range, bucket and filter, refreshed (throttled) as transitions are committed. */
export function useMetrics(range: DayRange, bucket: MetricBucket | null, filter: MetricFilterInput | null): Metrics {
  // No bucket: the API would refuse every one over this range (lib/metrics-cost.ts), so nothing is asked.
  const skip = bucket === null;
  const { data, previousData, loading, error, refetch } = useQuery(MetricsPageDocument, {
    variables: { range, bucket: bucket ?? 'MONTH', filter },
    skip,
  });
  useThrottledRefresh(() => {
    if (!skip) void refetch();
  });
  if (skip) return { shown: undefined, loading: false, error: undefined, refetch: () => undefined };
  return { shown: data ?? previousData, loading, error, refetch: () => void refetch() };
}

/** What the filters offer: segments and campaigns (and so channels). */
export function useMetricsPickers(): MetricsPickersQuery | undefined {
  return useQuery(MetricsPickersDocument).data;
}
