import { log } from '../shared/cli.js';
import { query as graphqlQuery } from '../shared/graphql.js';
import { median } from '../shared/stats.js';
import { computeMetric } from './api-services.js';
import type { MetricsRequest, MetricsService, StatementProfiler, StatementStats } from './api-services.js';

/**
 * The dashboard overview: every KPI total with its previous period, the
 * funnel and the stage distribution, for one range (MetricsService method
 * names, which are also the GraphQL field names).
 */
export const OVERVIEW_METRICS = [
  'newCustomers',
  'conversionRate',
  'cac',
  'retentionRate',
  'churnRate',
  'historicalClv',
  'nps',
  'activeCustomers',
  'referralRate',
  'sales',
  'funnel',
  'stageDistribution',
] as const;
export type OverviewMetric = (typeof OVERVIEW_METRICS)[number];

/** The same overview as one GraphQL document, as a dashboard would ask for it. */
export const OVERVIEW_DOCUMENT = `query Overview($from: String!, $to: String!) {
  metrics(range: { from: $from, to: $to }, bucket: WEEK, compareToPrevious: true) {
    exactUpTo { transitions touchpoints }
    newCustomers { ...kpi } conversionRate { ...kpi } cac { ...kpi } retentionRate { ...kpi } churnRate { ...kpi }
    historicalClv { ...kpi } referralRate { ...kpi } sales { ...kpi }
    nps { total previous change series { bucket value } promoters passives detractors responses }
    activeCustomers { total previous change series { bucket value } dau wau mau }
    funnel { stage reached conversionFromPrevious medianSecondsToReach }
    stageDistribution { bucket at stages { stage customers } }
  }
}
fragment kpi on MetricSeriesType { total previous change series { bucket value } }`;

export type OverviewAnswer = Record<OverviewMetric, unknown>;

/** Every overview metric at once (as GraphQL resolves sibling fields), with each one's own time from the common start. */
export async function runOverview(
  metrics: MetricsService,
  request: MetricsRequest,
): Promise<{ ms: number; answer: OverviewAnswer; perMetricMs: Record<OverviewMetric, number> }> {
  const started = performance.now();
  const query = await metrics.query(request);
  const perMetricMs = {} as Record<OverviewMetric, number>;
  const values = await Promise.all(
    OVERVIEW_METRICS.map(async (name) => {
      const value = await computeMetric(metrics, name, query);
      perMetricMs[name] = performance.now() - started;
      return value;
    }),
  );
  const answer = Object.fromEntries(OVERVIEW_METRICS.map((name, index) => [name, values[index]])) as OverviewAnswer;
  return { ms: performance.now() - started, answer, perMetricMs };
}

/** One metric alone: the time of its validated request plus its statements. */
export async function runMetric(metrics: MetricsService, request: MetricsRequest, name: OverviewMetric): Promise<number> {
  const started = performance.now();
  await computeMetric(metrics, name, await metrics.query(request));
  return performance.now() - started;
}

export type OverviewTimings = {
  runs: number;
  overviewMs: number[];
  /** In the overviews (all 12 at once): median per metric of the time from the start until it was answered. */
  inOverviewMedianMs: Record<OverviewMetric, number>;
  /** Each metric run alone, one after the other: median per metric (NaN without such passes). */
  perMetricMedianMs: Record<OverviewMetric, number>;
  /** The statements of the slowest metric, slowest first (for EXPLAIN). */
  slowestStatements: Record<OverviewMetric, StatementStats[]>;
  answer: OverviewAnswer;
};

/**
 * Times `runs` overviews after `warmups`, then `perMetricRuns` passes over the
 * metrics one at a time, recording each metric's statements.
 */
export async function timeOverview(
  metrics: MetricsService,
  request: MetricsRequest,
  options: { runs: number; warmups: number; perMetricRuns: number; label: string },
  profiler: StatementProfiler,
): Promise<OverviewTimings> {
  let answer: OverviewAnswer | null = null;
  for (let i = 0; i < options.warmups; i++) answer = (await runOverview(metrics, request)).answer;
  const overviewMs: number[] = [];
  const inOverview = Object.fromEntries(OVERVIEW_METRICS.map((name) => [name, [] as number[]])) as Record<OverviewMetric, number[]>;
  for (let i = 0; i < options.runs; i++) {
    const run = await runOverview(metrics, request);
    overviewMs.push(run.ms);
    for (const name of OVERVIEW_METRICS) inOverview[name].push(run.perMetricMs[name]);
    answer = run.answer;
    log(`${options.label}: overview ${i + 1}/${options.runs}: ${run.ms.toFixed(1)} ms`);
  }
  const perMetric = Object.fromEntries(OVERVIEW_METRICS.map((name) => [name, [] as number[]])) as Record<OverviewMetric, number[]>;
  const slowestStatements = {} as Record<OverviewMetric, StatementStats[]>;
  for (let pass = 0; pass < options.perMetricRuns; pass++) {
    for (const name of OVERVIEW_METRICS) {
      profiler.start();
      perMetric[name].push(await runMetric(metrics, request, name));
      slowestStatements[name] = profiler.stop();
    }
  }
  const perMetricMedianMs = Object.fromEntries(OVERVIEW_METRICS.map((name) => [name, median(perMetric[name]) ?? NaN])) as Record<
    OverviewMetric,
    number
  >;
  const inOverviewMedianMs = Object.fromEntries(OVERVIEW_METRICS.map((name) => [name, median(inOverview[name]) ?? NaN])) as Record<
    OverviewMetric,
    number
  >;
  return { runs: options.runs, overviewMs, inOverviewMedianMs, perMetricMedianMs, slowestStatements, answer: answer! };
}

/** The overview through GraphQL over HTTP: one warm-up, then `runs` timed requests. */
export async function timeGraphqlOverview(url: string, key: string, from: string, to: string, runs: number): Promise<number[]> {
  await graphqlQuery(url, key, OVERVIEW_DOCUMENT, { from, to });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await graphqlQuery(url, key, OVERVIEW_DOCUMENT, { from, to });
    times.push(performance.now() - started);
  }
  return times;
}

/** Paths where two answers differ (numbers equal within 1e-9 relative), at most `limit`. */
export function differences(left: unknown, right: unknown, limit = 10, path = ''): string[] {
  const out: string[] = [];
  const visit = (a: unknown, b: unknown, at: string) => {
    if (out.length >= limit) return;
    if (typeof a === 'number' && typeof b === 'number') {
      if (Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))) out.push(`${at}: ${a} ≠ ${b}`);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) out.push(`${at}: ${a.length} items ≠ ${b.length} items`);
      else a.forEach((item, index) => visit(item, b[index], `${at}[${index}]`));
      return;
    }
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const key of keys) visit((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], at ? `${at}.${key}` : key);
      return;
    }
    if (a !== b) out.push(`${at}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  };
  visit(left, right, path);
  return out;
}
