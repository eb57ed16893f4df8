import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The projector's leader lock, as a row only clm can lock.
 *
 * One step of a projection runs at a time, across its logs and across
 * instances. That was an advisory lock, and advisory-lock functions are
 * callable by every role: the read-only BI role could take the projector's
 * key and hold it, and metrics and segments stopped without a word. A row
 * lock on a table of clm's (`SELECT … FOR UPDATE SKIP LOCKED`) needs UPDATE
 * on the table, which no role but clm's own user has: nobody else can hold it.
 */
export class ProjectionLocks1764800000000 implements MigrationInterface {
  name = 'ProjectionLocks1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE projection_locks (projection text PRIMARY KEY);
      COMMENT ON TABLE projection_locks IS 'clm: one row per projection; a step holds its row locked (the projector''s leader election)';
      REVOKE ALL ON projection_locks FROM PUBLIC;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE projection_locks`);
  }
}
