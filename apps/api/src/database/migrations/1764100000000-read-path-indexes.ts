import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the read path: one per sort the customers connection offers
 * (forward and backward walks both use it), the stage filter, and customers'
 * transitions newest first.
 *
 * Nullable sort columns sort empty values last in both directions, so they
 * get an ascending index (NULLS LAST is the default) and a descending one
 * with NULLS LAST. `last_seen_at` and `updated_at` are deliberately not
 * indexed: ingest rewrites them on nearly every touchpoint, and an index on
 * either would make every one of those updates non-HOT (every index of the
 * table touched). Sorting by them is a top-N sort over the filtered rows.
 */
export class ReadPathIndexes1764100000000 implements MigrationInterface {
  name = 'ReadPathIndexes1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE INDEX customers_stage_idx ON customers (stage, created_at, id);
      CREATE INDEX customers_revenue_idx ON customers (revenue, id);
      CREATE INDEX customers_orders_idx ON customers (orders, id);
      CREATE INDEX customers_name_idx ON customers (name, id);
      CREATE INDEX customers_name_desc_idx ON customers (name DESC NULLS LAST, id DESC);
      CREATE INDEX customers_email_sort_idx ON customers (email, id);
      CREATE INDEX customers_email_desc_idx ON customers (email DESC NULLS LAST, id DESC);
      CREATE INDEX customers_first_seen_idx ON customers (first_seen_at, id);
      CREATE INDEX customers_first_seen_desc_idx ON customers (first_seen_at DESC NULLS LAST, id DESC);
      CREATE INDEX customers_stage_entered_idx ON customers (stage_entered_at, id);
      CREATE INDEX customers_stage_entered_desc_idx ON customers (stage_entered_at DESC NULLS LAST, id DESC);
      DROP INDEX stage_transitions_customer_idx;
      CREATE INDEX stage_transitions_customer_idx ON stage_transitions (customer_id, occurred_at DESC, id DESC);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX stage_transitions_customer_idx;
      CREATE INDEX stage_transitions_customer_idx ON stage_transitions (customer_id, id DESC);
      DROP INDEX customers_stage_entered_desc_idx, customers_stage_entered_idx, customers_first_seen_desc_idx, customers_first_seen_idx,
        customers_email_desc_idx, customers_email_sort_idx, customers_name_desc_idx, customers_name_idx, customers_orders_idx,
        customers_revenue_idx, customers_stage_idx;
    `);
  }
}
