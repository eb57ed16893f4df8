import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Distinct active customers of a window in one read per day (issue 21).
 *
 * Customers active in [a, b) are the sum over `metric_activity_gaps` rows
 * with a <= day < b and prev_day < a: every row of every day of the window
 * was read (at 100,000 customers about 70 per kind and day, growing towards
 * one per earlier day), once per window. `customers_upto` holds, on each row,
 * the sum of `customers` over the rows of its kind and day up to its
 * prev_day, so a day's share of a window is the one row with the greatest
 * prev_day before a.
 */
export class ActivityGapsUpto1765850000002 implements MigrationInterface {
  name = 'ActivityGapsUpto1765850000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE metric_activity_gaps ADD COLUMN customers_upto bigint NOT NULL DEFAULT 0;
      UPDATE metric_activity_gaps g SET customers_upto = s.upto
        FROM (SELECT kind, day, prev_day, sum(customers) OVER (PARTITION BY kind, day ORDER BY prev_day) AS upto
                FROM metric_activity_gaps) s
       WHERE g.kind = s.kind AND g.day = s.day AND g.prev_day = s.prev_day;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE metric_activity_gaps DROP COLUMN customers_upto`);
  }
}
