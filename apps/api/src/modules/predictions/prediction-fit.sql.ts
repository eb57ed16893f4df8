import type { Queryable } from '../../database/db';
import { sql } from '../../database/sql';
import type { FitRunResult, TimeUnit } from './fit-run';
import type { CountModelName } from './models/count-model';

/** The `prediction_fits` table: its row, its statements. `result` is the fit run as it was computed. */
export type PredictionFitRow = {
  id: string;
  fitted_at: Date;
  model: CountModelName;
  time_unit: TimeUnit;
  calibration_date: string;
  holdout_days: number;
  customers: number;
  repeat_buyers: number;
  duration_ms: number;
  triggered_by: FitTrigger;
  result: FitRunResult;
};

/** Who asked for a fit. */
export type FitTrigger = 'request' | 'schedule';

export type NewPredictionFit = Omit<PredictionFitRow, 'id' | 'fitted_at'>;

const COLUMNS = sql.raw(`id::text AS id, fitted_at, model, time_unit, to_char(calibration_date, 'YYYY-MM-DD') AS calibration_date,
  holdout_days, customers, repeat_buyers, duration_ms, triggered_by, result`);

export async function insertFit(db: Queryable, fit: NewPredictionFit): Promise<PredictionFitRow> {
  const [row] = await db.query<PredictionFitRow>(sql`
    INSERT INTO prediction_fits (model, time_unit, calibration_date, holdout_days, customers, repeat_buyers, duration_ms, triggered_by, result)
    VALUES (${fit.model}, ${fit.time_unit}, ${fit.calibration_date}::date, ${fit.holdout_days}, ${fit.customers}, ${fit.repeat_buyers},
            ${fit.duration_ms}, ${fit.triggered_by}, ${JSON.stringify(fit.result)}::jsonb)
    RETURNING ${COLUMNS}`);
  return row!;
}

/** The latest fits, newest first. */
export function listFits(db: Queryable, first: number): Promise<PredictionFitRow[]> {
  return db.query<PredictionFitRow>(sql`SELECT ${COLUMNS} FROM prediction_fits ORDER BY fitted_at DESC, id DESC LIMIT ${first}`);
}

/** One fit by id, or null. */
export async function findFit(db: Queryable, id: string): Promise<PredictionFitRow | null> {
  const rows = await db.query<PredictionFitRow>(sql`SELECT ${COLUMNS} FROM prediction_fits WHERE id = ${id}::bigint`);
  return rows[0] ?? null;
}
