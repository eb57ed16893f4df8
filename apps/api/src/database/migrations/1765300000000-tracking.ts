import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Segment-compatible ingest's own tables (module `tracking`): its one
 * settings row (the admin's event mapping, null for the Segment Spec
 * defaults, and the count of rejected messages ever) and the latest
 * rejected messages with their reasons, pruned to the newest 1,000.
 */
export class Tracking1765300000000 implements MigrationInterface {
  name = 'Tracking1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tracking_settings (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        mapping jsonb,
        rejected_total bigint NOT NULL DEFAULT 0,
        updated_at timestamptz,
        updated_by text
      )`);
    await queryRunner.query(`INSERT INTO tracking_settings (id) VALUES (true)`);
    await queryRunner.query(`
      CREATE TABLE tracking_rejections (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        received_at timestamptz NOT NULL,
        key_name text,
        route text NOT NULL,
        message_type text,
        message_id text,
        field text NOT NULL,
        reason text NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE tracking_rejections`);
    await queryRunner.query(`DROP TABLE tracking_settings`);
  }
}
