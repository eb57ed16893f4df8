import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stored prediction fits (modules/predictions). One row per successful
 * `fitPredictions`: the chosen count model and its parameters, the
 * Gamma-Gamma spend model, what the fit saw, and the whole comparison and
 * backtest as JSON (read back as they were written; never queried inside).
 * A refused request writes nothing, so the latest row is always a usable fit.
 */
export class PredictionFits1765700000000 implements MigrationInterface {
  name = 'PredictionFits1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE prediction_fits (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        fitted_at timestamptz NOT NULL DEFAULT now(),
        model text NOT NULL CHECK (model IN ('BG_NBD', 'PARETO_NBD', 'MBG_NBD')),
        time_unit text NOT NULL CHECK (time_unit IN ('DAY', 'WEEK')),
        calibration_date date NOT NULL,
        holdout_days integer NOT NULL CHECK (holdout_days >= 0),
        customers integer NOT NULL CHECK (customers >= 0),
        repeat_buyers integer NOT NULL CHECK (repeat_buyers >= 0),
        duration_ms integer NOT NULL CHECK (duration_ms >= 0),
        triggered_by text NOT NULL CHECK (triggered_by IN ('request', 'schedule')),
        result jsonb NOT NULL
      );
      CREATE INDEX prediction_fits_fitted_at_idx ON prediction_fits (fitted_at DESC, id DESC);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE prediction_fits`);
  }
}
