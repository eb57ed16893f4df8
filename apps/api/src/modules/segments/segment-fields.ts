import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import type { SegmentRelations } from './rule-compiler';

/*
 * The customer fields a segment rule can compare, looked up by name by the
 * validator and the compiler. A new field (a prediction's churn risk, say) is
 * one more entry: its kind decides the operators and values it accepts, and
 * its SQL is either a column of the customer row `c` or a per-customer
 * lookup joined to it. The GraphQL enum `SegmentField` is built from this
 * registry.
 */

/**
 * - `text`: EQ, NEQ, IN, CONTAINS, EXISTS with strings;
 * - `number`: EQ, NEQ, IN, LT, LTE, GT, GTE, EXISTS with numbers;
 * - `time`: LT, LTE, GT, GTE with ISO 8601 date-times, EXISTS;
 * - `duration`: days from a time to the evaluation time ("days since last
 *   seen"): LT, LTE, GT, GTE with a number of days, EXISTS.
 */
export type FieldKind = 'text' | 'number' | 'time' | 'duration';

export type SegmentFieldDefinition = {
  kind: FieldKind;
  /** For the schema (the enum value's description) and the README. */
  description: string;
} & (
  | {
      /** The value's SQL on the customer row `c` (for `duration`, the time the days are counted from). */
      sql: string;
    }
  | {
      /**
       * A relation `(customer_id, value)` with at most one row per customer,
       * LEFT JOINed to the customer row. `customers` is a uuid[] of the
       * customers being evaluated (null for all), so a lookup reads only
       * their rows; `relations` are what segments read of other modules.
       */
      lookup: (customers: SqlFragment | null, relations: SegmentRelations) => SqlFragment;
    }
);

export type FieldRegistry = Readonly<Record<string, SegmentFieldDefinition>>;

/** A JSON number, or a string holding one ("9" from a form field); NULL otherwise. Defined by the segments migration. */
export const JSON_NUMBER = 'segment_json_number';

export const SEGMENT_FIELDS: FieldRegistry = {
  STAGE: { kind: 'text', sql: 'c.stage', description: 'The current lifecycle stage key (at-risk and churned included).' },
  DAYS_IN_STAGE: { kind: 'duration', sql: 'c.stage_entered_at', description: 'Days since the customer entered the current stage.' },
  FIRST_SEEN_AT: { kind: 'time', sql: 'c.first_seen_at', description: 'Time of the earliest touchpoint.' },
  LAST_SEEN_AT: { kind: 'time', sql: 'c.last_seen_at', description: 'Time of the latest touchpoint.' },
  DAYS_SINCE_FIRST_SEEN: { kind: 'duration', sql: 'c.first_seen_at', description: 'Days since the earliest touchpoint.' },
  DAYS_SINCE_LAST_SEEN: { kind: 'duration', sql: 'c.last_seen_at', description: 'Days since the latest touchpoint.' },
  ORDERS: { kind: 'number', sql: 'c.orders', description: 'Number of purchases.' },
  REVENUE: { kind: 'number', sql: 'c.revenue', description: 'Revenue: purchase values minus refund values.' },
  NPS_SCORE: {
    kind: 'number',
    description:
      "The customer's latest NPS score: the `score` (a whole number from 0 to 10) of their latest `survey_response`, as the NPS metric counts it (read from the metrics projection's per-customer scores).",
    // One row per customer and day (that day's latest score): the latest day holds the latest score.
    // Both keys descending, so the primary key (kind, customer_id, day) read backwards gives the order without a sort.
    lookup: (customers, relations) =>
      sql`SELECT DISTINCT ON (s.customer_id) s.customer_id, s.score AS value
            FROM ${relations.customerScores} s
           WHERE s.kind = 'nps' ${customers === null ? sql.empty : sql`AND s.customer_id = ANY (${customers})`}
           ORDER BY s.customer_id DESC, s.day DESC`,
  },
};
