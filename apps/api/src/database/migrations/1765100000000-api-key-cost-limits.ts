import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A cost limit per API key: `max_cost` replaces CLM_MAX_COST for the
 * operations of that key (set by an admin with `setApiKeyCostLimit`); NULL,
 * the default, keeps the instance's limit.
 */
export class ApiKeyCostLimits1765100000000 implements MigrationInterface {
  name = 'ApiKeyCostLimits1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE api_keys ADD COLUMN max_cost integer CONSTRAINT api_keys_max_cost_positive CHECK (max_cost IS NULL OR max_cost >= 1)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE api_keys DROP COLUMN max_cost`);
  }
}
