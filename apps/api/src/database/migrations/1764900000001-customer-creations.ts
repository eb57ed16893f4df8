import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A log of customer creations, so projections see a customer the moment it
 * exists, not only when a touchpoint or transition names it. Ingest creates a
 * batch's new customers before the batch's transaction; when that transaction
 * then fails, the customers stay, with no touchpoint and no stage, and nothing
 * in the other logs names them (segment membership missed them until the next
 * scheduled refresh, forever with it off).
 *
 * Written by a statement-level trigger on `customers` (one insert per
 * statement, whoever creates: ingest, the API, a merge), read in commit order
 * like every log (`tx_id`, `id`). No foreign key: a creation outlives the
 * customer it records, as an erasure does.
 */
export class CustomerCreations1764900000001 implements MigrationInterface {
  name = 'CustomerCreations1764900000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE customer_creations (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id uuid NOT NULL,
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id()
      );
      CREATE INDEX customer_creations_stream_idx ON customer_creations (tx_id, id);

      CREATE FUNCTION clm_log_customer_creations() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO customer_creations (customer_id) SELECT created.id FROM created ORDER BY created.id;
        RETURN NULL;
      END $$;
      CREATE TRIGGER customers_log_creations AFTER INSERT ON customers
        REFERENCING NEW TABLE AS created FOR EACH STATEMENT EXECUTE FUNCTION clm_log_customer_creations();
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TRIGGER customers_log_creations ON customers;
      DROP FUNCTION clm_log_customer_creations();
      DROP TABLE customer_creations;
    `);
  }
}
