/**
 * Metrics: the metrics projection (rollups that follow the logs) and the
 * lifecycle metrics computed from it.
 */
export { MetricsProjection, METRICS_PROJECTION, METRIC_LOGS } from './metrics.projection';
export { MetricsService } from './metrics.service';
export type { MetricsQuery, MetricsRequest } from './metrics.service';
export { MetricsResolver } from './metrics.resolver';
export { Attribution } from './metric-sources';
export { Bucket } from './metric-windows';
export { recordErasure } from './erasure.sql';
export { METRIC_NAMES, metricTable } from './metric-tables';
export type { MetricTable, MetricTableQuery } from './metric-tables';
