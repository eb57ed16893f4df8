import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customers that stay findable and rollups that cannot overflow:
 * - every customer keeps an externalId or an email (an update cannot remove
 *   both, which would leave a customer no event can reach);
 * - revenue is an unbounded numeric: a sum of touchpoint values (each below
 *   10^15) must never fail a later batch by passing a column's precision.
 */
export class CustomerIntegrity1764200000000 implements MigrationInterface {
  name = 'CustomerIntegrity1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE customers ADD CONSTRAINT customers_findable CHECK (external_id IS NOT NULL OR email IS NOT NULL);
      ALTER TABLE customers ALTER COLUMN revenue TYPE numeric;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE customers ALTER COLUMN revenue TYPE numeric(20, 4);
      ALTER TABLE customers DROP CONSTRAINT customers_findable;
    `);
  }
}
