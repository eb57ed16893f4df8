import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import type { LogRange, ProjectedLog } from '../../log';

/**
 * The registry of webhook event sources. A source is an append-only log (a
 * table with `id bigint` and `tx_id xid8`, read in commit order like every
 * projection's log) and the SQL that turns a stretch of it into webhook
 * events. The webhook consumer follows every registered source from its own
 * stored position (projection `webhooks`, log `source.log.name`), and in the
 * same transaction writes one message per event and one delivery per matching
 * endpoint; nothing about webhooks is written inside the transaction that
 * appended to the log.
 *
 * Invariants a source keeps:
 * - `events(range)` reads only rows of `range` (use `inLogRange`), at most one
 *   row per (log row, event type), and only event types it lists in
 *   `eventTypes`;
 * - it is deterministic for a stretch (a step retried after a crash produces
 *   the same events);
 * - `log.name` and the event type names never change once shipped: positions
 *   are stored under the name, and endpoints subscribe by the types.
 */
export type WebhookEventSource = {
  /** The log followed; `name` keys the stored position (projection_positions.log under projection `webhooks`). */
  log: ProjectedLog;
  /** The event types this source produces, `noun.verb` in lower case (`customer.stage_changed`). */
  eventTypes: readonly string[];
  /**
   * A SELECT over the stretch, one row per event, with exactly these columns:
   * - `log_tx_id xid8`, `log_id bigint`: the log row's position (`e.tx_id`, `e.id`);
   * - `event_type text`: one of `eventTypes`;
   * - `customer_id uuid`: whom it is about (deliveries of one customer to one endpoint keep log order);
   * - `occurred_at timestamptz`: when it happened (the payload's `timestamp`);
   * - `stage text`: the stage endpoints' stage filters compare, or NULL for the customer's current stage;
   * - `segment_id uuid`: the segment endpoints' segment filters compare, or NULL for the customer's current segments;
   * - `data jsonb`: the event's own fields (the consumer adds `customer`, the customer's current record).
   */
  events: (range: LogRange) => SqlFragment;
};

/** The rows of `range` in a log table aliased `alias`: the condition every source's `events` uses. */
export function inLogRange(range: LogRange, alias = 'e'): SqlFragment {
  const a = sql.raw(alias);
  const after = { txId: range.after.txId.toString(), id: range.after.id.toString() };
  const upTo = { txId: range.upTo.txId.toString(), id: range.upTo.id.toString() };
  return sql`(${a}.tx_id, ${a}.id) > (${after.txId}::xid8, ${after.id}::bigint) AND (${a}.tx_id, ${a}.id) <= (${upTo.txId}::xid8, ${upTo.id}::bigint)
    AND ${a}.tx_id >= ${after.txId}::xid8 AND ${a}.tx_id <= ${upTo.txId}::xid8`;
}

const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * The sources one instance delivers from, registered at start-up in the
 * composition root (server/services.ts): stage changes and segment changes
 * by default, then whatever other modules add (`playbook.fired`,
 * `customer.merged`). Registration refuses a second source on the same log
 * and an event type two sources would both produce.
 */
export class WebhookSources {
  private readonly sources: WebhookEventSource[] = [];

  register(source: WebhookEventSource): this {
    if (this.sources.some((known) => known.log.name === source.log.name))
      throw new Error(`a webhook source already follows the log ${source.log.name}`);
    for (const type of source.eventTypes) {
      if (!EVENT_TYPE.test(type)) throw new Error(`webhook event type "${type}" is not of the form noun.verb in lower case`);
      if (this.eventTypes().includes(type)) throw new Error(`two webhook sources produce the event type ${type}`);
    }
    this.sources.push(source);
    return this;
  }

  /** The sources, in registration order. */
  list(): readonly WebhookEventSource[] {
    return this.sources;
  }

  /** Every event type an endpoint may subscribe to, in registration order. */
  eventTypes(): string[] {
    return this.sources.flatMap((source) => source.eventTypes);
  }
}
