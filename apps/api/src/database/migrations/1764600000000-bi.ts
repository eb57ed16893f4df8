import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read-only SQL views for BI tools, in a schema of their own (`bi`), and the
 * role `clm_bi` that may read them and nothing else.
 *
 * - The views run with the rights of their owner (the user that ran the
 *   migrations), so `clm_bi` needs SELECT on the views only, never on the
 *   tables behind them: granting a view is granting exactly its columns.
 * - Daily figures come from the metrics projections' rollups (one row per UTC
 *   day and key), not from scans of the logs; they are as current as the
 *   projections (about a second behind ingest).
 * - Roles belong to the whole PostgreSQL server, not to one database: the
 *   role may already exist (another clm database on the same server, or a
 *   migration of another database creating it at this very moment), and the
 *   user running the migrations may not be allowed to create roles (then the
 *   views are still created, and the role is left to the DBA; see README).
 *   The role is created without LOGIN; clm gives it a password and LOGIN at
 *   start-up when CLM_BI_PASSWORD is set (database/bi-role.ts).
 */
export class Bi1764600000000 implements MigrationInterface {
  name = 'Bi1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE SCHEMA bi;
      COMMENT ON SCHEMA bi IS 'clm: read-only views for BI tools (days are UTC days)';

      CREATE VIEW bi.customers AS
        SELECT c.id, c.external_id, c.email, c.name, c.stage, c.stage_entered_at, c.first_seen_at, c.last_seen_at,
               c.orders, c.revenue, c.attributes, c.created_at, c.updated_at,
               a.acquired_at, a.channel AS acquisition_channel, a.campaign AS acquisition_campaign,
               ARRAY(SELECT s.name FROM segment_members m JOIN segments s ON s.id = m.segment_id
                      WHERE m.customer_id = c.id ORDER BY s.name) AS segments
          FROM customers c
          LEFT JOIN customer_acquisitions a ON a.customer_id = c.id;
      COMMENT ON VIEW bi.customers IS
        'Every customer: current stage, rollups, acquisition (first entry into the acquired stage) and the names of the segments it is in';

      CREATE VIEW bi.daily_transitions AS
        SELECT day, NULLIF(from_stage, '') AS from_stage, NULLIF(to_stage, '') AS to_stage, cause, transitions
          FROM metric_transitions_daily;
      COMMENT ON VIEW bi.daily_transitions IS
        'Stage transitions per UTC day of occurred_at; from_stage NULL = entering the lifecycle; to_stage NULL with cause erased = a customer deleted';

      -- Customers in each stage at the end of each UTC day: the running sum of entries minus exits, on
      -- every day from the first transition to today (a stage that emptied shows 0, not no row).
      CREATE VIEW bi.daily_stage_counts AS
        WITH changes AS (
          SELECT day, to_stage AS stage, transitions AS delta FROM metric_transitions_daily WHERE to_stage <> ''
          UNION ALL
          SELECT day, from_stage, -transitions FROM metric_transitions_daily WHERE from_stage <> ''
        ), daily AS (
          SELECT day, stage, sum(delta) AS delta FROM changes GROUP BY day, stage
        ), span AS (
          SELECT min(day) AS first_day, greatest(max(day), (now() AT TIME ZONE 'UTC')::date) AS last_day FROM daily
        ), stages AS (
          SELECT DISTINCT stage FROM daily
        )
        SELECT d.day::date AS day, s.stage,
               (sum(coalesce(x.delta, 0)) OVER (PARTITION BY s.stage ORDER BY d.day))::bigint AS customers
          FROM span
         CROSS JOIN generate_series(span.first_day, span.last_day, interval '1 day') AS d(day)
         CROSS JOIN stages s
          LEFT JOIN daily x ON x.day = d.day::date AND x.stage = s.stage;
      COMMENT ON VIEW bi.daily_stage_counts IS 'Customers in each stage at the end of each UTC day';

      CREATE VIEW bi.daily_touchpoints AS
        SELECT day, type, channel, NULLIF(campaign, '') AS campaign, touchpoints, value_sum
          FROM metric_touchpoints_daily;
      COMMENT ON VIEW bi.daily_touchpoints IS 'Touchpoints per UTC day of occurred_at, type, channel and campaign, with the sum of their values';

