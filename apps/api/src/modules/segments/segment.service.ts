import DataLoader from 'dataloader';
import { invalidInput } from '../../core/errors';
import { isUuid, MAX_TEXT, textProblem } from '../../core/ids';
import { requestScoped } from '../../core/request-context';
import type { RequestScoped } from '../../core/request-context';
import { RetryTransaction, sqlState } from '../../database/db';
import type { Db, UnitOfWork } from '../../database/db';
import type { Customer, CustomerService } from '../customers';
import type { SegmentRelations } from './rule-compiler';
import { validateSegmentRule } from './rule-validation';
import type { Segment, SegmentChangeCause } from './segment.type';
import { invalidSegmentRule, segmentNameTaken, segmentNotFound } from './segment.errors';
import {
  countMembers,
  deleteSegmentRow,
  exitEveryone,
  findSegment,
  insertSegment,
  listSegments,
  memberTrends,
  previewRule,
  recordErasure,
  refreshMembers,
  segmentsOfCustomers,
  toSegment,
  updateSegmentRow,
} from './segment.sql';
import type { SegmentRow, TrendPoint } from './segment.sql';
import type { SegmentRule } from './segment-rule';

export type SegmentFields = { name: string; description?: string | null; rule: unknown };
export type SegmentChanges = { name?: string | null; description?: string | null; rule?: unknown };
export type Preview = { count: number; sample: Customer[]; asOf: Date };

const SAMPLE_SIZE = 10;
const MAX_TREND_DAYS = 366;

/**
 * Segments: definitions (validated rules), previews, and membership kept
 * current. Every change of membership goes through `refresh` (or an erasure
 * or a deletion), inside the caller's unit of work, which it marks as having
 * appended to the membership log so subscribers hear of it after COMMIT.
 */
export class SegmentService {
  /** Per request: the segments of each customer, in one statement per response. */
  readonly segmentsOf: RequestScoped<DataLoader<string, Segment[]>> = requestScoped(
    () =>
      new DataLoader(async (customerIds: readonly string[]) => {
        const byCustomer = await segmentsOfCustomers(this.db, customerIds.filter(isUuid));
        return customerIds.map((id) => (byCustomer.get(id) ?? []).map(toSegment));
      }),
  );

  /** Per request: member counts, in one statement per response. */
  readonly memberCounts: RequestScoped<DataLoader<string, number>> = requestScoped(
    () =>
      new DataLoader(async (segmentIds: readonly string[]) => {
        const counts = await countMembers(this.db, segmentIds);
        return segmentIds.map((id) => counts.get(id) ?? 0);
      }),
  );

  /**
   * Per request: member trends, in one statement per response (per distinct
   * `days`), keyed `days:segmentId`. Days end at midnight UTC; the last is today.
   */
  readonly memberTrends: RequestScoped<DataLoader<string, TrendPoint[]>> = requestScoped(
    () =>
      new DataLoader(async (keys: readonly string[]) => {
        const byDays = new Map<number, string[]>();
        for (const key of keys) {
          const [days, id] = key.split(':');
          byDays.set(Number(days), [...(byDays.get(Number(days)) ?? []), id]);
        }
        const results = new Map<string, TrendPoint[]>();
        for (const [days, ids] of byDays) {
          for (const [id, points] of await this.trends(ids, days)) results.set(`${days}:${id}`, points);
        }
        return keys.map((key) => results.get(key) ?? []);
      }),
  );

  constructor(
    private readonly db: Db,
    private readonly customers: CustomerService,
    private readonly relations: SegmentRelations,
  ) {}

  async list(): Promise<Segment[]> {
    return (await listSegments(this.db)).map(toSegment);
  }

  async find(id: string): Promise<Segment | null> {
    if (!isUuid(id)) return null;
    const row = await findSegment(this.db, id.toLowerCase());
    return row === null ? null : toSegment(row);
  }

  /**
   * Members at the end of each of the last `days` UTC days up to the day of
   * `asOf`, oldest first, per segment: computed back from the current count
   * through the membership log. `days` is 1–366.
   */
  async trends(segmentIds: readonly string[], days: number, asOf = new Date()): Promise<Map<string, TrendPoint[]>> {
    if (!Number.isInteger(days) || days < 1 || days > MAX_TREND_DAYS) {
      throw invalidInput('days', `must be a whole number from 1 to ${MAX_TREND_DAYS}`);
    }
    return memberTrends(this.db, segmentIds.filter(isUuid), days, asOf);
  }

  /** Creates a segment and evaluates it over every customer at once (cause `definition`). */
  async create(fields: SegmentFields, actor: string, asOf = new Date()): Promise<Segment> {
    const name = checkName(fields.name, 'input.name');
    const description = checkDescription(fields.description);
    const rule = parseRule(fields.rule, 'input.rule');
    return this.withNameConflict(name, () =>
      this.db.transaction(async (uow) => {
        const row = await insertSegment(uow, { name, description: description ?? null, rule, actor });
        await this.evaluate(uow, row, null, 'definition', asOf);
        return toSegment(row);
      }),
    );
  }

