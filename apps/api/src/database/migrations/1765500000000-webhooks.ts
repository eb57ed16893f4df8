import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks: endpoints (with their signing secrets and why one was disabled),
 * messages (one per event, its body signed and sent as is on every attempt,
 * under one `webhook_id`), deliveries (one per message and endpoint, the
 * state machine the dispatcher claims from) and attempts (the delivery log).
 *
 * A delivery's id orders it: deliveries of one customer to one endpoint are
 * sent one at a time in id order (the partial index `webhook_deliveries_open`
 * answers "is an earlier one still open"). `from_tx_id` is the snapshot's xmax
 * when an endpoint is created: it receives events of transactions that began
 * after it existed, never the log's history.
 */
export class Webhooks1765500000000 implements MigrationInterface {
  name = 'Webhooks1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL,
        description text,
        event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
        filter_stages text[],
        filter_segments uuid[],
        secret text NOT NULL,
        previous_secret text,
        previous_secret_until timestamptz,
        from_tx_id xid8 NOT NULL DEFAULT pg_snapshot_xmax(pg_current_snapshot()),
        disabled_at timestamptz,
        disabled_reason text,
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE webhook_messages (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        webhook_id text NOT NULL UNIQUE,
        event_type text NOT NULL,
        customer_id uuid,
        source text NOT NULL,
        log_tx_id xid8,
        log_id bigint,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX webhook_messages_log_key ON webhook_messages (source, log_tx_id, log_id, event_type);

      CREATE TABLE webhook_deliveries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        message_id bigint NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
        customer_id uuid,
        state text NOT NULL CHECK (state IN ('pending', 'sending', 'delivered', 'failed', 'skipped')),
        retries boolean NOT NULL DEFAULT true,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        lease_until timestamptz,
        last_attempt_at timestamptz,
        last_status integer,
        last_error text,
        last_duration_ms integer,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, id) WHERE state = 'pending';
      CREATE INDEX webhook_deliveries_open ON webhook_deliveries (endpoint_id, customer_id, id) WHERE state IN ('pending', 'sending');
      CREATE INDEX webhook_deliveries_leases ON webhook_deliveries (lease_until) WHERE state = 'sending';
      CREATE INDEX webhook_deliveries_next ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
      CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, id DESC);
      CREATE INDEX webhook_deliveries_message ON webhook_deliveries (message_id);

      CREATE TABLE webhook_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        status integer,
        error text,
        outcome text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed', 'disabled'))
      );
      CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP TABLE webhook_attempts; DROP TABLE webhook_deliveries; DROP TABLE webhook_messages; DROP TABLE webhook_endpoints;`,
    );
  }
}
