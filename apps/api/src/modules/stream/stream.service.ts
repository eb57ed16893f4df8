import type { DataSource } from 'typeorm';
import { Customer } from '../customers/customer.entity';
import { StageTransition } from '../lifecycle/stage-transition.entity';
import type { TransitionCause } from '../lifecycle/stage-transition.entity';
import { Touchpoint } from '../touchpoints/touchpoint.entity';
import { CommitNotifier, EVENTS_CHANNEL } from './commit-notifier';
import { EventLog } from './event-log';
import { decodeCursor, encodeCursor } from './log-position';
import { LogTailer, replayThenFollow } from './log-tailer';
import type { PgListener } from './pg-listener';

/** A transition as streamed, with the customer's current record attached (read once per instance, not per subscriber). */
export type StreamedTransition = StageTransition & { customer: Customer };
export type StreamEvent<T> = { cursor: string; value: T };
export type TransitionFilter = { stages: string[] | null; customerId: string | null };
export type TouchpointFilter = { types: string[] | null; customerId: string | null };

const FALLBACK_POLL_MS = 500;

/**
 * The live stream: the transition and touchpoint logs, followed once per
 * instance and fanned out to subscribers. Writers call `notifier.committed()`
 * after COMMIT; other instances hear about it through LISTEN/NOTIFY.
 */
export class StreamService {
  readonly notifier: CommitNotifier;
  private readonly transitionLog: EventLog<StreamedTransition>;
  private readonly touchpointLog: EventLog<Touchpoint>;
  private readonly transitionTailer: LogTailer<StreamedTransition>;
  private readonly touchpointTailer: LogTailer<Touchpoint>;

  constructor(dataSource: DataSource, listener: PgListener, onError: (error: unknown) => void) {
    this.transitionLog = new EventLog(dataSource, {
      table: 'stage_transitions',
      select: `e.id::text AS t_id, e.customer_id, e.from_stage, e.to_stage, e.occurred_at, e.recorded_at, e.cause,
               e.touchpoint_id::text, e.rule_id, e.actor, e.reason, to_jsonb(c) AS customer`,
      joins: 'JOIN customers c ON c.id = e.customer_id',
      toValue: toStreamedTransition,
    });
    this.touchpointLog = new EventLog(dataSource, { table: 'touchpoints', select: 'e.*, e.id::text AS t_id', toValue: toTouchpoint });
    this.transitionTailer = new LogTailer(this.transitionLog, FALLBACK_POLL_MS, onError);
    this.touchpointTailer = new LogTailer(this.touchpointLog, FALLBACK_POLL_MS, onError);
    this.notifier = new CommitNotifier(dataSource, () => this.poke(), onError);
    listener.on(EVENTS_CHANNEL, () => this.poke());
  }

  /** Transitions after the cursor `after` (or from now), matching the filter, each exactly once. */
  async *transitions(filter: TransitionFilter, after: string | null): AsyncGenerator<StreamEvent<StreamedTransition>> {
    const from = after === null ? null : decodeCursor(after);
    const keep = (transition: StreamedTransition) =>
      (filter.stages === null ||
        filter.stages.includes(transition.to) ||
        (transition.from !== null && filter.stages.includes(transition.from))) &&
      (filter.customerId === null || transition.customerId === filter.customerId);
    for await (const entry of replayThenFollow(this.transitionLog, this.transitionTailer, from, keep)) {
      yield { cursor: encodeCursor(entry.cursor), value: entry.value };
    }
  }

  /** Touchpoints after the cursor `after` (or from now), matching the filter. */
  async *touchpoints(filter: TouchpointFilter, after: string | null): AsyncGenerator<StreamEvent<Touchpoint>> {
    const from = after === null ? null : decodeCursor(after);
    const keep = (touchpoint: Touchpoint) =>
      (filter.types === null || filter.types.includes(touchpoint.type)) &&
      (filter.customerId === null || touchpoint.customerId === filter.customerId);
    for await (const entry of replayThenFollow(this.touchpointLog, this.touchpointTailer, from, keep)) {
      yield { cursor: encodeCursor(entry.cursor), value: entry.value };
    }
  }

  /** Validates a cursor before a subscription starts, so a bad one fails the subscribe call. */
  checkCursor(after: string | null): void {
    if (after !== null) decodeCursor(after);
  }

  poke(): void {
    this.transitionTailer.poke();
    this.touchpointTailer.poke();
  }

  /** Ends every subscription and waits for reads and announcements in flight, so the pool can close. */
  async stop(): Promise<void> {
    this.transitionTailer.stop();
    this.touchpointTailer.stop();
    await Promise.all([this.notifier.drain(), this.transitionTailer.settled(), this.touchpointTailer.settled()]);
  }
}

function toStreamedTransition(row: Record<string, unknown>): StreamedTransition {
  const transition = Object.assign(new StageTransition(), {
    id: row.t_id as string,
    customerId: row.customer_id as string,
    from: row.from_stage as string | null,
    to: row.to_stage as string,
    occurredAt: row.occurred_at as Date,
    recordedAt: row.recorded_at as Date,
    cause: row.cause as TransitionCause,
    touchpointId: row.touchpoint_id as string | null,
    ruleId: row.rule_id as string | null,
    actor: row.actor as string | null,
    reason: row.reason as string | null,
  });
  return Object.assign(transition, { customer: customerFromJson(row.customer as Record<string, unknown>) });
}

/** A customer row serialised by `to_jsonb` back into the entity. */
export function customerFromJson(json: Record<string, unknown>): Customer {
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));
  return Object.assign(new Customer(), {
    id: json.id as string,
    externalId: json.external_id as string | null,
    email: json.email as string | null,
    name: json.name as string | null,
    attributes: json.attributes as Record<string, unknown>,
    stage: json.stage as string | null,
    stageEnteredAt: date(json.stage_entered_at),
    funnelStage: json.funnel_stage as string | null,
    typeCounts: json.type_counts as Record<string, number>,
    firstSeenAt: date(json.first_seen_at),
    lastSeenAt: date(json.last_seen_at),
    orders: json.orders as number,
    revenue: Number(json.revenue),
    createdAt: date(json.created_at) as Date,
    updatedAt: date(json.updated_at) as Date,
  });
}

function toTouchpoint(row: Record<string, unknown>): Touchpoint {
  return Object.assign(new Touchpoint(), {
    id: row.t_id as string,
    messageId: row.message_id as string,
    customerId: row.customer_id as string,
    type: row.type as string,
    channel: row.channel as string,
    occurredAt: row.occurred_at as Date,
    receivedAt: row.received_at as Date,
    value: row.value === null ? null : Number(row.value),
    currency: row.currency as string | null,
    campaign: row.campaign as string | null,
    properties: row.properties as Record<string, unknown>,
  });
}
