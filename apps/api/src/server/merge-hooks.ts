import type { UnitOfWork } from '../database/db';
import type { CustomerRow, MergeHooks, MovedRows } from '../modules/customers';
import type { JourneyWriter, LifecycleModelService } from '../modules/lifecycle';
import { moveTransitions, moveTransitionsBack } from '../modules/lifecycle';
import { recordErasure } from '../modules/metrics';
import type { SegmentService } from '../modules/segments';
import { journeyHistories, moveTouchpoints, moveTouchpointsBack } from '../modules/touchpoints';

/**
 * What a merge and an unmerge do in the modules above customers, in the
 * merge's unit of work: touchpoints and transitions move, journeys are
 * recomputed from the history each customer then has (through the journey
 * writer), segments re-evaluate both customers, and the metrics projection
 * lets go of the merged customer as of a deleted one (a merged customer is
 * one customer from then on).
 */
export function mergeHooksOf(models: LifecycleModelService, journeys: JourneyWriter, segmentsOf: () => SegmentService): MergeHooks {
  const replay = async (uow: UnitOfWork, rows: readonly CustomerRow[], cause: 'merge' | 'unmerge') => {
    const histories = await journeyHistories(
      uow,
      rows.map((row) => row.id),
    );
    const model = await models.current();
    await journeys.replay(
      uow,
      model,
      rows.map((row) => ({ row, events: histories.get(row.id) ?? [] })),
      cause,
    );
  };
  return {
    merging: async (uow, { into, from }) => {
      const touchpoints = await moveTouchpoints(uow, from.id, into.id);
      const transitions = await moveTransitions(uow, from.id, into.id);
      await replay(uow, [into], 'merge');
      await recordErasure(uow, from.id);
      await segmentsOf().customerDeleting(uow, from.id);
      await segmentsOf().customerUpdated(uow, into.id);
      return { touchpoints, transitions };
    },
    unmerging: async (uow, { into, from, moved, arrivals }) => {
      await moveTouchpointsBack(uow, { ids: idsOf(moved, 'touchpoints'), messageIds: arrivals }, into.id, from.id);
      await moveTransitionsBack(uow, idsOf(moved, 'transitions'), into.id, from.id);
      await replay(
        uow,
        [into, from].sort((a, b) => (a.id < b.id ? -1 : 1)),
        'unmerge',
      );
      await segmentsOf().customerUpdated(uow, into.id);
      await segmentsOf().customerUpdated(uow, from.id);
    },
  };
}

function idsOf(moved: MovedRows, name: string): string[] {
  const ids = moved[name];
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}
