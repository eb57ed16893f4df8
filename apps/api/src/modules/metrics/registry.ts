import { acquisition } from './definitions/acquisition';
import { advocacy } from './definitions/advocacy';
import { awareness } from './definitions/awareness';
import { engagement } from './definitions/engagement';
import { journey } from './definitions/journey';
import { retention } from './definitions/retention';
import { spending } from './definitions/spend';
import type { MetricDefinition } from './metric-definition';

/**
 * Every metric clm computes, by name: the GraphQL field of `Metrics`, the
 * `metric` of /api/metrics.csv, and the entry of docs/metrics.md (a test
 * holds the three together). A new metric is one entry in its family's file.
 */
const ALL = { ...awareness, ...acquisition, ...engagement, ...retention, ...advocacy, ...journey, ...spending };

export type MetricName = keyof typeof ALL;

/** What each metric answers. */
export type MetricResults = { [Name in MetricName]: Awaited<ReturnType<(typeof ALL)[Name]['compute']>> };

/** The registry, typed so that a metric's name gives its result. */
export const METRICS: { readonly [Name in MetricName]: MetricDefinition<MetricResults[Name]> } = ALL;

/** Every metric name, in the registry's order (by family). */
export const METRIC_NAMES: readonly MetricName[] = Object.keys(ALL).filter(isMetricName);

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(ALL, name);
}
