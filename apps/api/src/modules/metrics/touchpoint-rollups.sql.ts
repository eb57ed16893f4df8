import { prepared } from '../../database/db';
import type { UnitOfWork } from '../../database/db';
import type { LogRange } from '../../log';
import { TOUCHPOINTS_TABLE } from '../touchpoints';
import { METRIC_CUSTOMER_SCORES_TABLE, METRIC_TOUCHPOINTS_DAILY_TABLE } from './metric-relations';
import { DAY, inRange, rangeParameters } from './projection-stretch';
import { addToRunningTotals } from './running-totals.sql';
import { ACTIVITY_KINDS_SQL, ENGAGEMENT_TYPES, PURCHASE, SCORE_SQL } from './vocabulary';

/*
 * What a stretch of the touchpoint log adds to the metrics projection, in
 * set-based SQL: touchpoints per day, active days and their gap counts,
 * scores per day and the chain of each customer's latest score, and first and
 * second purchases. The transition and erasure logs are metrics.projection.ts's.
 */

/**
 * The CTEs `touched` and `known`: for each (kind, customer) with rows in
 * `changed`, the rows `table` already holds from the last day before the
 * first changed one (lo) to the first day after the last (hi) — the only
 * stretch whose links a change can alter. That is lo, hi, and the known days
 * from the first changed day to the last: looked up only when the changed
 * days span several days (rare) or, with `changedMayBeKnown`, may themselves
 * be known (a day scored again).
 *
 * Every lookup is by the table's primary key (kind, customer_id, day), each
 * in a LATERAL subquery kept apart by OFFSET 0: the planner cannot size
 * `changed` (fed by RETURNING) and, left to itself, hashes the whole table,
 * which grows with every active day of every customer.
 * `extraColumn` (such as `score`) is read for each known day by its key.
 */
function neighbourhood(table: string, changed: string, options: { extraColumn?: string; changedMayBeKnown: boolean }): string {
  const extraColumn = options.extraColumn ?? null;
  const extra = extraColumn === null ? '' : `, e.${extraColumn}`;
  const readExtra =
    extraColumn === null
      ? ''
      : `CROSS JOIN LATERAL (SELECT a.${extraColumn} FROM ${table} a
                          WHERE a.kind = k.kind AND a.customer_id = k.customer_id AND a.day = k.day OFFSET 0) e`;
  return `touched AS (
    SELECT kind, customer_id, min(day) AS first_new, max(day) AS last_new FROM ${changed} GROUP BY kind, customer_id
  ), known_days AS (
    SELECT x.kind, x.customer_id, n.day
      FROM touched x
      CROSS JOIN LATERAL (
        SELECT (SELECT max(a.day) FROM ${table} a WHERE a.kind = x.kind AND a.customer_id = x.customer_id AND a.day < x.first_new) AS lo,
               (SELECT min(a.day) FROM ${table} a WHERE a.kind = x.kind AND a.customer_id = x.customer_id AND a.day > x.last_new) AS hi
        OFFSET 0
      ) b
      CROSS JOIN LATERAL (VALUES (b.lo), (b.hi)) n(day)
     WHERE n.day IS NOT NULL
    UNION ALL
    SELECT x.kind, x.customer_id, a.day
      FROM touched x
      CROSS JOIN LATERAL (
        SELECT a.day FROM ${table} a
         WHERE a.kind = x.kind AND a.customer_id = x.customer_id AND a.day >= x.first_new AND a.day <= x.last_new
        OFFSET 0
      ) a
     WHERE x.first_new < x.last_new OR ${options.changedMayBeKnown}
  ), known AS (
    SELECT k.kind, k.customer_id, k.day${extra} FROM known_days k ${readExtra}
  )`;
}

/** Touchpoints per day, type, channel and campaign; returns the sales per day it added (for the running totals). */
const TOUCHPOINTS_DAILY = prepared(`
  WITH batch AS (
    SELECT ${DAY} AS day, t.type, t.channel, coalesce(t.campaign, '') AS campaign, count(*) AS touchpoints, coalesce(sum(t.value), 0) AS value_sum
      FROM ${TOUCHPOINTS_TABLE} t
     WHERE ${inRange('t')}
     GROUP BY 1, 2, 3, 4
  ), written AS (
    INSERT INTO ${METRIC_TOUCHPOINTS_DAILY_TABLE} AS m (day, type, channel, campaign, touchpoints, value_sum)
    SELECT * FROM batch
    ON CONFLICT (day, type, channel, campaign)
    DO UPDATE SET touchpoints = m.touchpoints + EXCLUDED.touchpoints, value_sum = m.value_sum + EXCLUDED.value_sum
  )
  SELECT day::text AS day, sum(value_sum)::text AS sales FROM batch WHERE type = '${PURCHASE}' GROUP BY day`);

