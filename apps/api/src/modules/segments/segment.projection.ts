import { prepared } from '../../database/db';
import type { UnitOfWork } from '../../database/db';
import type { LogRange, Projector } from '../../log';
import { CUSTOMER_CREATIONS_TABLE } from '../customers';
import { TRANSITIONS_TABLE } from '../lifecycle';
import { TOUCHPOINTS_TABLE } from '../touchpoints';
import type { SegmentChangeCause } from './segment.type';
import type { SegmentService } from './segment.service';

/** The projection's name in projection_positions. */
export const SEGMENTS_PROJECTION = 'segments';

/** The logs it follows, under the names every projection uses for them. */
const LOGS = {
  touchpoints: { name: 'touchpoints', table: TOUCHPOINTS_TABLE },
  transitions: { name: 'stage_transitions', table: TRANSITIONS_TABLE },
  creations: { name: 'customer_creations', table: CUSTOMER_CREATIONS_TABLE },
} as const;

/** The customers named by rows of a log table in the stretch ($1, $2] … ($3, $4] (and meeting `also`). */
function customersIn(table: string, also = '') {
  return prepared(
    `SELECT DISTINCT e.customer_id FROM ${table} e
      WHERE (e.tx_id, e.id) > ($1::xid8, $2::bigint) AND (e.tx_id, e.id) <= ($3::xid8, $4::bigint)
        AND e.tx_id >= $1::xid8 AND e.tx_id <= $3::xid8 ${also}`,
  );
}
const CUSTOMERS_IN = {
  touchpoints: customersIn(TOUCHPOINTS_TABLE),
  transitions: customersIn(TRANSITIONS_TABLE),
  // A customer with a touchpoint is evaluated from the touchpoint log (before or after this, from its current state
  // either way); those without one, left by a failed batch, only from here.
  creations: customersIn(
    CUSTOMER_CREATIONS_TABLE,
    `AND NOT EXISTS (SELECT 1 FROM ${TOUCHPOINTS_TABLE} t WHERE t.customer_id = e.customer_id)`,
  ),
};

/**
 * Segment membership as a projection of the touchpoint and transition logs:
 * each stretch of a log names the customers it touched, and every segment is
 * re-evaluated for that batch of customers (one statement per segment), in
 * the transaction that moves the projection's position. Ingest, manual
 * moves, sweeps and creation all append to these logs, so all are covered
 * without the writers knowing about segments: a customer created before a
 * batch that then failed has no touchpoint or transition, and is evaluated
 * from the creation log (`customer_creations`, written by a trigger).
 */
export class SegmentProjection {
  constructor(private readonly segments: SegmentService) {}

  /** `after`: a projection whose position bounds this one (metrics, which writes the acquisitions rules read). */
  register(projector: Projector, options: { after?: string } = {}): void {
    projector
      .followRange(SEGMENTS_PROJECTION, LOGS.touchpoints, (uow, range) => this.apply(uow, 'touchpoints', range, 'touchpoint'), options)
      .followRange(SEGMENTS_PROJECTION, LOGS.transitions, (uow, range) => this.apply(uow, 'transitions', range, 'transition'), options)
      // Not bounded by `after`: the metrics projection does not follow creations, and a customer without touchpoints
      // has no acquisition to wait for. Their attributes are what a new customer is evaluated on.
      .followRange(SEGMENTS_PROJECTION, LOGS.creations, (uow, range) => this.apply(uow, 'creations', range, 'attributes'));
  }

  async apply(uow: UnitOfWork, log: keyof typeof LOGS, range: LogRange, cause: SegmentChangeCause, asOf = new Date()): Promise<void> {
    const rows = await uow.query<{ customer_id: string }>(CUSTOMERS_IN[log], [
      range.after.txId.toString(),
      range.after.id.toString(),
      range.upTo.txId.toString(),
      range.upTo.id.toString(),
    ]);
    await this.segments.refreshMembership(
      uow,
      rows.map((row) => row.customer_id),
      cause,
      asOf,
    );
  }
}
