/*
 * What /v1 hands the customers module for `identify`, `alias` and `group`:
 * the identify items and per-item results agreed with the identity work of
 * issue 18 (an item names the person by its identities and brings details;
 * it creates the customer if unknown, links `previousId`, and never creates a
 * touchpoint). The composition root plugs the customers module's identify in.
 */

/** One identify item, before validation (the customers module validates it as it validates touchpoints). */
export type IdentifySubmission = {
  messageId: string;
  /** ISO 8601 with a time zone. */
  occurredAt: string;
  externalId?: string | null;
  anonymousId?: string | null;
  /** Another identity of the same person (Segment's alias): an anonymousId or an externalId. */
  previousId?: string | null;
  email?: string | null;
  name?: string | null;
  attributes?: Record<string, unknown> | null;
};

export type IdentifyItemOutcome = {
  index: number;
  status: 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';
  messageId: string | null;
  customerId: string | null;
  error: { field: string; message: string } | null;
};

/** Records identify items; one outcome per item, in submission order. `path` names an item in messages. */
export type IdentifyPort = (items: readonly IdentifySubmission[], path: (index: number) => string) => Promise<IdentifyItemOutcome[]>;
