import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Playbooks: what to do when something happens in a customer's lifecycle,
 * and the record of every time it met its trigger and what came of it.
 *
 * - `playbooks`: the definition (trigger, delay, condition, limit, outcome
 *   window), validated by clm before it is written.
 * - `playbook_hits`: one row per time a customer met a playbook's trigger,
 *   unique per (playbook, customer, trigger key) so a log row consumed twice
 *   or a schedule run by two instances records it once. A hit waits
 *   (`pending`) until `due_at` (the trigger plus the delay) and is then
 *   decided once, under a row lock: `fired`, `off` (the playbook was turned
 *   off), `limited` (fired for this customer within its limit), or `dropped`
 *   (the condition no longer held). `off` and `limited` hits are the holdout
 *   outcomes are compared with. The stored `due_at` is the schedule: it
 *   survives restarts and is read with SKIP LOCKED by every instance.
 * - `playbook_cooldowns`: the due time of the last firing per playbook and
 *   customer, the row that serialises "at most once per N days" across
 *   instances.
 * - `playbook_firings`: the append-only log of firings, read in commit
 *   order (tx_id, id) like the other logs: the customer's timeline and the
 *   source of `playbook.fired` webhook deliveries. No foreign keys: a firing
 *   outlives its playbook and its customer.
 */
export class Playbooks1765600000000 implements MigrationInterface {
  name = 'Playbooks1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE playbooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        name_key text NOT NULL,
        description text,
        preset text,
        enabled boolean NOT NULL DEFAULT false,
        trigger jsonb NOT NULL,
        trigger_kind text NOT NULL CHECK (trigger_kind IN ('STAGE_ENTERED', 'SEGMENT_ENTERED', 'SEGMENT_EXITED', 'STUCK_IN_STAGE', 'NO_TOUCHPOINT', 'TOUCHPOINT')),
        delay_hours integer NOT NULL DEFAULT 0 CHECK (delay_hours BETWEEN 0 AND 8760),
        recheck boolean NOT NULL DEFAULT true,
        condition jsonb,
        cooldown_days integer NOT NULL CHECK (cooldown_days BETWEEN 1 AND 3650),
        outcome_days integer NOT NULL CHECK (outcome_days BETWEEN 1 AND 365),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        updated_by text
      );
      CREATE UNIQUE INDEX playbooks_name_key ON playbooks (name_key);
      CREATE INDEX playbooks_trigger_kind_idx ON playbooks (trigger_kind);

      CREATE TABLE playbook_hits (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        playbook_id uuid NOT NULL REFERENCES playbooks (id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        trigger_key text NOT NULL,
        met_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fired', 'off', 'limited', 'dropped')),
        stage_at text,
        decided_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT playbook_hits_once UNIQUE (playbook_id, customer_id, trigger_key)
      );
      CREATE INDEX playbook_hits_due_idx ON playbook_hits (due_at, id) WHERE state = 'pending';
      CREATE INDEX playbook_hits_outcome_idx ON playbook_hits (playbook_id, state, due_at);
      CREATE INDEX playbook_hits_customer_idx ON playbook_hits (customer_id);

      CREATE TABLE playbook_cooldowns (
        playbook_id uuid NOT NULL REFERENCES playbooks (id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        fired_due_at timestamptz NOT NULL,
        PRIMARY KEY (playbook_id, customer_id)
      );
      CREATE INDEX playbook_cooldowns_customer_idx ON playbook_cooldowns (customer_id);

      CREATE TABLE playbook_firings (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        playbook_id uuid NOT NULL,
        playbook_name text NOT NULL,
        customer_id uuid NOT NULL,
        hit_id bigint NOT NULL UNIQUE,
        trigger jsonb NOT NULL,
        trigger_key text NOT NULL,
        met_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        fired_at timestamptz NOT NULL DEFAULT now(),
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id()
      );
      CREATE INDEX playbook_firings_stream_idx ON playbook_firings (tx_id, id);
      CREATE INDEX playbook_firings_customer_idx ON playbook_firings (customer_id, id DESC);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE playbook_firings;
      DROP TABLE playbook_cooldowns;
      DROP TABLE playbook_hits;
      DROP TABLE playbooks;
    `);
  }
}
