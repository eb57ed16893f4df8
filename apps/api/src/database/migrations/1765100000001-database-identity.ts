import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The database's own identity: one random id, made once when the database
 * is created (or migrated to this version) and never changed. Stream
 * cursors carry a fingerprint of it, so a cursor handed out by another
 * database (another installation, a test server, a copy made from scratch)
 * is refused instead of being read against this one's log positions. A
 * restored backup keeps its id: its cursors are its own.
 */
export class DatabaseIdentity1765100000001 implements MigrationInterface {
  name = 'DatabaseIdentity1765100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE database_identity (
        singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT database_identity_one_row CHECK (singleton),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`INSERT INTO database_identity DEFAULT VALUES`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE database_identity`);
  }
}