  /** Changes a segment; a new rule is evaluated over every customer at once (cause `definition`). */
  async update(id: string, changes: SegmentChanges, actor: string, asOf = new Date()): Promise<Segment> {
    const name = changes.name == null ? undefined : checkName(changes.name, 'input.name');
    const description = checkDescription(changes.description);
    const rule = changes.rule == null ? undefined : parseRule(changes.rule, 'input.rule');
    if (!isUuid(id)) throw segmentNotFound(id);
    return this.withNameConflict(name ?? '', () =>
      this.db.transaction(async (uow) => {
        if ((await findSegment(uow, id.toLowerCase(), true)) === null) throw segmentNotFound(id);
        const row = await updateSegmentRow(uow, id.toLowerCase(), { name, description, rule, actor });
        if (rule !== undefined) await this.evaluate(uow, row, null, 'definition', asOf);
        return toSegment(row);
      }),
    );
  }

  /** Deletes a segment; its members leave first (cause `segment_deleted`), so subscribers see every exit. */
  async delete(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    return this.db.transaction(async (uow) => {
      if ((await findSegment(uow, id.toLowerCase(), true)) === null) return false;
      if ((await exitEveryone(uow, id.toLowerCase(), 'segment_deleted')) > 0) uow.logAppended();
      return deleteSegmentRow(uow, id.toLowerCase());
    });
  }

  /** How many customers an unsaved rule selects as of `asOf`, and the newest few. */
  async preview(input: unknown, asOf = new Date()): Promise<Preview> {
    const rule = parseRule(input, 'rule');
    const { count, ids } = await previewRule(this.db, rule, asOf, SAMPLE_SIZE, this.relations);
    const sample = await this.customers.findMany(ids);
    return { count, sample: sample.filter((customer): customer is Customer => customer !== null), asOf };
  }

  /**
   * Re-evaluates every segment for these customers (or everyone), one
   * statement per segment, inside the caller's unit of work: what the
   * projection, the `updated` hook and the schedule call.
   */
  async refreshMembership(
    uow: UnitOfWork,
    customers: readonly string[] | 'all',
    cause: SegmentChangeCause,
    asOf = new Date(),
  ): Promise<number> {
    if (customers !== 'all' && customers.length === 0) return 0;
    let changes = 0;
    for (const segment of await listSegments(uow)) {
      changes += await this.evaluate(uow, segment, customers === 'all' ? null : customers, cause, asOf);
    }
    return changes;
  }

  /**
   * The scheduled re-evaluation: every segment over every customer as of
   * `asOf` (cause `time`), one transaction per segment. A segment another
   * instance is re-evaluating right now is skipped. Returns the changes.
   */
  async refreshOnSchedule(asOf = new Date()): Promise<number> {
    let changes = 0;
    for (const segment of await listSegments(this.db)) {
      changes += await this.db.transaction(async (uow) => {
        // The segment's own row, not an advisory lock: any role (the BI role) can take and hold an advisory key.
        const locked = await uow.query(`SELECT id FROM segments WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED`, [segment.id]);
        return locked.length > 0 ? this.evaluate(uow, segment, null, 'time', asOf) : 0;
      });
    }
    return changes;
  }

  /** The customers module's `updated` hook: attributes or identity changed, in the caller's transaction. */
  async customerUpdated(uow: UnitOfWork, customerId: string): Promise<void> {
    await this.refreshMembership(uow, [customerId], 'attributes');
  }

  /** The customers module's `deleting` hook: the customer leaves every segment (cause `erased`). */
  async customerDeleting(uow: UnitOfWork, customerId: string): Promise<void> {
    if ((await recordErasure(uow, customerId)) > 0) uow.logAppended();
  }

  private async evaluate(
    uow: UnitOfWork,
    segment: Pick<SegmentRow, 'id' | 'rule'>,
    customers: readonly string[] | null,
    cause: SegmentChangeCause,
    asOf: Date,
  ): Promise<number> {
    let changes: number;
    try {
      changes = await refreshMembers(uow, segment, customers, cause, asOf, this.relations);
    } catch (error) {
      // A customer deleted by a concurrent transaction after this one read it: start again without it.
      if (sqlState(error) === '23503') throw new RetryTransaction('a customer was deleted while its segments were evaluated');
      throw error;
    }
    if (changes > 0) uow.logAppended();
    return changes;
  }

  private async withNameConflict<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (sqlState(error) === '23505') throw segmentNameTaken(name);
      throw error;
    }
  }
}

function parseRule(input: unknown, path: string): SegmentRule {
  const validation = validateSegmentRule(input, path);
  if (validation.rule === null) throw invalidSegmentRule(validation.issues);
  return validation.rule;
}

function checkName(value: string, field: string): string {
  const name = value.trim();
  if (name === '') throw invalidInput(field, 'give the segment a name');
  if (name.length > MAX_TEXT) throw invalidInput(field, `must be at most ${MAX_TEXT} characters`);
  const problem = textProblem(name);
  if (problem !== null) throw invalidInput(field, problem);
  return name;
}

function checkDescription(value: string | null | undefined): string | null | undefined {
  if (value == null) return value;
  if (value.length > 4096) throw invalidInput('input.description', 'must be at most 4096 characters');
  const problem = textProblem(value);
  if (problem !== null) throw invalidInput('input.description', problem);
  return value.trim() === '' ? null : value.trim();
}
