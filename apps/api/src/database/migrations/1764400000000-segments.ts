import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Segments: named rule trees, their stored membership, and the append-only
 * log of every entry and exit (streamed like stage transitions: `tx_id` and
 * the (tx_id, id) index make it readable in commit order).
 *
 * - `segment_members` is keyed (segment, customer): the primary key answers
 *   "members of a segment" and `customers(filter: {segment})`; the customer
 *   index answers `Customer.segments` and the cascade when a customer goes.
 * - `segment_membership_changes` has no foreign keys: an exit outlives the
 *   customer (erased) and the segment (deleted) it records.
 * - `touchpoints (type, occurred_at) INCLUDE (customer_id, value)` answers
 *   behaviour conditions by type and window from the index alone (an insert
 *   into an append-only table pays one more index entry; customers' hot
 *   columns stay unindexed).
 * - Two helpers the compiled rules call, with the rule engine's semantics:
 *   a JSON number or numeric string as numeric (NULL otherwise, never an
 *   error), and "contains" for a JSON string (substring) or array (element).
 */
export class Segments1764400000000 implements MigrationInterface {
  name = 'Segments1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE segments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        description text,
        rule jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        updated_by text
      );
      CREATE UNIQUE INDEX segments_name_key ON segments (lower(name));

      CREATE TABLE segment_members (
        segment_id uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        entered_at timestamptz NOT NULL,
        PRIMARY KEY (segment_id, customer_id)
      );
      CREATE INDEX segment_members_customer_idx ON segment_members (customer_id);

      CREATE TABLE segment_membership_changes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        segment_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        entered boolean NOT NULL,
        occurred_at timestamptz NOT NULL,
        cause text NOT NULL CHECK (cause IN ('touchpoint', 'transition', 'attributes', 'erased', 'time', 'definition', 'segment_deleted')),
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id()
      );
      CREATE INDEX segment_membership_changes_stream_idx ON segment_membership_changes (tx_id, id);
      CREATE INDEX segment_membership_changes_segment_idx ON segment_membership_changes (segment_id, id);

      -- Behaviour conditions ("≥ 2 purchases in the last 90 days") read one type's touchpoints in a window:
      -- an index-only range scan here instead of every type's touchpoints in the window.
      CREATE INDEX touchpoints_type_time_idx ON touchpoints (type, occurred_at) INCLUDE (customer_id, value);

      CREATE FUNCTION segment_json_number(value jsonb) RETURNS numeric
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN CASE jsonb_typeof(value)
                 WHEN 'number' THEN (value #>> '{}')::numeric
                 WHEN 'string' THEN CASE WHEN (value #>> '{}') ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]{1,4})?\\s*$'
                                         THEN trim(value #>> '{}')::numeric END
               END;

      CREATE FUNCTION segment_json_contains(haystack jsonb, needle jsonb) RETURNS boolean
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN CASE jsonb_typeof(haystack)
                 WHEN 'string' THEN jsonb_typeof(needle) = 'string' AND strpos(haystack #>> '{}', needle #>> '{}') > 0
                 WHEN 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements(haystack) item WHERE item = needle)
                 ELSE false
               END;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP FUNCTION segment_json_contains(jsonb, jsonb);
      DROP FUNCTION segment_json_number(jsonb);
      DROP INDEX touchpoints_type_time_idx;
      DROP TABLE segment_membership_changes;
      DROP TABLE segment_members;
      DROP TABLE segments;
    `);
  }
}
