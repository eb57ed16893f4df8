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
};

/**
 * Relations of modules above this one that a filter reads, plugged in by the
 * composition root (server/services.ts) so this module names none of their
 * tables: `segmentMembers(id)` is the `customer_id` column of a segment's
 * members.
 */
export type CustomerRelations = {
  segmentMembers: (segmentId: string) => SqlFragment;
};

/**
 * The filter as a condition on a customers row aliased `c` (the table, or a
 * view with its columns, such as the CSV export's `bi.customers`); `TRUE`
 * without any filter.
 */
export function customerFilter(filter: CustomerFilterSpec, relations: CustomerRelations): SqlFragment {
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
  return conditions.length === 0 ? sql`TRUE` : sql.join(conditions, ' AND ');
}
