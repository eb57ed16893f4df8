/**
 * Metrics: the metrics projection (rollups that follow the logs) and the
 * lifecycle metrics computed from it.
 */
export { MetricsProjection, METRICS_PROJECTION, METRIC_LOGS } from './metrics.projection';
export { LAST_RANGE_DAY, MetricsService } from './metrics.service';
export type { MetricsQuery, MetricsRequest } from './metrics.service';
export { MetricsResolver } from './metrics.resolver';
export { Attribution } from './metric-sources';
export { Bucket } from './metric-windows';
export { recordErasure } from './erasure.sql';
export { CUSTOMER_ACQUISITIONS_TABLE, METRIC_CUSTOMER_SCORES_TABLE, METRIC_TOUCHPOINTS_DAILY_TABLE } from './metric-relations';
export { metricTable } from './metric-tables';
export type { MetricTableQuery } from './metric-tables';
export type { MetricTable } from './metric-types';
export { isMetricName, METRIC_NAMES, METRICS } from './registry';
export type { MetricName } from './registry';
export { metricsPrice, rangeShape } from './metric-cost';
