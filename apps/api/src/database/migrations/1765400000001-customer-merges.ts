import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Merges you can undo.
 *
 * - `customer_merges`: one row per merge, kept forever: who, when, why, what
 *   caused it, both customers as they were just before (`into_before`,
 *   `from_before`: the whole customers row as JSON, and the merged one's
 *   identities), and what moved (ids per module, in `moved`). `unmerged_at`
 *   and `unmerged_by` say it was undone. The merged customer's row is
 *   deleted; the record is how its id keeps resolving to the survivor.
 * - `customer_merge_log`: the log of merges and unmerges (`tx_id`, `id`, like
 *   every log), followed by the live stream and by webhooks.
 * - `customer_identities.merge_id`: the merge that moved an identity to its
 *   holder; an event placed through such an identity is remembered in
 *   `customer_merge_arrivals`, so an unmerge sends it to the customer whose
 *   identity it carries.
 * - `customer_never_merge`: pairs an admin said are two people (a shared
 *   family email); a link that would merge them is refused.
 * - Stage transitions gain the causes `merge` and `unmerge`: a merge
 *   recomputes the survivor's journey from the merged history, and when its
 *   stage changes, the change is a transition of its own.
 */
export class CustomerMerges1765400000001 implements MigrationInterface {
  name = 'CustomerMerges1765400000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE customer_merges (
        id uuid PRIMARY KEY,
        into_id uuid NOT NULL,
        from_id uuid NOT NULL,
        cause text NOT NULL CHECK (cause IN ('manual', 'identify', 'touchpoint')),
        actor text,
        reason text NOT NULL,
        merged_at timestamptz NOT NULL DEFAULT now(),
        into_before jsonb NOT NULL,
        from_before jsonb NOT NULL,
        moved jsonb NOT NULL,
        unmerged_at timestamptz,
        unmerged_by text,
        CHECK (into_id <> from_id)
      );
      CREATE INDEX customer_merges_into_idx ON customer_merges (into_id);
      CREATE UNIQUE INDEX customer_merges_from_idx ON customer_merges (from_id) WHERE unmerged_at IS NULL;

      CREATE TABLE customer_merge_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        merge_id uuid NOT NULL REFERENCES customer_merges (id),
        kind text NOT NULL CHECK (kind IN ('merged', 'unmerged')),
        into_id uuid NOT NULL,
        from_id uuid NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX customer_merge_log_stream_idx ON customer_merge_log (tx_id, id);

      ALTER TABLE customer_identities ADD COLUMN merge_id uuid REFERENCES customer_merges (id);

      CREATE TABLE customer_merge_arrivals (
        merge_id uuid NOT NULL REFERENCES customer_merges (id),
        message_id text NOT NULL,
        identity_kind text NOT NULL,
        identity_value text NOT NULL,
        PRIMARY KEY (merge_id, message_id)
      );

      CREATE TABLE customer_never_merge (
        first_id uuid NOT NULL,
        second_id uuid NOT NULL,
        actor text,
        reason text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (first_id, second_id),
        CHECK (first_id < second_id)
      );

      ALTER TABLE stage_transitions DROP CONSTRAINT stage_transitions_cause_check;
      ALTER TABLE stage_transitions ADD CONSTRAINT stage_transitions_cause_check
        CHECK (cause IN ('touchpoint', 'inactivity', 'manual', 'created', 'merge', 'unmerge'));
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE stage_transitions DROP CONSTRAINT stage_transitions_cause_check;
      ALTER TABLE stage_transitions ADD CONSTRAINT stage_transitions_cause_check CHECK (cause IN ('touchpoint', 'inactivity', 'manual', 'created'));
      DROP TABLE customer_never_merge;
      DROP TABLE customer_merge_arrivals;
      ALTER TABLE customer_identities DROP COLUMN merge_id;
      DROP TABLE customer_merge_log;
      DROP TABLE customer_merges;
    `);
  }
}
