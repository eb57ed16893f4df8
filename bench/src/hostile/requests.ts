import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/*
 * The hostile requests: the costliest previewSegment and metrics requests a
 * key may send, built from the measured API build's own pricing functions
 * (segments/rule-cost.js, metrics/metric-cost.js, loaded from its dist) so
 * that each one costs at most the server's cost limit and the next larger
 * one of its kind would be refused. `hostile.ts` checks both against the
 * running server before measuring.
 */

/** What the benchmark uses of the API build's pricing (CommonJS, loaded from its dist). */
export type PricingDist = {
  ruleCost: (rule: unknown, asOf: Date) => number;
  RULE_COST: { node: number; behaviourBase: number; daysPerUnit: number; everDays: number };
  RULE_LIMITS: { maxNodes: number };
  metricsPrice: (shape: MetricsShape) => number;
  rangeShape: (from: unknown, to: unknown, bucket: unknown) => { days: number; buckets: number };
  METRIC_COST: { maxDays: number };
};

type MetricsShape = {
  days: number;
  buckets: number;
  metrics: number;
  filter: { segment: boolean; channel: boolean; campaign: boolean };
  compareToPrevious: boolean;
};

export function loadPricing(apiDist: string): PricingDist {
  const require = createRequire(pathToFileURL(path.join(apiDist, 'package.json')));
  // The segment field registry defines GraphQL types, whose decorators need reflect-metadata.
  require('reflect-metadata');
  const ruleCost = require(path.join(apiDist, 'modules/segments/rule-cost.js')) as Pick<PricingDist, 'ruleCost' | 'RULE_COST'>;
  const validation = require(path.join(apiDist, 'modules/segments/rule-validation.js')) as Pick<PricingDist, 'RULE_LIMITS'>;
  const metricCost = require(path.join(apiDist, 'modules/metrics/metric-cost.js')) as Pick<
    PricingDist,
    'metricsPrice' | 'rangeShape' | 'METRIC_COST'
  >;
  return {
    ruleCost: ruleCost.ruleCost,
    RULE_COST: ruleCost.RULE_COST,
    RULE_LIMITS: validation.RULE_LIMITS,
    metricsPrice: metricCost.metricsPrice,
    rangeShape: metricCost.rangeShape,
    METRIC_COST: metricCost.METRIC_COST,
  };
}

/** One hostile request: a GraphQL body, its cost as the server computes it, and the next larger one of its kind. */
export type HostileRequest = {
  name: string;
  /** What it asks for, in a line. */
  description: string;
  body: string;
  /** The operation's cost: the priced field's price plus one per field selected below it. */
  cost: number;
  /** The same request grown by one step (a condition, a metric): over the limit, so it must be refused. */
  oneMore: string;
  oneMoreCost: number;
};

/** A selection: a field, or a field with the fields below it. */
type Selection = string | readonly [string, readonly Selection[]];

function render(selections: readonly Selection[]): string {
  return selections
    .map((selection) => (typeof selection === 'string' ? selection : `${selection[0]} { ${render(selection[1])} }`))
    .join(' ');
}

/** The cost of the fields below a priced field: one each (no connections among them). */
function fieldCount(selections: readonly Selection[]): number {
  return selections.reduce((sum, selection) => sum + (typeof selection === 'string' ? 1 : 1 + fieldCount(selection[1])), 0);
}

const PREVIEW_SELECTION: Selection[] = ['count', ['sample', ['id']]];
const PREVIEW = `query HostilePreview($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { ${render(PREVIEW_SELECTION)} } }`;

const BEHAVIOUR_TYPES = ['purchase', 'page_view', 'login', 'email_open', 'email_click', 'signup', 'review', 'survey_response', 'referral'];

