import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customers, touchpoints, the stage-transition log, API keys and the
 * lifecycle model.
 *
 * Touchpoints and transitions are append-only. Each row records the id of the
 * transaction that wrote it (`tx_id`): readers of the live stream order by
 * (tx_id, id) and read only below the oldest transaction still in flight, so
 * a row that commits late can never slip in behind a cursor.
 */
export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE customers (
        id uuid PRIMARY KEY,
        external_id text,
        email text,
        name text,
        attributes jsonb NOT NULL DEFAULT '{}',
        stage text,
        stage_entered_at timestamptz,
        funnel_stage text,
        type_counts jsonb NOT NULL DEFAULT '{}',
        first_seen_at timestamptz,
        last_seen_at timestamptz,
        orders integer NOT NULL DEFAULT 0,
        revenue numeric(20, 4) NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT customers_email_lowercase CHECK (email = lower(email))
      ) WITH (fillfactor = 70);
      -- Ingest rewrites a customer's lifecycle fields on nearly every touchpoint. None of
      -- those columns is indexed and pages keep free space, so those updates are HOT:
      -- no index is touched. (Stage counts and the inactivity sweep scan the table.)
      CREATE UNIQUE INDEX customers_external_id_key ON customers (external_id);
      CREATE UNIQUE INDEX customers_email_key ON customers (email);
      CREATE INDEX customers_created_at_idx ON customers (created_at, id);
      CREATE INDEX customers_attributes_idx ON customers USING gin (attributes jsonb_path_ops);

      CREATE TABLE touchpoints (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_id text NOT NULL,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        type text NOT NULL,
        channel text NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        value numeric(20, 4),
        currency char(3),
        campaign text,
        properties jsonb NOT NULL DEFAULT '{}',
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id()
      );
      CREATE UNIQUE INDEX touchpoints_message_id_key ON touchpoints (message_id);
      CREATE INDEX touchpoints_customer_idx ON touchpoints (customer_id, occurred_at DESC, id DESC);
      CREATE INDEX touchpoints_occurred_at_idx ON touchpoints (occurred_at);
      CREATE INDEX touchpoints_stream_idx ON touchpoints (tx_id, id);

      -- messageIds of touchpoints deleted with their customer: a replay stays a duplicate forever.
      CREATE TABLE deleted_message_ids (
        message_id text PRIMARY KEY,
        deleted_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE stage_transitions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        from_stage text,
        to_stage text NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        cause text NOT NULL CHECK (cause IN ('touchpoint', 'inactivity', 'manual', 'created')),
        touchpoint_id bigint,
        rule_id text,
        actor text,
        reason text,
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id()
      );
      CREATE INDEX stage_transitions_stream_idx ON stage_transitions (tx_id, id);
      CREATE INDEX stage_transitions_customer_idx ON stage_transitions (customer_id, id DESC);
      CREATE INDEX stage_transitions_occurred_at_idx ON stage_transitions (occurred_at);

      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        prefix text NOT NULL UNIQUE,
        secret_hash text NOT NULL,
        scopes text[] NOT NULL CHECK (scopes <@ ARRAY['ingest', 'read', 'admin'] AND cardinality(scopes) > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        revoked_at timestamptz,
        last_used_at timestamptz
      );

      CREATE TABLE lifecycle_model (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        definition jsonb NOT NULL,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text
      );
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE lifecycle_model;
      DROP TABLE api_keys;
      DROP TABLE stage_transitions;
      DROP TABLE deleted_message_ids;
      DROP TABLE touchpoints;
      DROP TABLE customers;
    `);
  }
}
