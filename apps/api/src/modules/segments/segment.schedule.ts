import { IntervalSchedule } from '../../core/interval-schedule';
import type { SegmentService } from './segment.service';

/**
 * Re-evaluates every segment every `intervalSeconds`, so rules over time
 * ("no login for 30 days", "days in stage ≥ 14") change membership when time
 * passes without any event. A run still going when the next is due is not
 * overlapped; the next one starts after it.
 */
export class SegmentSchedule extends IntervalSchedule {
  constructor(segments: SegmentService, intervalSeconds: number, onError: (error: unknown) => void) {
    super(() => segments.refreshOnSchedule(), intervalSeconds, onError);
  }
}
