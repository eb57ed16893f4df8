import type { Request } from 'express';
import { isoDay, parseIsoDate } from '../core/dates';
import { ClmError, CoreError } from '../core/errors';
import { isUuid, textProblem } from '../core/ids';
import { METRIC_MEMBERSHIPS } from '../modules/customers';
import type { MetricMembershipSpec } from '../modules/customers';
import { LAST_RANGE_DAY } from '../modules/metrics';
import type { MetricTableQuery } from '../modules/metrics';

/*
 * The query parameters of the CSV exports (csv-export.ts), read and checked:
 * customers.csv's stage and segment, metrics.csv's metric, range, bucket and
 * filters. Every bad parameter is named in one INVALID_INPUT error, with the
 * issues as a list beside the message.
 */

/** A parameter problem: which parameter, and what is wrong with it. */
export type ParameterIssue = { field: string; message: string };

/** One error naming every bad parameter (message: `from: not a date (YYYY-MM-DD); bucket: …`). */
function invalidParameters(issues: ParameterIssue[]): ClmError {
  return new ClmError(CoreError.INVALID_INPUT, issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '), {
    field: issues[0].field,
    issues,
  });
}

type QueryValues = Request['query'];

/** Parameters not in `known`, and known ones given more than once, as issues. */
function shapeIssues(query: QueryValues, known: readonly string[], repeatable: readonly string[] = []): ParameterIssue[] {
  const issues: ParameterIssue[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (!known.includes(name)) issues.push({ field: name, message: `unknown parameter (known: ${known.join(', ')})` });
    else if (typeof value !== 'string' && !(repeatable.includes(name) && Array.isArray(value)))
      issues.push({ field: name, message: 'given more than once' });
  }
  return issues;
}

/** A free-text parameter: storable and at most 256 characters. */
function textIssue(field: string, value: string): ParameterIssue | null {
  const problem = textProblem(value) ?? (value.length > 256 ? 'longer than 256 characters' : value === '' ? 'is empty' : null);
  return problem === null ? null : { field, message: problem };
}

// ------------------------------------------------------------------ customers.csv

/**
 * Customers in any of `stages` (all when empty), when given members of the
 * segment with id `segment`, and when given the customers behind a metric
 * (the customers filter's `metric`; its segment is `segment`).
 */
export type CustomersCsvFilter = { stages: string[]; segment: string | null; metric: MetricMembershipSpec | null };

const CUSTOMER_PARAMETERS = [
  'stage',
  'segment',
  'behind',
  'from',
  'to',
  'channel',
  'campaign',
  'attribution',
  'lookbackDays',
  'funnelStage',
  'fromStage',
  'cohort',
  'month',
] as const;
/** The parameters that only go with `behind`. */
const MEMBERSHIP_PARAMETERS = CUSTOMER_PARAMETERS.slice(3);

/** `?stage=a&stage=b&segment=…&behind=NEW_CUSTOMERS&from=…&to=…`; every bad parameter named. */
export function parseCustomersCsvQuery(query: QueryValues): CustomersCsvFilter {
  const issues = shapeIssues(query, CUSTOMER_PARAMETERS, ['stage']);
  const rawStages = query.stage === undefined ? [] : Array.isArray(query.stage) ? query.stage : [query.stage];
  const stages = rawStages.filter((stage): stage is string => typeof stage === 'string');
  stages.forEach((stage, index) => {
    const issue = textIssue(stages.length > 1 ? `stage[${index}]` : 'stage', stage);
    if (issue) issues.push(issue);
  });
  const segment = typeof query.segment === 'string' ? query.segment.toLowerCase() : null;
  if (segment !== null && !isUuid(segment)) issues.push({ field: 'segment', message: 'not a segment id (a UUID)' });
  const metric = parseMembership(query, segment, issues);
  if (issues.length > 0) throw invalidParameters(issues);
  return { stages, segment, metric };
}