      -- One row per UTC day from the first day with data to today, every column 0 on a quiet day.
      CREATE VIEW bi.daily_metrics AS
        WITH touchpoints AS (
          SELECT day,
                 sum(touchpoints) AS touchpoints,
                 sum(touchpoints) FILTER (WHERE type = 'page_view') AS page_views,
                 sum(touchpoints) FILTER (WHERE type = 'signup') AS signups,
                 sum(touchpoints) FILTER (WHERE type = 'purchase') AS purchases,
                 sum(value_sum) FILTER (WHERE type = 'purchase') AS revenue
            FROM metric_touchpoints_daily GROUP BY day
        ), active AS (
          -- Distinct customers per day: each active (customer, day) is one row of the gap counts, whatever its previous day.
          SELECT day,
                 sum(customers) FILTER (WHERE kind = 'active') AS active_customers,
                 sum(customers) FILTER (WHERE kind = 'visit') AS visitors,
                 sum(customers) FILTER (WHERE kind = 'engaged') AS engaged_customers
            FROM metric_activity_gaps GROUP BY day
        ), acquisitions AS (
          SELECT day, sum(customers) AS new_customers FROM metric_acquisitions_daily GROUP BY day
        ), transitions AS (
          SELECT day,
                 sum(transitions) FILTER (WHERE from_stage = '') AS entered_lifecycle,
                 sum(transitions) FILTER (WHERE cause <> 'erased') AS transitions
            FROM metric_transitions_daily GROUP BY day
        ), span AS (
          SELECT min(day) AS first_day, greatest(max(day), (now() AT TIME ZONE 'UTC')::date) AS last_day
            FROM (SELECT day FROM touchpoints UNION ALL SELECT day FROM acquisitions UNION ALL SELECT day FROM transitions) days
        )
        SELECT d.day::date AS day,
               coalesce(a.new_customers, 0)::bigint AS new_customers,
               coalesce(r.entered_lifecycle, 0)::bigint AS entered_lifecycle,
               coalesce(t.purchases, 0)::bigint AS purchases,
               coalesce(t.revenue, 0)::numeric AS revenue,
               coalesce(t.page_views, 0)::bigint AS page_views,
               coalesce(t.signups, 0)::bigint AS signups,
               coalesce(t.touchpoints, 0)::bigint AS touchpoints,
               coalesce(v.active_customers, 0)::bigint AS active_customers,
               coalesce(v.visitors, 0)::bigint AS visitors,
               coalesce(v.engaged_customers, 0)::bigint AS engaged_customers,
               coalesce(r.transitions, 0)::bigint AS transitions
          FROM span
         CROSS JOIN generate_series(span.first_day, span.last_day, interval '1 day') AS d(day)
          LEFT JOIN touchpoints t ON t.day = d.day::date
          LEFT JOIN acquisitions a ON a.day = d.day::date
          LEFT JOIN active v ON v.day = d.day::date
          LEFT JOIN transitions r ON r.day = d.day::date;
      COMMENT ON VIEW bi.daily_metrics IS
        'Per UTC day: new (acquired) customers, customers entering the lifecycle, purchases and their revenue, page views, signups, touchpoints, distinct active customers, visitors and engaged customers, transitions';
    `);
    await queryRunner.query(biRoleSql('clm_bi'));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The role stays: other databases on the same server may grant it their own bi schema.
    await queryRunner.query(`DROP SCHEMA bi CASCADE`);
  }
}

/**
 * Creates `role` (NOLOGIN) unless it exists, and grants it read access to the
 * views of schema `bi`. Safe against another database's migration creating
 * the same role at the same moment (the loser of that race sees
 * unique_violation once the winner commits). Exported for that test.
 */
export function biRoleSql(role: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error(`not a plain role name: ${role}`);
  return `
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
        BEGIN
          CREATE ROLE ${role} NOLOGIN;
        EXCEPTION
          WHEN duplicate_object OR unique_violation THEN NULL;
          WHEN insufficient_privilege THEN
            RAISE NOTICE 'clm: this user may not create roles; create ${role} yourself and grant it the bi schema (see README)';
            RETURN;
        END;
      END IF;
      GRANT USAGE ON SCHEMA bi TO ${role};
      GRANT SELECT ON ALL TABLES IN SCHEMA bi TO ${role};
    END $$`;
}
