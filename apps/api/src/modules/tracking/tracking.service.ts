import { invalidInput } from '../../core/errors';
import type { Queryable } from '../../database/db';
import { MAX_BATCH } from '../touchpoints';
import type { IngestService } from '../touchpoints';
import type { IdentifyItemOutcome, IdentifyPort } from './identify-port';
import { identifyField, ingestField, readMessage } from './segment-message';
import type { MessageRejection, MessageType, ReadMessage } from './segment-message';
import { CompiledMapping, DEFAULT_TRACKING_MAPPING, mappingIssues } from './tracking-mapping';
import type { TrackingMapping } from './tracking-mapping';
import { latestRejections, readSettings, recordRejections, writeMapping } from './tracking.sql';
import type { RejectionRow } from './tracking.sql';

/** How long one instance trusts the mapping it read; another instance's change is seen within this. */
const MAPPING_TTL_MS = 5000;

/**
 * The mapping in force on one instance, shared by every request's
 * TrackingService: read from the database at most every 5 seconds, and at
 * once after this instance changes it.
 */
export class TrackingMappings {
  private cached: { mapping: CompiledMapping; until: number } | null = null;

  /** The cached mapping while fresh, else `read()`'s (null: the defaults). */
  async current(read: () => Promise<TrackingMapping | null>): Promise<CompiledMapping> {
    if (this.cached && this.cached.until > Date.now()) return this.cached.mapping;
    return this.remember((await read()) ?? DEFAULT_TRACKING_MAPPING);
  }

  remember(mapping: TrackingMapping): CompiledMapping {
    const compiled = new CompiledMapping(mapping);
    this.cached = { mapping: compiled, until: Date.now() + MAPPING_TTL_MS };
    return compiled;
  }
}
/** Reasons are stored up to this length (they quote what was sent). */
const MAX_REASON = 1000;

/** What became of the messages of one request. */
export type TrackingOutcome = { accepted: number; duplicates: number; rejected: MessageRejection[] };

/** One request's messages and what they share. */
export type TrackingRequest = {
  messages: readonly unknown[];
  /** The type a single-message route fixes; null for a batch (each message says its own). */
  routeType: MessageType | null;
  /** How rejections name message `index` (`batch[3]`, or `` for a single message). */
  path: (index: number) => string;
  batchSentAt: unknown;
  receivedAt: Date;
  /** The route (`/v1/batch`) and key name, kept with the rejections for the admin. */
  route: string;
  keyName: string;
};

type Outcome = { index: number; status: IdentifyItemOutcome['status']; error: { field: string; message: string } | null };

/**
 * The Segment-compatible ingest: reads each message of a request through the
 * mapping, hands touchpoints to the ingest path and identify items to the
 * customers module in runs that keep the messages' order (an identify that
 * links an anonymous id comes before the track that follows it), and keeps
 * every rejection for the admin. A message is rejected alone; the rest are
 * stored.
 */
export class TrackingService {
  constructor(
    private readonly db: Queryable,
    private readonly ingest: IngestService,
    private readonly identify: IdentifyPort,
    private readonly mappings: TrackingMappings = new TrackingMappings(),
  ) {}

  async receive(request: TrackingRequest): Promise<TrackingOutcome> {
    const mapping = await this.mapping();
    const facts = { receivedAt: request.receivedAt, batchSentAt: request.batchSentAt, mapping };
    const read = request.messages.map((message, index) => readMessage(message, index, request.path(index), request.routeType, facts));
    const rejected: MessageRejection[] = [];
    const outcome: TrackingOutcome = { accepted: 0, duplicates: 0, rejected };
    for (const entry of read) if (entry.kind === 'rejected') rejected.push(entry.rejection);
    for (const run of runsOf(read)) {
      const outcomes = run.kind === 'touchpoint' ? await this.recordTouchpoints(run.items) : await this.recordIdentities(run.items);
      for (const [position, result] of outcomes.entries()) {
        const entry = run.items[position];
        if (result.status === 'ACCEPTED') outcome.accepted += 1;
        else if (result.status === 'DUPLICATE') outcome.duplicates += 1;
        else rejected.push(this.rejectionOf(entry, result.error, request.path(entry.index)));
      }
    }
    rejected.sort((a, b) => a.index - b.index);
    await this.keep(request, rejected);
    return outcome;
  }

  /** Keeps a refusal of a whole request (over a limit, not JSON) for the admin, as a rejection without a message. */
  async refused(request: Pick<TrackingRequest, 'route' | 'keyName' | 'receivedAt'>, field: string, reason: string): Promise<void> {
    await this.keep({ ...request }, [{ index: 0, messageId: null, type: null, field, reason }]);
  }