/** A behaviour condition over all history (the widest window), or over `withinDays`. */
function behaviour(index: number, withinDays: number | null): Record<string, unknown> {
  const condition: Record<string, unknown> = {
    types: [BEHAVIOUR_TYPES[index % BEHAVIOUR_TYPES.length]],
    aggregate: index % 2 === 0 ? 'COUNT' : 'SUM',
    operator: 'GTE',
    value: 1 + (index % 3),
  };
  if (withinDays !== null) condition.withinDays = withinDays;
  return { behaviour: condition };
}

/**
 * The costliest preview under `limit`: an `or` of as many all-history
 * behaviour conditions as fit (each a scan of every touchpoint grouped by
 * customer), then one more behaviour condition with the widest window the
 * rest of the budget pays for, then plain field conditions for what is left.
 */
export function costliestPreview(pricing: PricingDist, limit: number, asOf: Date): HostileRequest {
  const overhead = fieldCount(PREVIEW_SELECTION);
  const { RULE_COST, RULE_LIMITS } = pricing;
  const full = RULE_COST.node + RULE_COST.behaviourBase + Math.ceil(RULE_COST.everDays / RULE_COST.daysPerUnit);
  const conditions: Array<Record<string, unknown>> = [];
  let cost = overhead + RULE_COST.node;
  while (cost + full <= limit && conditions.length + 1 < RULE_LIMITS.maxNodes) {
    conditions.push(behaviour(conditions.length, null));
    cost += full;
  }
  const fullCount = conditions.length;
  const windowUnits = limit - cost - RULE_COST.node - RULE_COST.behaviourBase;
  if (windowUnits > 0 && conditions.length + 1 < RULE_LIMITS.maxNodes) {
    conditions.push(behaviour(conditions.length, windowUnits * RULE_COST.daysPerUnit));
    cost += RULE_COST.node + RULE_COST.behaviourBase + windowUnits;
  }
  while (cost + RULE_COST.node <= limit && conditions.length + 1 < RULE_LIMITS.maxNodes) {
    conditions.push({ field: { field: 'REVENUE', operator: 'GTE', value: conditions.length } });
    cost += RULE_COST.node;
  }
  const rule = { or: conditions };
  const grown = { or: [...conditions, behaviour(conditions.length, null)] };
  const priced = pricing.ruleCost(rule, asOf) + overhead;
  if (priced !== cost) throw new Error(`the preview was built to cost ${cost} but the API's ruleCost prices it ${priced}`);
  return {
    name: 'preview',
    description: `previewSegment: or of ${conditions.length} conditions (${fullCount} behaviour conditions over all history, then the widest window and field conditions that fit)`,
    body: JSON.stringify({ query: PREVIEW, variables: { rule } }),
    cost,
    oneMore: JSON.stringify({ query: PREVIEW, variables: { rule: grown } }),
    oneMoreCost: pricing.ruleCost(grown, asOf) + overhead,
  };
}

/** A metric series: its total and every bucket's value. */
const SERIES: readonly Selection[] = ['total', ['series', ['bucket', 'value']]];

/** Every metric of `Metrics`, each with a small selection, customer metrics (the ones a segment filter narrows) first. */
const METRIC_SELECTIONS: ReadonlyArray<readonly [string, readonly Selection[]]> = [
  ['newCustomers', SERIES],
  ['churnRate', SERIES],
  ['retentionRate', SERIES],
  ['activeCustomers', ['total', 'dau', 'wau', 'mau']],
  ['conversionRate', SERIES],
  ['historicalClv', SERIES],
  ['repeatPurchaseRate', SERIES],
  ['engagementRate', SERIES],
  ['stageDistribution', ['bucket', ['stages', ['stage', 'customers']]]],
  ['funnel', ['stage', 'reached', 'medianSecondsToReach']],
  ['timeInStage', ['stage', 'stays', 'medianSeconds']],
  ['cohortRetention', ['cohort', 'customers', 'retention']],
  ['nps', ['total', 'responses']],
  ['csat', ['total', 'responses']],
  ['sales', SERIES],
  ['salesGrowth', SERIES],
  ['cac', SERIES],
  ['referralRate', SERIES],
  ['pageViews', SERIES],
  ['uniqueVisitors', SERIES],
  ['socialEngagements', SERIES],
  ['socialShares', SERIES],
  ['brandMentions', SERIES],
  ['campaigns', ['campaign', 'spend', 'roi']],
  ['channels', ['channel', 'spend', 'cac']],
];

