import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Running totals per day for the metrics that need "everything before day d"
 * (issue 21): customers per stage at the start of a day were a sum of every
 * daily transition rollup since the beginning, once per window and stage (the
 * stage distribution alone: 91 such sums), and so were the historical CLV's
 * customers acquired and sales up to each window's end. `metric_running_totals` keeps, per
 * measure and key, the total up to the end of every day that changed it; a
 * window reads the last row before its day (see running-totals.sql.ts).
 */
export class RunningTotals1765850000001 implements MigrationInterface {
  name = 'RunningTotals1765850000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      -- measure 'stage': key = a stage, total = customers in it at the end of the day (transitions in less out,
      -- erasures out), as the running sum of metric_transitions_daily.
      CREATE TABLE metric_running_totals (
        measure text NOT NULL,
        key text NOT NULL,
        day date NOT NULL,
        total numeric NOT NULL,
        PRIMARY KEY (measure, key, day)
      );
      -- measure 'acquired', key '': customers acquired up to the end of the day; 'sales', key '': the value of purchases.
      INSERT INTO metric_running_totals (measure, key, day, total)
      SELECT measure, key, day, sum(sum(delta)) OVER (PARTITION BY measure, key ORDER BY day)
        FROM (SELECT 'stage' AS measure, to_stage AS key, day, transitions::numeric AS delta FROM metric_transitions_daily WHERE to_stage <> ''
              UNION ALL
              SELECT 'stage', from_stage, day, -transitions FROM metric_transitions_daily WHERE from_stage <> ''
              UNION ALL
              SELECT 'acquired', '', day, customers FROM metric_acquisitions_daily
              UNION ALL
              SELECT 'sales', '', day, value_sum FROM metric_touchpoints_daily WHERE type = 'purchase') d
       GROUP BY measure, key, day;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE metric_running_totals`);
  }
}
