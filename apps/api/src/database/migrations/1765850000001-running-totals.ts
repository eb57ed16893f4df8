import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Running totals per day for the metrics that need "everything before day d"
 * (issue 21): customers per stage at the start of a day were a sum of every
 * daily transition rollup since the beginning, once per window and stage (the
 * stage distribution alone: 91 such sums). `metric_running_totals` keeps, per
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
      INSERT INTO metric_running_totals (measure, key, day, total)
      SELECT 'stage', stage, day, sum(sum(delta)) OVER (PARTITION BY stage ORDER BY day)
        FROM (SELECT day, to_stage AS stage, transitions AS delta FROM metric_transitions_daily WHERE to_stage <> ''
              UNION ALL
              SELECT day, from_stage, -transitions FROM metric_transitions_daily WHERE from_stage <> '') d
       GROUP BY stage, day;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE metric_running_totals`);
  }
}
