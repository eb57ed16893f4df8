import { IntervalSchedule } from '../../core/interval-schedule';
import type { PredictionService } from './prediction.service';

/**
 * Refits the prediction models every `intervalSeconds` with the default
 * request (calibration date today minus the default holdout). A run still
 * going when the next is due is not overlapped. A refused run (no purchases
 * yet) goes to `onError` and the latest fit stays. `runOnce` is one
 * scheduled fit now, as the timer runs it.
 */
export class PredictionSchedule extends IntervalSchedule {
  constructor(predictions: PredictionService, intervalSeconds: number, onError: (error: unknown) => void) {
    super(() => predictions.fit({}, 'schedule'), intervalSeconds, onError);
  }
}
