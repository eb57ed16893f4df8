import type { MetricContext, Parts, PartsSql } from './metric-evaluation';
import { series } from './metric-parts';
import type { MetricSeries, MetricTable } from './metric-types';

/** The families of metrics: one file each in definitions/, one section each in docs/metrics.md. */
export const METRIC_FAMILIES = ['awareness', 'acquisition', 'engagement', 'retention', 'advocacy', 'journey', 'spend'] as const;
export type MetricFamily = (typeof METRIC_FAMILIES)[number];

/**
 * One metric: everything clm knows about it. Its name is its key in the
 * registry (and the GraphQL field and the `metric` of /api/metrics.csv).
 */
export type MetricDefinition<Result> = {
  family: MetricFamily;
  /** The written definition in short: the GraphQL field's description. docs/metrics.md gives the long form. */
  description: string;
  /** The metric for a validated query, from SQL over the metric relations. */
  compute(context: MetricContext): Promise<Result>;
  /** The metric as a table: `bucket,value` for a series, its own columns otherwise. */
  table(result: Result): MetricTable;
};

/** A series as a table: one `bucket,value` row per bucket. */
export function seriesTable(result: MetricSeries): MetricTable {
  return { columns: ['bucket', 'value'], rows: result.series.map((point) => [point.bucket, point.value]) };
}

/**
 * A metric that is a series of one number per window, computed from named
 * parts (SQL, one value per window) by `value`. Most metrics are one of
 * these, and adding one is writing its parts and its formula.
 */
export function seriesMetric(definition: {
  family: MetricFamily;
  description: string;
  parts: PartsSql;
  value: (parts: Parts) => number | null;
}): MetricDefinition<MetricSeries> {
  return {
    family: definition.family,
    description: definition.description,
    compute: (context) => series(context, definition.parts, definition.value),
    table: seriesTable,
  };
}
