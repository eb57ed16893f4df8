import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaigns and their spend per day.
 *
 * - `campaigns`: keyed by the text touchpoints carry in `campaign` (no
 *   foreign key from touchpoints: ingest keeps unknown keys as text, and a
 *   campaign created later links to them by key).
 * - `campaign_spend`: one amount per campaign and day, set (not added) by
 *   each recording, so a re-import changes nothing; deleted with its
 *   campaign. Indexed by day too, for spend over a date range across
 *   campaigns (CAC, ROI).
 */
export class Campaigns1764500000000 implements MigrationInterface {
  name = 'Campaigns1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE campaigns (
        key text PRIMARY KEY CHECK (key <> '' AND length(key) <= 256),
        name text NOT NULL,
        channel text NOT NULL,
        starts_on date NOT NULL,
        ends_on date,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_on IS NULL OR ends_on >= starts_on)
      );

      CREATE TABLE campaign_spend (
        campaign_key text NOT NULL REFERENCES campaigns (key) ON DELETE CASCADE,
        day date NOT NULL,
        amount numeric NOT NULL CHECK (amount >= 0),
        PRIMARY KEY (campaign_key, day)
      );
      CREATE INDEX campaign_spend_day_idx ON campaign_spend (day);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE campaign_spend;
      DROP TABLE campaigns;
    `);
  }
}