/*
 * New active days, and the change they make to the gap counts. Only the links
 * around the new days change: for each (kind, customer), the days from the last
 * known day before the first new one (lo) to the first known day after the last
 * new one (hi). Their links before (known days) are taken away and after (known
 * and new days) are added; the link into lo is the same in both and cancels.
 * The statement sees the table as it was before its own INSERT.
 */
const ACTIVITY = prepared(`
  WITH batch AS (
    SELECT DISTINCT k.kind, t.customer_id, ${DAY} AS day
      FROM ${TOUCHPOINTS_TABLE} t CROSS JOIN LATERAL ${ACTIVITY_KINDS_SQL} k(kind)
     WHERE ${inRange('t')} AND k.kind IS NOT NULL
  ), new_days AS (
    INSERT INTO metric_activity_days (kind, customer_id, day)
    SELECT kind, customer_id, day FROM batch
    ON CONFLICT DO NOTHING
    RETURNING kind, customer_id, day
  ), ${neighbourhood('metric_activity_days', 'new_days', { changedMayBeKnown: false })}
  , links AS (
    SELECT kind, day, coalesce(lag(day) OVER (PARTITION BY kind, customer_id ORDER BY day), '0001-01-01'::date) AS prev_day, -1 AS delta
      FROM known
    UNION ALL
    SELECT kind, day, coalesce(lag(day) OVER (PARTITION BY kind, customer_id ORDER BY day), '0001-01-01'::date), 1
      FROM (SELECT kind, customer_id, day FROM known UNION ALL SELECT kind, customer_id, day FROM new_days) merged
  ), written AS (
    INSERT INTO metric_activity_gaps AS g (kind, day, prev_day, customers)
    SELECT kind, day, prev_day, sum(delta) FROM links GROUP BY kind, day, prev_day HAVING sum(delta) <> 0
    ON CONFLICT (kind, day, prev_day) DO UPDATE SET customers = g.customers + EXCLUDED.customers
    RETURNING g.kind, g.day, g.prev_day
  )
  SELECT kind, day::text AS day, min(prev_day)::text AS first FROM written GROUP BY kind, day`);

/**
 * The gap rows' running sums over prev_day within their kind and day (customers_upto), from the first row a
 * stretch changed on. Each (kind, day) is read by its key (LATERAL, OFFSET 0: see neighbourhood()).
 */
const GAPS_UPTO = prepared(`
  UPDATE metric_activity_gaps g SET customers_upto = s.upto
    FROM (SELECT c.first, a.kind, a.day, a.prev_day, sum(a.customers) OVER (PARTITION BY a.kind, a.day ORDER BY a.prev_day) AS upto
            FROM unnest($1::text[], $2::date[], $3::date[]) c(kind, day, first)
            CROSS JOIN LATERAL (SELECT a.kind, a.day, a.prev_day, a.customers FROM metric_activity_gaps a
                                 WHERE a.kind = c.kind AND a.day = c.day OFFSET 0) a) s
   WHERE g.kind = s.kind AND g.day = s.day AND g.prev_day = s.prev_day AND s.prev_day >= s.first AND g.customers_upto <> s.upto`);

const SCORES_DAILY = prepared(`
  INSERT INTO metric_scores_daily AS m (kind, day, score, responses)
  SELECT s.kind, ${DAY}, s.score, count(*)
    FROM ${TOUCHPOINTS_TABLE} t CROSS JOIN LATERAL ${SCORE_SQL} s
   WHERE ${inRange('t')} AND t.properties ? 'score'
   GROUP BY 1, 2, 3
  ON CONFLICT (kind, day, score) DO UPDATE SET responses = m.responses + EXCLUDED.responses`);

/*
 * Each customer's last score of each day, and the chain of scored days (the
 * same neighbourhood rewrite as the activity gaps, with the next day instead
 * of the previous one, and the score carried on each link).
 */
