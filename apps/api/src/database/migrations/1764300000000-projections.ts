import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projections: read models that follow the logs (touchpoints, stage
 * transitions, erasures) from a stored position, in their own transactions,
 * so ingest pays nothing for them.
 *
 * - `projection_positions`: where each projection stands in each log, written
 *   in the same transaction as what it derived (exactly once).
 * - `customer_erasures`: a log of deleted customers, so projections that
 *   counted a customer can let go of it (the customer's own rows are gone).
 * - `customer_acquisitions`: when, through which channel and campaign, each
 *   customer entered the model's acquired stage for the first time.
 * - `metric_*`: additive rollups per UTC day that the metrics read.
 */
export class Projections1764300000000 implements MigrationInterface {
  name = 'Projections1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE projection_positions (
        projection text NOT NULL,
        log text NOT NULL,
        tx_id xid8 NOT NULL,
        id bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projection, log)
      );

      CREATE TABLE customer_erasures (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id uuid NOT NULL,
        erased_at timestamptz NOT NULL DEFAULT now(),
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id()
      );
      CREATE INDEX customer_erasures_stream_idx ON customer_erasures (tx_id, id);

      CREATE TABLE customer_acquisitions (
        customer_id uuid PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
        acquired_at timestamptz NOT NULL,
        stage text NOT NULL,
        touchpoint_id bigint,
        channel text,
        campaign text,
        first_touch_at timestamptz,
        first_touch_channel text,
        first_touch_campaign text
      );
      CREATE INDEX customer_acquisitions_acquired_at_idx ON customer_acquisitions (acquired_at);

      -- Touchpoints per UTC day of occurred_at, type, channel and campaign ('' = none).
      CREATE TABLE metric_touchpoints_daily (
        day date NOT NULL,
        type text NOT NULL,
        channel text NOT NULL,
        campaign text NOT NULL,
        touchpoints bigint NOT NULL,
        value_sum numeric NOT NULL,
        PRIMARY KEY (day, type, channel, campaign)
      );

      -- Transitions per UTC day of occurred_at; from_stage '' = entering the lifecycle; to_stage '' with
      -- cause 'erased' = a customer deleted while in from_stage. Running sums give the stage counts.
      CREATE TABLE metric_transitions_daily (
        day date NOT NULL,
        from_stage text NOT NULL,
        to_stage text NOT NULL,
        cause text NOT NULL,
        transitions bigint NOT NULL,
        PRIMARY KEY (day, from_stage, to_stage, cause)
      );

      -- The metrics projection's view of each customer. No foreign key: a deleted customer's row stays
      -- (marked erased) so its late-projected transitions are not counted again.
      CREATE TABLE metric_customers (
        customer_id uuid PRIMARY KEY,
        stage text,
        stage_since timestamptz,
        entered_at timestamptz,
        cohort_day date,
        furthest_stage text,
        first_purchase_at timestamptz,
        second_purchase_at timestamptz,
        acquired_at timestamptz,
        erased boolean NOT NULL DEFAULT false
      );
      CREATE INDEX metric_customers_second_purchase_idx ON metric_customers (second_purchase_at) WHERE second_purchase_at IS NOT NULL;
      CREATE INDEX metric_customers_first_purchase_idx ON metric_customers (first_purchase_at) WHERE first_purchase_at IS NOT NULL;

      -- First entry of each customer into each stage, for the funnel's time to convert.
      CREATE TABLE metric_stage_entries (
        customer_id uuid NOT NULL,
        stage text NOT NULL,
        entered_at timestamptz NOT NULL,
        cohort_day date NOT NULL,
        seconds_from_entry double precision NOT NULL,
        PRIMARY KEY (customer_id, stage)
      );
      CREATE INDEX metric_stage_entries_cohort_idx ON metric_stage_entries (cohort_day, stage) INCLUDE (seconds_from_entry);

      -- Customers of each lifecycle-entry day by the furthest funnel stage they reached.
      CREATE TABLE metric_funnel_daily (
        cohort_day date NOT NULL,
        stage text NOT NULL,
        customers bigint NOT NULL,
        PRIMARY KEY (cohort_day, stage)
      );

      -- Every completed stay in a stage, by the day it ended.
      CREATE TABLE metric_stage_stays (
        day date NOT NULL,
        stage text NOT NULL,
        seconds double precision NOT NULL
      );
      CREATE INDEX metric_stage_stays_day_idx ON metric_stage_stays (stage, day) INCLUDE (seconds);

      -- New customers per acquisition day, acquiring channel/campaign and first-touch channel/campaign ('' = none).
      CREATE TABLE metric_acquisitions_daily (
        day date NOT NULL,
        channel text NOT NULL,
        campaign text NOT NULL,
        first_channel text NOT NULL,
        first_campaign text NOT NULL,
        customers bigint NOT NULL,
        PRIMARY KEY (day, channel, campaign, first_channel, first_campaign)
      );

      -- Distinct customers over any range of days: each customer's active days of a kind, and how many
      -- customers were active on a day whose previous active day was prev_day ('0001-01-01' = none).
      -- Customers active in [a, b) = the sum over rows with a <= day < b and prev_day < a.
      CREATE TABLE metric_activity_days (
        kind text NOT NULL,
        customer_id uuid NOT NULL,
        day date NOT NULL,
        PRIMARY KEY (kind, customer_id, day)
      );
      CREATE TABLE metric_activity_gaps (
        kind text NOT NULL,
        day date NOT NULL,
        prev_day date NOT NULL,
        customers bigint NOT NULL,
        PRIMARY KEY (kind, day, prev_day)
      );
      CREATE INDEX metric_activity_months_idx ON metric_activity_days (kind, day, customer_id);

      -- Survey scores. Every response per day and score; and each customer's last score of each day with the
      -- customer's next scored day ('9999-12-31' = none): the latest score in [a, b) is on the row with
      -- a <= day < b and next_day >= b.
      CREATE TABLE metric_scores_daily (
        kind text NOT NULL,
        day date NOT NULL,
        score smallint NOT NULL,
        responses bigint NOT NULL,
        PRIMARY KEY (kind, day, score)
      );
      CREATE TABLE metric_customer_scores (
        kind text NOT NULL,
        customer_id uuid NOT NULL,
        day date NOT NULL,
        score smallint NOT NULL,
        scored_at timestamptz NOT NULL,
        touchpoint_id bigint NOT NULL,
        PRIMARY KEY (kind, customer_id, day)
      );
      CREATE TABLE metric_score_chain (
        kind text NOT NULL,
        day date NOT NULL,
        next_day date NOT NULL,
        score smallint NOT NULL,
        customers bigint NOT NULL,
        PRIMARY KEY (kind, day, next_day, score)
      );
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE metric_score_chain, metric_customer_scores, metric_scores_daily, metric_activity_gaps, metric_activity_days,
        metric_acquisitions_daily, metric_stage_stays, metric_funnel_daily, metric_stage_entries, metric_customers,
        metric_transitions_daily;
      DROP TABLE metric_touchpoints_daily;
      DROP TABLE customer_acquisitions;
      DROP TABLE customer_erasures;
      DROP TABLE projection_positions;
    `);
  }
}