/** `behind` and the parameters that go with it, as the customers filter's `metric`; null without `behind`. */
function parseMembership(query: QueryValues, segment: string | null, issues: ParameterIssue[]): MetricMembershipSpec | null {
  const single = (name: string): string | undefined => (typeof query[name] === 'string' ? query[name] : undefined);
  const behind = single('behind');
  if (behind === undefined) {
    for (const name of MEMBERSHIP_PARAMETERS) if (query[name] !== undefined) issues.push({ field: name, message: 'goes only with behind' });
    return null;
  }
  const membership = METRIC_MEMBERSHIPS.find((candidate) => candidate === behind);
  if (membership === undefined) issues.push({ field: 'behind', message: `must be one of ${METRIC_MEMBERSHIPS.join(', ')}` });
  for (const name of ['from', 'to'] as const) {
    const text = single(name);
    if (text === undefined || parseIsoDate(text) === null)
      issues.push({ field: name, message: 'required with behind, a date (YYYY-MM-DD)' });
  }
  const text = (name: 'channel' | 'campaign' | 'attribution' | 'funnelStage' | 'fromStage' | 'cohort') => {
    const value = single(name);
    const issue = value === undefined ? null : textIssue(name, value);
    if (issue) issues.push(issue);
    return value ?? null;
  };
  const whole = (name: 'lookbackDays' | 'month') => {
    const value = single(name);
    if (value === undefined) return null;
    if (!/^\d{1,4}$/.test(value)) issues.push({ field: name, message: 'not a whole number' });
    return Number(value);
  };
  const spec: MetricMembershipSpec = {
    membership: membership ?? 'NEW_CUSTOMERS',
    from: single('from') ?? '',
    to: single('to') ?? '',
    segment,
    channel: text('channel'),
    campaign: text('campaign'),
    attribution: text('attribution'),
    lookbackDays: whole('lookbackDays'),
    stage: text('funnelStage'),
    fromStage: text('fromStage'),
    cohort: text('cohort'),
    month: whole('month'),
  };
  return spec;
}

/** The customers.csv parameter for a field of the customers filter's `metric` (as the metrics module names it in errors). */
export function membershipParameter(field: string): string | null {
  const name = field.startsWith('filter.metric.') ? field.slice('filter.metric.'.length) : null;
  if (name === null) return null;
  return name === 'stage' ? 'funnelStage' : name === 'membership' ? 'behind' : name;
}

// ------------------------------------------------------------------ metrics.csv

const METRIC_PARAMETERS = ['metric', 'from', 'to', 'bucket', 'segment', 'channel', 'campaign'] as const;
type Bucket = MetricTableQuery['bucket'];
const BUCKETS: readonly Bucket[] = ['DAY', 'WEEK', 'MONTH'];
/** The longest range one request may ask for: ten years of days. */
const MAX_RANGE_DAYS = 3660;

/** `?metric=…&from=YYYY-MM-DD&to=YYYY-MM-DD&bucket=DAY|WEEK|MONTH&segment=…&channel=…&campaign=…`; every bad parameter named. */
export function parseMetricsCsvQuery<Name extends string>(
  query: QueryValues,
  metricNames: readonly Name[],
): MetricTableQuery & { metric: Name } {
  const issues = shapeIssues(query, METRIC_PARAMETERS);
  const single = (name: string): string | undefined => (typeof query[name] === 'string' ? query[name] : undefined);

  const metricText = single('metric');
  const metric = metricNames.find((name) => name === metricText);
  const valid = `valid: ${metricNames.join(', ')}`;
  if (metricText === undefined) {
    if (query.metric === undefined) issues.push({ field: 'metric', message: `required (${valid})` });
  } else if (metric === undefined) {
    issues.push({ field: 'metric', message: `unknown metric "${metricText.slice(0, 100)}" (${valid})` });
  }

  const day = (name: 'from' | 'to'): Date | null => {
    const text = single(name);
    if (text === undefined) {
      if (query[name] === undefined) issues.push({ field: name, message: 'required, a date (YYYY-MM-DD)' });
      return null;
    }
    const parsed = parseIsoDate(text);
    if (parsed === null) issues.push({ field: name, message: 'not a date (YYYY-MM-DD)' });
    return parsed;
  };
  const from = day('from');
  const to = day('to');
  if (to && isoDay(to) > LAST_RANGE_DAY) issues.push({ field: 'to', message: `after ${LAST_RANGE_DAY} (the last day a range may end on)` });
  else if (from && to && to < from) issues.push({ field: 'to', message: 'before from' });
  else if (from && to && (to.getTime() - from.getTime()) / 86_400_000 >= MAX_RANGE_DAYS)
    issues.push({ field: 'to', message: `the range is longer than ${MAX_RANGE_DAYS} days` });

  const bucketText = single('bucket');
  const bucket = (bucketText ?? 'DAY').toUpperCase() as Bucket;
  if (!BUCKETS.includes(bucket)) issues.push({ field: 'bucket', message: 'must be DAY, WEEK or MONTH' });

  const filter: MetricTableQuery['filter'] = {};
  for (const name of ['segment', 'channel', 'campaign'] as const) {
    const value = single(name);
    if (value === undefined) continue;
    const issue =
      name === 'segment' ? (isUuid(value) ? null : { field: name, message: 'not a segment id (a UUID)' }) : textIssue(name, value);
    if (issue) issues.push(issue);
    else filter[name] = name === 'segment' ? value.toLowerCase() : value;
  }

  if (issues.length > 0 || metric === undefined || from === null || to === null) throw invalidParameters(issues);
  return { metric, from, to, bucket, filter };
}