export type MetricsPlan = {
  name: string;
  bucket: 'DAY' | 'WEEK' | 'MONTH';
  /** Days of the range, ending `today`. */
  days: number;
  segment: string | null;
  compareToPrevious: boolean;
};

const DAY_MS = 86_400_000;

function day(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/**
 * The metrics request of `plan` with as many metrics (in METRIC_SELECTIONS'
 * order, no aliases) as the limit allows; throws when not even one fits.
 */
export function costliestMetrics(pricing: PricingDist, limit: number, today: Date, plan: MetricsPlan): HostileRequest {
  const to = day(today.getTime());
  const from = day(today.getTime() - (plan.days - 1) * DAY_MS);
  const range = pricing.rangeShape(from, to, plan.bucket);
  const filter = { segment: plan.segment !== null, channel: false, campaign: false };
  const costOf = (count: number) =>
    pricing.metricsPrice({ ...range, metrics: count, filter, compareToPrevious: plan.compareToPrevious }) +
    fieldCount(METRIC_SELECTIONS.slice(0, count));
  let count = 0;
  while (count < METRIC_SELECTIONS.length && costOf(count + 1) <= limit) count += 1;
  if (count === 0) throw new Error(`metrics ${plan.name}: not even one metric fits the cost limit ${limit} (${costOf(1)})`);
  const document = (metrics: number) =>
    `query HostileMetrics($range: DayRangeInput!, $bucket: MetricBucket!, $filter: MetricFilterInput, $compare: Boolean!) {
      metrics(range: $range, bucket: $bucket, filter: $filter, compareToPrevious: $compare) { ${render(METRIC_SELECTIONS.slice(0, metrics))} } }`;
  const variables = {
    range: { from, to },
    bucket: plan.bucket,
    filter: plan.segment === null ? null : { segment: plan.segment },
    compare: plan.compareToPrevious,
  };
  // Past the last distinct metric, the next step is a longer range: one more day.
  const grown =
    count < METRIC_SELECTIONS.length ? { body: JSON.stringify({ query: document(count + 1), variables }), cost: costOf(count + 1) } : null;
  const names = METRIC_SELECTIONS.slice(0, count).map(([name]) => name);
  return {
    name: plan.name,
    description: `metrics: ${count} metrics (${names.join(', ')}) over ${range.days} days by ${plan.bucket} (${range.buckets} buckets)${
      plan.segment === null ? '' : ', segment filter'
    }${plan.compareToPrevious ? ', compareToPrevious' : ''}`,
    body: JSON.stringify({ query: document(count), variables }),
    cost: costOf(count),
    oneMore: grown?.body ?? '',
    oneMoreCost: grown?.cost ?? 0,
  };
}

/** The metrics plans: the widest range with every bucket size, with and without a segment filter. */
export function metricsPlans(maxDays: number, segment: string): { plain: MetricsPlan[]; segmented: MetricsPlan[] } {
  return {
    plain: [
      { name: 'metrics-widest-month', bucket: 'MONTH', days: maxDays, segment: null, compareToPrevious: false },
      { name: 'metrics-year-day', bucket: 'DAY', days: 365, segment: null, compareToPrevious: false },
    ],
    segmented: [
      { name: 'metrics-segment-widest-month', bucket: 'MONTH', days: maxDays, segment, compareToPrevious: false },
      { name: 'metrics-segment-year-week-compare', bucket: 'WEEK', days: 365, segment, compareToPrevious: true },
    ],
  };
}
