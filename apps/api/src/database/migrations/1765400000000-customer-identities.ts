import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A customer's identities, each with when clm first saw it: the externalId
 * and email (also kept on the customers row, which the rest of clm reads)
 * and any number of anonymousIds (a visitor's id before sign-up, Segment's
 * `anonymousId`). Each identity belongs to one customer (the primary key);
 * identity resolution reads this table, so an identity keeps finding its
 * customer after the customer that held it was merged into another.
 *
 * The externalId and email rows follow the customers row through triggers
 * (whoever writes it: ingest, the API, the demo): inserted with the
 * customer, replaced when one changes. AnonymousIds are written by identity
 * resolution. The foreign key is checked at the end of each statement, so a
 * new anonymous customer's identity can be claimed first, in the statement
 * that creates the customer only when the claim is won.
 *
 * `identify_messages` remembers every identify message forever (its
 * messageId), so a retried identify is a duplicate however late it comes.
 *
 * The check that a customer keeps an externalId or an email is dropped: an
 * anonymous visitor is found by its anonymousId, which this table holds
 * (CustomerService refuses an update that leaves a customer unfindable).
 */
export class CustomerIdentities1765400000000 implements MigrationInterface {
  name = 'CustomerIdentities1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE customer_identities (
        kind text NOT NULL CHECK (kind IN ('external_id', 'email', 'anonymous_id')),
        value text NOT NULL,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, value)
      );
      CREATE INDEX customer_identities_customer_idx ON customer_identities (customer_id);

      INSERT INTO customer_identities (kind, value, customer_id, first_seen_at)
        SELECT 'external_id', external_id, id, created_at FROM customers WHERE external_id IS NOT NULL
        UNION ALL
        SELECT 'email', email, id, created_at FROM customers WHERE email IS NOT NULL;

      CREATE FUNCTION clm_identities_of_new_customers() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO customer_identities (kind, value, customer_id)
          SELECT i.kind, i.value, i.customer_id FROM (
            SELECT 'external_id' AS kind, external_id AS value, id AS customer_id FROM created WHERE external_id IS NOT NULL
            UNION ALL
            SELECT 'email', email, id FROM created WHERE email IS NOT NULL
          ) i ORDER BY i.kind, i.value;
        RETURN NULL;
      END $$;
      CREATE TRIGGER customers_identities_on_insert AFTER INSERT ON customers
        REFERENCING NEW TABLE AS created FOR EACH STATEMENT EXECUTE FUNCTION clm_identities_of_new_customers();

      CREATE FUNCTION clm_identities_of_changed_customer() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.external_id IS DISTINCT FROM NEW.external_id THEN
          DELETE FROM customer_identities WHERE kind = 'external_id' AND value = OLD.external_id AND customer_id = NEW.id;
          IF NEW.external_id IS NOT NULL THEN
            INSERT INTO customer_identities (kind, value, customer_id) VALUES ('external_id', NEW.external_id, NEW.id);
          END IF;
        END IF;
        IF OLD.email IS DISTINCT FROM NEW.email THEN
          DELETE FROM customer_identities WHERE kind = 'email' AND value = OLD.email AND customer_id = NEW.id;
          IF NEW.email IS NOT NULL THEN
            INSERT INTO customer_identities (kind, value, customer_id) VALUES ('email', NEW.email, NEW.id);
          END IF;
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER customers_identities_on_update AFTER UPDATE OF external_id, email ON customers
        FOR EACH ROW WHEN (OLD.external_id IS DISTINCT FROM NEW.external_id OR OLD.email IS DISTINCT FROM NEW.email)
        EXECUTE FUNCTION clm_identities_of_changed_customer();

      ALTER TABLE customers DROP CONSTRAINT customers_findable;

      CREATE TABLE identify_messages (
        message_id text PRIMARY KEY,
        customer_id uuid,
        recorded_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE identify_messages;
      DROP TRIGGER customers_identities_on_update ON customers;
      DROP FUNCTION clm_identities_of_changed_customer();
      DROP TRIGGER customers_identities_on_insert ON customers;
      DROP FUNCTION clm_identities_of_new_customers();
      DROP TABLE customer_identities;
      ALTER TABLE customers ADD CONSTRAINT customers_findable CHECK (external_id IS NOT NULL OR email IS NOT NULL);
    `);
  }
}
