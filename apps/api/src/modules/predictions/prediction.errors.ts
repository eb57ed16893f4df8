import { ClmError } from '../../core/errors';

export const PredictionError = {
  /** There is nothing a model can be fitted on: no purchase before the calibration date, or no repeat purchase at all. */
  PREDICTION_NO_DATA: 'PREDICTION_NO_DATA',
} as const;
export type PredictionErrorCode = (typeof PredictionError)[keyof typeof PredictionError];

/** A fit refused for lack of data, before anything is written; `field` names the input that chose the range. */
export function noDataToFit(field: string, message: string): ClmError<PredictionErrorCode> {
  return new ClmError(PredictionError.PREDICTION_NO_DATA, `${field}: ${message}; no fit was stored and the latest fit is unchanged`, {
    field,
  });
}