  /** The mapping in force (the admin's, or the Segment Spec defaults). */
  mapping(): Promise<CompiledMapping> {
    return this.mappings.current(async () => (await readSettings(this.db)).mapping);
  }

  /** Replaces the mapping; every problem is refused at once, naming its path. */
  async setMapping(mapping: TrackingMapping, by: string): Promise<TrackingMapping> {
    const issues = mappingIssues(mapping);
    if (issues.length > 0)
      throw invalidInput(`mapping.${issues[0].path}`, issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    const row = await writeMapping(this.db, mapping, by);
    return this.mappings.remember(row.mapping ?? DEFAULT_TRACKING_MAPPING).mapping;
  }

  async resetMapping(by: string): Promise<TrackingMapping> {
    await writeMapping(this.db, null, by);
    return this.mappings.remember(DEFAULT_TRACKING_MAPPING).mapping;
  }

  /** How many messages were ever rejected, and the latest `limit` rejections, newest first. */
  async rejections(limit: number): Promise<{ total: number; latest: RejectionRow[] }> {
    const [settings, latest] = await Promise.all([readSettings(this.db), latestRejections(this.db, limit)]);
    return { total: Number(settings.rejected_total), latest };
  }

  private async recordTouchpoints(items: ReadonlyArray<Extract<ReadMessage, { kind: 'touchpoint' }>>): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (let start = 0; start < items.length; start += MAX_BATCH) {
      const chunk = items.slice(start, start + MAX_BATCH);
      outcomes.push(
        ...(await this.ingest.record(
          chunk.map((entry) => entry.item),
          () => PATH_MARK,
        )),
      );
    }
    return outcomes;
  }

  private async recordIdentities(items: ReadonlyArray<Extract<ReadMessage, { kind: 'identify' }>>): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (let start = 0; start < items.length; start += MAX_BATCH) {
      const chunk = items.slice(start, start + MAX_BATCH);
      outcomes.push(
        ...(await this.identify(
          chunk.map((entry) => entry.item),
          () => PATH_MARK,
        )),
      );
    }
    return outcomes;
  }

  /** A rejection from the ingest path or the customers module, renamed to the message's own fields. */
  private rejectionOf(
    entry: Exclude<ReadMessage, { kind: 'rejected' }>,
    error: { field: string; message: string } | null,
    path: string,
  ): MessageRejection {
    const clmField = withoutMark(error?.field ?? PATH_MARK);
    const detail = error ? error.message.slice(error.message.indexOf(': ') + 2) : 'was not stored';
    const field = entry.kind === 'touchpoint' ? ingestField(clmField, entry) : identifyField(clmField);
    const named = [path, field].filter((part) => part !== '').join('.');
    return {
      index: entry.index,
      messageId: entry.item.messageId ?? null,
      type: entry.type,
      field: named,
      reason: `${named || 'the message'}: ${detail}`,
    };
  }

  private async keep(request: Pick<TrackingRequest, 'route' | 'keyName' | 'receivedAt'>, rejected: readonly MessageRejection[]) {
    await recordRejections(
      this.db,
      rejected.map((rejection) => ({
        received_at: request.receivedAt,
        key_name: request.keyName,
        route: request.route,
        message_type: rejection.type,
        message_id: rejection.messageId,
        field: rejection.field,
        reason: rejection.reason.slice(0, MAX_REASON),
      })),
    );
  }
}

/** What the ingest path and identify are told a message is called: replaced by the message's own path in rejections. */
const PATH_MARK = '\u0000';

/** A field as the ingest path or identify wrote it (`<mark>.occurredAt`), without the mark. */
function withoutMark(field: string): string {
  if (!field.startsWith(PATH_MARK)) return field;
  const rest = field.slice(PATH_MARK.length);
  return rest.startsWith('.') ? rest.slice(1) : rest;
}

type Run =
  | { kind: 'touchpoint'; items: Array<Extract<ReadMessage, { kind: 'touchpoint' }>> }
  | { kind: 'identify'; items: Array<Extract<ReadMessage, { kind: 'identify' }>> };

/**
 * Consecutive readable messages of one kind, in order (rejected ones in
 * between do not split a run): each run is one call (or a few, of MAX_BATCH).
 */
function runsOf(read: readonly ReadMessage[]): Run[] {
  const runs: Run[] = [];
  for (const entry of read) {
    if (entry.kind === 'rejected') continue;
    const last = runs.at(-1);
    if (last && last.kind === entry.kind) (last.items as ReadMessage[]).push(entry);
    else runs.push({ kind: entry.kind, items: [entry] } as Run);
  }
  return runs;
}
