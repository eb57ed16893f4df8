import { isoDay } from '../../core/dates';
import { Attribution } from './metric-sources';
import type { MetricFilter } from './metric-sources';
import type { MetricTable } from './metric-types';
import { Bucket } from './metric-windows';
import type { MetricsService } from './metrics.service';
import type { MetricName } from './registry';

/** A metric table's query: days as UTC midnights, both included. */
export type MetricTableQuery = { from: Date; to: Date; bucket: `${Bucket}`; filter: MetricFilter };

/**
 * One metric as rows (the registry's table of it): a series metric gives
 * `bucket,value` per bucket; the journey and spend metrics give their own
 * columns (snake_case), one row per stage, bucket and stage, cohort,
 * campaign or channel.
 */
export async function metricTable(service: MetricsService, metric: MetricName, request: MetricTableQuery): Promise<MetricTable> {
  const query = await service.query({
    from: isoDay(request.from),
    to: isoDay(request.to),
    bucket: Bucket[request.bucket],
    filter: request.filter,
    attribution: Attribution.FIRST_TOUCH,
    compareToPrevious: false,
  });
  return service.table(metric, query);
}
