import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';

/*
 * The customers filter: one condition for the customers list, its count and
 * the CSV export (which applies it to the `bi.customers` view).
 */

export type CustomerFilterSpec = {
  stages?: string[] | null;
  attributes?: Record<string, unknown> | null;
  search?: string | null;
  seenSince?: Date | null;
  /** Members of this segment (a UUID). */
  segment?: string | null;
  /** The customers a metric counts (see CustomerRelations.metricMembers). */
  metric?: MetricMembershipSpec | null;
};

/** Which count's customers: the metrics that count customers, each with its own door. */
export const METRIC_MEMBERSHIPS = ['NEW_CUSTOMERS', 'ACTIVE_CUSTOMERS', 'FUNNEL_REACHED', 'FUNNEL_DROPPED', 'COHORT', 'FLOW'] as const;
export type MetricMembership = (typeof METRIC_MEMBERSHIPS)[number];

/**
 * The customers behind one number of the metrics: the metric, its range and
 * filter as the metrics query takes them, and the funnel stage or cohort cell
 * where the number is one of several. The metrics module gives it meaning.
 */
export type MetricMembershipSpec = {
  membership: MetricMembership;
  /** First day, YYYY-MM-DD. */
  from: string;
  /** Last day, YYYY-MM-DD (included). */
  to: string;
  segment?: string | null;
  channel?: string | null;
  campaign?: string | null;
  /** FIRST_TOUCH (default), ACQUIRING_TOUCH or LAST_TOUCH, as the metrics query's. */
  attribution?: string | null;
  lookbackDays?: number | null;
  /** FUNNEL_REACHED and FUNNEL_DROPPED: the funnel stage; FLOW: the stage moved to. */
  stage?: string | null;
  /** FLOW: the stage moved from (none: entering the lifecycle). */
  fromStage?: string | null;
  /** COHORT: the acquisition month, YYYY-MM. */
  cohort?: string | null;
  /** COHORT: months after the acquisition month (0 = that month) in which the customers were active; all of the cohort when omitted. */
  month?: number | null;
};

/** A filter with its metric membership resolved to the relation of its customers, ready for SQL. */
export type ResolvedCustomerFilter = Omit<CustomerFilterSpec, 'metric'> & { metricMembers?: SqlFragment | null };

/**
 * Relations of modules above this one that a filter reads, plugged in by the
 * composition root (server/services.ts) so this module names none of their
 * tables: `segmentMembers(id)` is the `customer_id` column of a segment's
 * members.
 */
export type CustomerRelations = {
  segmentMembers: (segmentId: string) => SqlFragment;
  /**
   * The `customer_id` column of the customers a metric counts, from the
   * metrics module; asynchronous because it validates the spec against the
   * lifecycle model. Rejects a bad spec naming its `filter.metric.*` field.
   */
  metricMembers: (spec: MetricMembershipSpec) => Promise<SqlFragment>;
};

/** `filter` with its metric membership (if any) resolved through `relations`. */
export async function resolveCustomerFilter(filter: CustomerFilterSpec, relations: CustomerRelations): Promise<ResolvedCustomerFilter> {
  const { metric, ...rest } = filter;
  return metric ? { ...rest, metricMembers: await relations.metricMembers(metric) } : rest;
}

/**
 * The filter as a condition on a customers row aliased `c` (the table, or a
 * view with its columns, such as the CSV export's `bi.customers`); `TRUE`
 * without any filter.
 */
export function customerFilter(filter: ResolvedCustomerFilter, relations: Pick<CustomerRelations, 'segmentMembers'>): SqlFragment {
  const conditions: SqlFragment[] = [];
  if (filter.stages && filter.stages.length === 1) {
    // Equality (not ANY) lets the (stage, created_at, id) index also give the order.
    conditions.push(sql`c.stage = ${filter.stages[0]}`);
  } else if (filter.stages && filter.stages.length > 1) {
    conditions.push(sql`c.stage = ANY (${filter.stages}::text[])`);
  }
  if (filter.attributes && Object.keys(filter.attributes).length > 0) {
    conditions.push(sql`c.attributes @> ${JSON.stringify(filter.attributes)}::jsonb`);
  }
  if (filter.search && filter.search.trim() !== '') {
    const pattern = sql.value(`%${filter.search.trim().replace(/[\\%_]/g, (match) => `\\${match}`)}%`);
    conditions.push(sql`(c.name ILIKE ${pattern} OR c.email ILIKE ${pattern})`);
  }
  if (filter.seenSince) {
    conditions.push(sql`c.last_seen_at >= ${filter.seenSince.toISOString()}::timestamptz`);
  }
  if (filter.segment) {
    conditions.push(sql`c.id IN (${relations.segmentMembers(filter.segment.toLowerCase())})`);
  }
  if (filter.metricMembers) {
    conditions.push(sql`c.id IN (${filter.metricMembers})`);
  }
  return conditions.length === 0 ? sql`TRUE` : sql.join(conditions, ' AND ');
}
