/**
 * Predictions: the buy-till-you-die models (BG/NBD, Pareto/NBD, MBG/NBD,
 * Gamma-Gamma) as pure functions in `models/`, fitted on each customer's
 * repeat-purchase statistics read from purchase touchpoints, compared and
 * backtested, stored as fits; fitted on request and on a schedule.
 */
export { PredictionResolver } from './prediction.resolver';
export { CustomerPredictionFieldsResolver, CustomerPredictionResolver } from './customer-prediction.resolver';
export { PredictionService } from './prediction.service';
export type { FitRequest } from './prediction.service';
export { PredictionSchedule } from './prediction.schedule';
export { PredictionError } from './prediction.errors';
export type { PredictionErrorCode } from './prediction.errors';
