import type { IdentifyItemResult, IdentifySubmission } from '../customers';

/*
 * What /v1 hands the customers module for `identify`, `alias` and `group`:
 * identify items (an item names the person by its identities and brings
 * details; it creates the customer if unknown, links `previousId`, and never
 * creates a touchpoint), one result per item. The composition root plugs in
 * the customers module's IdentifyService.
 */
export type { IdentifySubmission };

export type IdentifyItemOutcome = IdentifyItemResult;

/** Records identify items; one outcome per item, in submission order. `path` names an item in messages. */
export type IdentifyPort = (items: readonly IdentifySubmission[], path: (index: number) => string) => Promise<IdentifyItemOutcome[]>;
