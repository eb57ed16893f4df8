import type { UnitOfWork } from '../../database/db';
import type { LogRange, Projector } from '../../log';
import { TRANSITIONS_TABLE } from '../lifecycle';
import { SEGMENT_CHANGE_LOG } from '../segments';
import { TOUCHPOINTS_TABLE } from '../touchpoints';
import { recordLogHits } from './playbook.sql';
import type { HitLog } from './playbook.sql';

/** The projection's name in projection_positions. */
export const PLAYBOOKS_PROJECTION = 'playbooks';

/** The logs it follows, under the names every projection uses for them. */
const LOGS: Record<HitLog, { name: string; table: string }> = {
  transitions: { name: 'stage_transitions', table: TRANSITIONS_TABLE },
  touchpoints: { name: 'touchpoints', table: TOUCHPOINTS_TABLE },
  segments: { name: 'segment_membership_changes', table: SEGMENT_CHANGE_LOG.table },
};

/**
 * The event triggers as a projection: each stretch of the transition,
 * touchpoint and segment-membership logs becomes the hits of the playbooks
 * it triggers, in the transaction that moves the projection's position, each
 * once by its unique key (exactly once, whichever instance steps it). After
 * COMMIT the schedule is poked, so a hit without delay fires at once.
 */
export class PlaybookProjection {
  constructor(private readonly onHits: () => void) {}

  register(projector: Projector): void {
    for (const log of Object.keys(LOGS) as HitLog[]) {
      projector.followRange(PLAYBOOKS_PROJECTION, LOGS[log], (uow, range) => this.apply(uow, log, range));
    }
  }

  async apply(uow: UnitOfWork, log: HitLog, range: LogRange): Promise<void> {
    if ((await recordLogHits(uow, log, range)) > 0) uow.afterCommit(this.onHits);
  }
}
