import DataLoader from 'dataloader';
import { invalidInput } from '../../core/errors';
import { requestScoped } from '../../core/request-context';
import type { RequestScoped } from '../../core/request-context';
import type { Db } from '../../database/db';
import { addDays, dayOf, daysBetween, isDay } from './days';
import { CustomerPrediction, PredictionFit } from './dto/prediction.types';
import type { PredictionModel, PredictionTimeUnit } from './dto/prediction.types';
import { runFit } from './fit-run';
import type { TimeUnit } from './fit-run';
import { COUNT_MODEL_NAMES } from './models/count-model';
import type { CountModelName } from './models/count-model';
import { findFit, insertFit, listFits } from './prediction-fit.sql';
import type { FitTrigger, PredictionFitRow } from './prediction-fit.sql';
import { noDataToFit } from './prediction.errors';
import { purchaseSummaries, spendGroups, summaryGroups } from './purchase-summary.sql';
import { scorer } from './scoring';

/** A fit request as the API takes it (every field optional). */
export type FitRequest = {
  calibrationDate?: string | null;
  holdoutDays?: number | null;
  timeUnit?: PredictionTimeUnit | TimeUnit | null;
  models?: readonly (PredictionModel | CountModelName)[] | null;
};

/** The holdout when the request names none. */
export const DEFAULT_HOLDOUT_DAYS = 90;
const MAX_HOLDOUT_DAYS = 3650;
/** The most fits one `predictionFits` call lists. */
export const MAX_LISTED_FITS = 100;

type CheckedRequest = { calibrationDate: string; holdoutDays: number; timeUnit: TimeUnit; models: CountModelName[] };

/**
 * Prediction fits: run on request (admin) or on a schedule, stored whole,
 * listed. A request is checked before anything is read, and a fit is stored
 * only when it succeeds, in one statement: a refused or failed request
 * leaves the latest fit as it was.
 */
export class PredictionService {
  /** Customers' predictions from the latest fit: two statements per request (the fit, the histories of the batch), however many customers. */
  readonly predictionOf: RequestScoped<DataLoader<string, CustomerPrediction | null>> = requestScoped(
    () => new DataLoader((ids: readonly string[]) => this.predict(ids)),
  );

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Fits the models on the purchases up to the calibration date, compares them, stores and returns the fit. */
  async fit(request: FitRequest, triggeredBy: FitTrigger = 'request'): Promise<PredictionFit> {
    const checked = this.check(request);
    const started = Date.now();
    const window = { calibrationDate: checked.calibrationDate, holdoutEnd: addDays(checked.calibrationDate, checked.holdoutDays) };
    const [groups, spends] = await Promise.all([summaryGroups(this.db, window), spendGroups(this.db, window)]);
    if (groups.length === 0) {
      throw noDataToFit(
        'input.calibrationDate',
        `no purchase touchpoint on or before ${checked.calibrationDate}, so there is nothing to fit`,
      );
    }
    if (!groups.some((group) => group.x > 0)) {
      throw noDataToFit(
        'input.calibrationDate',
        `none of the ${groups.reduce((sum, group) => sum + group.customers, 0)} customers with a purchase on or before ${checked.calibrationDate} bought again by then; the models need repeat purchases`,
      );
    }
    const result = runFit({
      groups: groups.map((group) => ({
        x: group.x,
        txDays: group.tx_days,
        tDays: group.t_days,
        holdoutPurchases: group.holdout_purchases,
        customers: group.customers,
      })),
      spends: spends.map((group) => ({ x: group.x, meanSpend: group.mean_repeat_spend, customers: group.customers })),
      timeUnit: checked.timeUnit,
      holdoutDays: checked.holdoutDays,
      models: checked.models,
    });
    const row = await insertFit(this.db, {
      model: result.chosen,
      time_unit: checked.timeUnit,
      calibration_date: checked.calibrationDate,
      holdout_days: checked.holdoutDays,
      customers: result.customers,
      repeat_buyers: result.repeatBuyers,
      duration_ms: Date.now() - started,
      triggered_by: triggeredBy,
      result,
    });
    return toPredictionFit(row);
  }

