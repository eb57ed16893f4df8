import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Values read safely, and projections that survive a row they cannot apply.
 *
 * - `clm_try_numeric(text)`: the number a numeric-looking text holds, or NULL
 *   for anything else, never an error. Numeric-looking is what the lifecycle
 *   rule engine accepts (`core/json-number.ts`, the same rules on both sides):
 *   at most 64 characters; ASCII blanks around an optional sign, digits with
 *   an optional point, and an optional exponent of at most three digits; a
 *   magnitude of 0 or between 1e-307 and 1e308 (what a double holds without
 *   rounding to 0 or infinity). The text is checked against the pattern
 *   before the cast, so no input reaches `::numeric` that can fail there
 *   (a full-width space is not a blank, 400 digits are too long, `NaN` and
 *   `Infinity` are not numbers). `pg_input_is_valid` would do the check but
 *   exists only from PostgreSQL 16.
 * - `clm_finite_numeric(numeric)`: the same bounds on a JSON number.
 * - `segment_json_number(jsonb)` (called by compiled segment rules) reads
 *   through them.
 * - `projection_failures`: a log row a projection could not apply (the step
 *   moved on without it), with the error; deleted when a retry applies it.
 * - `projection_positions.caught_up_at`: the last time a step reached the
 *   end of the log, so health checks can say how far behind a projection is.
 */
export class SafeValuesAndProjectionFailures1764900000000 implements MigrationInterface {
  name = 'SafeValuesAndProjectionFailures1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION clm_finite_numeric(value numeric) RETURNS numeric
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN CASE WHEN abs(value) < 1e308 AND (value = 0 OR abs(value) >= 1e-307) THEN value END;

      CREATE FUNCTION clm_try_numeric(value text) RETURNS numeric
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN CASE WHEN length(value) <= 64
                     AND value ~ '^[ \\t\\n\\r]*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]{1,3})?[ \\t\\n\\r]*$'
                    THEN clm_finite_numeric(btrim(value, E' \\t\\n\\r')::numeric) END;

      CREATE OR REPLACE FUNCTION segment_json_number(value jsonb) RETURNS numeric
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN CASE jsonb_typeof(value)
                 WHEN 'number' THEN clm_finite_numeric((value #>> '{}')::numeric)
                 WHEN 'string' THEN clm_try_numeric(value #>> '{}')
               END;

      CREATE TABLE projection_failures (
        projection text NOT NULL,
        log text NOT NULL,
        tx_id xid8 NOT NULL,
        id bigint NOT NULL,
        error text NOT NULL,
        attempts integer NOT NULL DEFAULT 1,
        first_failed_at timestamptz NOT NULL DEFAULT now(),
        last_failed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projection, log, tx_id, id)
      );

      ALTER TABLE projection_positions ADD COLUMN caught_up_at timestamptz;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE projection_positions DROP COLUMN caught_up_at;
      DROP TABLE projection_failures;
      CREATE OR REPLACE FUNCTION segment_json_number(value jsonb) RETURNS numeric
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN CASE jsonb_typeof(value)
                 WHEN 'number' THEN (value #>> '{}')::numeric
                 WHEN 'string' THEN CASE WHEN (value #>> '{}') ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]{1,4})?\\s*$'
                                         THEN trim(value #>> '{}')::numeric END
               END;
      DROP FUNCTION clm_try_numeric(text);
      DROP FUNCTION clm_finite_numeric(numeric);
    `);
  }
}
