/** A merge as the customer page shows it. */
export type MergeEntry = {
  id: string;
  intoId: string;
  fromId: string;
  cause: string;
  actor?: string | null;
  reason: string;
  unmergedAt?: string | null;
  touchpointsMoved: number;
  identitiesMoved: string[];
};

const CAUSES: Record<string, string> = { MANUAL: 'by hand', IDENTIFY: 'by an identify message', TOUCHPOINT: 'by a touchpoint' };

/**
 * One line for a merge, from the point of view of the customer on the page:
 * who was merged into whom, how, and what moved; and whether it can still be
 * undone (a merge stands until it is).
 */
export function describeMerge(merge: MergeEntry, customerId: string): { text: string; undoable: boolean } {
  const direction = merge.intoId === customerId ? `Customer ${merge.fromId} merged into this one` : `Merged into customer ${merge.intoId}`;
  const moved = `${merge.touchpointsMoved} touchpoint${merge.touchpointsMoved === 1 ? '' : 's'}`;
  const identities = merge.identitiesMoved.length === 0 ? '' : `, identities ${merge.identitiesMoved.join(', ')}`;
  const who = merge.actor ? ` (${merge.actor})` : '';
  const undone = merge.unmergedAt ? ' — undone' : '';
  return {
    text: `${direction} ${CAUSES[merge.cause] ?? merge.cause}${who}: ${merge.reason}. Moved ${moved}${identities}${undone}.`,
    undoable: !merge.unmergedAt,
  };
}