  /** The latest fits, newest first (1–100). */
  async list(first: number): Promise<PredictionFit[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_LISTED_FITS)
      throw invalidInput('first', `must be an integer from 1 to ${MAX_LISTED_FITS}`);
    return (await listFits(this.db, first)).map(toPredictionFit);
  }

  /** The latest fit, or null before the first. */
  async latest(): Promise<PredictionFit | null> {
    const [row] = await listFits(this.db, 1);
    return row ? toPredictionFit(row) : null;
  }

  /** One fit by id, or null. */
  async find(id: string): Promise<PredictionFit | null> {
    if (!/^[1-9][0-9]{0,17}$/.test(id)) return null;
    const row = await findFit(this.db, id);
    return row ? toPredictionFit(row) : null;
  }

  /** Scores customers (by id) with the latest fit on their history up to today; null for all before the first fit. */
  async predict(ids: readonly string[]): Promise<(CustomerPrediction | null)[]> {
    const [fit] = await listFits(this.db, 1);
    if (!fit) return ids.map(() => null);
    const today = dayOf(this.now());
    const histories = await purchaseSummaries(this.db, { calibrationDate: today, holdoutEnd: today }, ids);
    const byId = new Map(histories.map((history) => [history.customer_id, history]));
    const base = { fitId: fit.id, model: fit.model as PredictionModel, asOf: today };
    const fitForScoring = { id: fit.id, model: fit.model, timeUnit: fit.time_unit, result: fit.result };
    return ids.map((id) => {
      const history = byId.get(id);
      if (!history) return CustomerPrediction.unscored(base, 'no purchase yet: the models predict from a customer’s purchase history');
      const scoring = scorer(fitForScoring, {
        x: history.x,
        txDays: history.tx_days,
        tDays: history.t_days,
        meanRepeatSpend: history.mean_repeat_spend,
      });
      if (scoring.pAlive() === null) {
        return CustomerPrediction.unscored(
          base,
          `the ${fit.model} fit cannot be evaluated for this purchase history (it lies outside the range the fit computes reliably)`,
        );
      }
      return CustomerPrediction.scored(base, scoring, history.x);
    });
  }

  private check(request: FitRequest): CheckedRequest {
    const today = dayOf(this.now());
    const holdoutDays = request.holdoutDays ?? DEFAULT_HOLDOUT_DAYS;
    if (!Number.isInteger(holdoutDays) || holdoutDays < 0 || holdoutDays > MAX_HOLDOUT_DAYS) {
      throw invalidInput('input.holdoutDays', `must be a whole number of days from 0 to ${MAX_HOLDOUT_DAYS}, got ${holdoutDays}`);
    }
    const calibrationDate = request.calibrationDate ?? addDays(today, -holdoutDays);
    if (!isDay(calibrationDate)) {
      throw invalidInput('input.calibrationDate', `must be a calendar day written YYYY-MM-DD, got ${JSON.stringify(calibrationDate)}`);
    }
    if (calibrationDate > today) {
      throw invalidInput(
        'input.calibrationDate',
        `${calibrationDate} is in the future (today is ${today} UTC); a fit can only look at purchases that happened`,
      );
    }
    if (daysBetween(calibrationDate, today) < holdoutDays) {
      throw invalidInput(
        'input.holdoutDays',
        `a holdout of ${holdoutDays} days after ${calibrationDate} would end on ${addDays(calibrationDate, holdoutDays)}, after today (${today} UTC); choose an earlier calibration date or a shorter holdout`,
      );
    }
    const models = [...new Set(request.models ?? COUNT_MODEL_NAMES)];
    if (models.length === 0) throw invalidInput('input.models', 'names no model; leave it out to fit all three');
    const unknown = models.find((model) => !(COUNT_MODEL_NAMES as readonly string[]).includes(model));
    if (unknown !== undefined)
      throw invalidInput('input.models', `${JSON.stringify(unknown)} is not a model (${COUNT_MODEL_NAMES.join(', ')})`);
    const timeUnit = request.timeUnit ?? 'DAY';
    if (timeUnit !== 'DAY' && timeUnit !== 'WEEK') throw invalidInput('input.timeUnit', `${JSON.stringify(timeUnit)} is not DAY or WEEK`);
    return { calibrationDate, holdoutDays, timeUnit, models: models as CountModelName[] };
  }
}

/** The one mapper from a stored fit to its GraphQL object. */
export function toPredictionFit(row: PredictionFitRow): PredictionFit {
  const { result } = row;
  return Object.assign(new PredictionFit(), {
    id: row.id,
    fittedAt: row.fitted_at,
    model: row.model,
    choice: result.choice,
    timeUnit: row.time_unit,
    calibrationDate: row.calibration_date,
    holdoutDays: row.holdout_days,
    customers: row.customers,
    repeatBuyers: row.repeat_buyers,
    durationMs: row.duration_ms,
    triggeredBy: row.triggered_by,
    warnings: result.warnings,
    models: result.models,
    spendModel: result.spend,
  });
}