const SCORE_CHAIN = prepared(`
  WITH batch AS (
    SELECT DISTINCT ON (s.kind, t.customer_id, ${DAY}) s.kind, t.customer_id, ${DAY} AS day, s.score, t.occurred_at, t.id
      FROM ${TOUCHPOINTS_TABLE} t CROSS JOIN LATERAL ${SCORE_SQL} s
     WHERE ${inRange('t')} AND t.properties ? 'score'
     ORDER BY s.kind, t.customer_id, ${DAY}, t.occurred_at DESC, t.id DESC
  ), winners AS (
    SELECT b.* FROM batch b
      LEFT JOIN ${METRIC_CUSTOMER_SCORES_TABLE} c ON c.kind = b.kind AND c.customer_id = b.customer_id AND c.day = b.day
     WHERE c.customer_id IS NULL OR (b.occurred_at, b.id) > (c.scored_at, c.touchpoint_id)
  ), ${neighbourhood(METRIC_CUSTOMER_SCORES_TABLE, 'winners', { extraColumn: 'score', changedMayBeKnown: true })}
  , merged AS (
    -- A day the batch scored again takes the batch's score (by sorting, not a join: the planner
    -- cannot size these CTEs and would compare every pair).
    SELECT DISTINCT ON (kind, customer_id, day) kind, customer_id, day, score
      FROM (SELECT kind, customer_id, day, score, 0 AS preference FROM winners
            UNION ALL
            SELECT kind, customer_id, day, score, 1 FROM known) candidates
     ORDER BY kind, customer_id, day, preference
  ), links AS (
    SELECT kind, day, coalesce(lead(day) OVER (PARTITION BY kind, customer_id ORDER BY day), '9999-12-31'::date) AS next_day, score, -1 AS delta
      FROM known
    UNION ALL
    SELECT kind, day, coalesce(lead(day) OVER (PARTITION BY kind, customer_id ORDER BY day), '9999-12-31'::date), score, 1
      FROM merged
  ), chain AS (
    INSERT INTO metric_score_chain AS m (kind, day, next_day, score, customers)
    SELECT kind, day, next_day, score, sum(delta) FROM links GROUP BY kind, day, next_day, score HAVING sum(delta) <> 0
    ON CONFLICT (kind, day, next_day, score) DO UPDATE SET customers = m.customers + EXCLUDED.customers
  )
  INSERT INTO ${METRIC_CUSTOMER_SCORES_TABLE} AS c (kind, customer_id, day, score, scored_at, touchpoint_id)
  SELECT kind, customer_id, day, score, occurred_at, id FROM winners
  ON CONFLICT (kind, customer_id, day)
  DO UPDATE SET score = EXCLUDED.score, scored_at = EXCLUDED.scored_at, touchpoint_id = EXCLUDED.touchpoint_id`);

/** Each customer's first and second purchase times (the two earliest, late events included). */
const PURCHASES = prepared(`
  WITH batch AS (
    SELECT t.customer_id, (array_agg(t.occurred_at ORDER BY t.occurred_at))[1:2] AS times
      FROM ${TOUCHPOINTS_TABLE} t
     WHERE ${inRange('t')} AND t.type = '${PURCHASE}'
     GROUP BY t.customer_id
  )
  INSERT INTO metric_customers AS m (customer_id, first_purchase_at, second_purchase_at)
  SELECT customer_id, times[1], times[2] FROM batch
  ON CONFLICT (customer_id) DO UPDATE SET (first_purchase_at, second_purchase_at) = (
    SELECT earliest[1], earliest[2] FROM (
      SELECT array_agg(x ORDER BY x) AS earliest
        FROM unnest(ARRAY[m.first_purchase_at, m.second_purchase_at, EXCLUDED.first_purchase_at, EXCLUDED.second_purchase_at]) x
       WHERE x IS NOT NULL) s)`);

/** Folds a stretch of the touchpoint log into the rollups, in the step's transaction. */
export async function applyTouchpointRollups(uow: UnitOfWork, range: LogRange): Promise<void> {
  const parameters = rangeParameters(range);
  const sales = await uow.query<{ day: string; sales: string }>(TOUCHPOINTS_DAILY, parameters);
  await addToRunningTotals(
    uow,
    sales.map((row) => ({ measure: 'sales', key: '', day: row.day, delta: row.sales })),
  );
  const changed = await uow.query<{ kind: string; day: string; first: string }>(ACTIVITY, [...parameters, ENGAGEMENT_TYPES]);
  if (changed.length > 0)
    await uow.execute(GAPS_UPTO, [changed.map((row) => row.kind), changed.map((row) => row.day), changed.map((row) => row.first)]);
  await uow.execute(SCORES_DAILY, parameters);
  await uow.execute(SCORE_CHAIN, parameters);
  await uow.execute(PURCHASES, parameters);
}
