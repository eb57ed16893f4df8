import { caseFoldKey } from '../../core/case-fold';
import { prepared } from '../../database/db';
import type { Queryable } from '../../database/db';
import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import type { LogRange, LogSource } from '../../log';
import { CUSTOMERS_TABLE, customerFromJson } from '../customers';
import type { CustomerJson } from '../customers';
import { TRANSITIONS_TABLE } from '../lifecycle';
import { matchingStatement, SEGMENT_CHANGE_LOG, segmentMembers } from '../segments';
import type { SegmentRelations, SegmentRule } from '../segments';
import { TOUCHPOINTS_TABLE } from '../touchpoints';
import type { PlaybookDefinition, PlaybookTrigger, TriggerKind } from './playbook-definition';
import { Playbook, PlaybookFiring } from './playbook.type';

/**
 * The `playbooks`, `playbook_hits`, `playbook_cooldowns` and
 * `playbook_firings` tables: rows, their mappers and every statement on
 * them. A hit is inserted once per (playbook, customer, trigger key) (ON
 * CONFLICT DO NOTHING) and decided once, by the transaction holding its row
 * lock; a firing is appended only in the statement sequence that decides its
 * hit `fired`.
 */
export type PlaybookRow = {
  id: string;
  name: string;
  description: string | null;
  preset: string | null;
  enabled: boolean;
  trigger: PlaybookTrigger;
  delay_hours: number;
  recheck: boolean;
  /** Validated when written; read back as stored. */
  condition: SegmentRule | null;
  cooldown_days: number;
  outcome_days: number;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = `p.id, p.name, p.description, p.preset, p.enabled, p.trigger, p.delay_hours, p.recheck, p.condition,
  p.cooldown_days, p.outcome_days, p.created_at, p.updated_at`;

export function toPlaybook(row: PlaybookRow): Playbook {
  return Object.assign(new Playbook(), {
    id: row.id,
    name: row.name,
    description: row.description,
    preset: row.preset,
    enabled: row.enabled,
    trigger: row.trigger,
    delayHours: row.delay_hours,
    recheck: row.recheck,
    condition: row.condition,
    cooldownDays: row.cooldown_days,
    outcomeDays: row.outcome_days,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

// ------------------------------------------------------------------ playbooks

const LIST = prepared(`SELECT ${COLUMNS} FROM playbooks p ORDER BY p.name_key, p.id`);
const BY_IDS = prepared(`SELECT ${COLUMNS} FROM playbooks p WHERE p.id = ANY ($1::uuid[])`);
const LOCK_BY_ID = prepared(`SELECT ${COLUMNS} FROM playbooks p WHERE p.id = $1 FOR UPDATE`);

export function listPlaybooks(db: Queryable): Promise<PlaybookRow[]> {
  return db.query<PlaybookRow>(LIST);
}

export function findPlaybooks(db: Queryable, ids: readonly string[]): Promise<PlaybookRow[]> {
  return db.query<PlaybookRow>(BY_IDS, [ids]);
}

export async function lockPlaybook(db: Queryable, id: string): Promise<PlaybookRow | null> {
  const rows = await db.query<PlaybookRow>(LOCK_BY_ID, [id]);
  return rows[0] ?? null;
}

/** The columns a definition sets, in the order INSERT and UPDATE below take them ($2 …). */
function definitionParameters(definition: PlaybookDefinition & { preset: string | null }, actor: string): unknown[] {
  return [
    definition.name,
    caseFoldKey(definition.name),
    definition.description,
    definition.preset,
    definition.enabled,
    JSON.stringify(definition.trigger),
    definition.trigger.kind,
    definition.delayHours,
    definition.recheck,
    definition.condition === null ? null : JSON.stringify(definition.condition),
    definition.cooldownDays,
    definition.outcomeDays,
    actor,
  ];
}

export async function insertPlaybook(
  db: Queryable,
  definition: PlaybookDefinition & { preset: string | null },
  actor: string,
): Promise<PlaybookRow> {
  const [row] = await db.query<PlaybookRow>(
    `INSERT INTO playbooks AS p (name, name_key, description, preset, enabled, trigger, trigger_kind, delay_hours, recheck, condition,
                                 cooldown_days, outcome_days, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING ${COLUMNS}`,
    definitionParameters(definition, actor),
  );
  return row;
}

export async function updatePlaybookRow(
  db: Queryable,
  id: string,
  definition: PlaybookDefinition & { preset: string | null },
  actor: string,
): Promise<PlaybookRow> {
  const [row] = await db.query<PlaybookRow>(
    `UPDATE playbooks p SET name = $1, name_key = $2, description = $3, preset = $4, enabled = $5, trigger = $6, trigger_kind = $7,
            delay_hours = $8, recheck = $9, condition = $10, cooldown_days = $11, outcome_days = $12, updated_by = $13, updated_at = now()
      WHERE p.id = $14 RETURNING ${COLUMNS}`,
    [...definitionParameters(definition, actor), id],
  );
  return row;
}

export async function deletePlaybookRow(db: Queryable, id: string): Promise<boolean> {
  return (await db.execute(`DELETE FROM playbooks WHERE id = $1`, [id])) > 0;
}

// ------------------------------------------------------------------ hits from the logs

/** `e` rows of a log table in the stretch ($1, $2] … ($3, $4]. */
const IN_RANGE = `(e.tx_id, e.id) > ($1::xid8, $2::bigint) AND (e.tx_id, e.id) <= ($3::xid8, $4::bigint)
  AND e.tx_id >= $1::xid8 AND e.tx_id <= $3::xid8`;

/** The hit's columns from a playbook `p`, a customer id, a trigger key and when the trigger was met. */
function hitsFrom(select: string): string {
  // In customer id order: the foreign-key locks on customers come in the order ingest takes them.
  return `INSERT INTO playbook_hits (playbook_id, customer_id, trigger_key, met_at, due_at)
          SELECT hit.playbook_id, hit.customer_id, hit.trigger_key, hit.met_at, hit.met_at + make_interval(hours => hit.delay_hours)
            FROM (${select}) hit
           ORDER BY hit.customer_id, hit.playbook_id
          ON CONFLICT ON CONSTRAINT playbook_hits_once DO NOTHING`;
}

/*
 * Only events clm learned of after the playbook was created trigger it (a
 * history loaded later does not fire a year of welcomes). A customer deleted
 * since is left out (the segment log outlives its customers).
 */
const FROM_LOG = {
  transitions: prepared(
    hitsFrom(`SELECT p.id AS playbook_id, e.customer_id, 'transition:' || e.id AS trigger_key, e.occurred_at AS met_at, p.delay_hours
                FROM ${TRANSITIONS_TABLE} e
                JOIN playbooks p ON p.trigger_kind = 'STAGE_ENTERED' AND p.trigger ->> 'stage' = e.to_stage AND e.recorded_at >= p.created_at
               WHERE ${IN_RANGE}`),
  ),
  touchpoints: prepared(
    hitsFrom(`SELECT p.id AS playbook_id, e.customer_id,
                     CASE WHEN p.trigger ->> 'nth' IS NULL THEN 'touchpoint:' || e.id ELSE 'nth:' || (p.trigger ->> 'nth') END AS trigger_key,
                     e.occurred_at AS met_at, p.delay_hours
                FROM ${TOUCHPOINTS_TABLE} e
                JOIN playbooks p ON p.trigger_kind = 'TOUCHPOINT' AND p.trigger ->> 'touchpointType' = e.type AND e.received_at >= p.created_at
               WHERE ${IN_RANGE}
                 AND (p.trigger ->> 'nth' IS NULL OR (p.trigger ->> 'nth')::int = (
                       SELECT count(*) FROM ${TOUCHPOINTS_TABLE} t
                        WHERE t.customer_id = e.customer_id AND t.type = e.type AND (t.occurred_at, t.id) <= (e.occurred_at, e.id)))`),
  ),
  segments: prepared(
    hitsFrom(`SELECT p.id AS playbook_id, e.customer_id, 'segment:' || e.id AS trigger_key, e.occurred_at AS met_at, p.delay_hours
                FROM ${SEGMENT_CHANGE_LOG.table} e
                JOIN playbooks p ON p.trigger_kind = CASE WHEN e.entered THEN 'SEGMENT_ENTERED' ELSE 'SEGMENT_EXITED' END
                                AND p.trigger ->> 'segmentId' = e.segment_id::text AND e.occurred_at >= p.created_at
                JOIN ${CUSTOMERS_TABLE} c ON c.id = e.customer_id
               WHERE ${IN_RANGE}`),
  ),
};

export type HitLog = keyof typeof FROM_LOG;

/** Records the hits of every playbook triggered by a stretch of one log. Returns how many were new. */
export function recordLogHits(db: Queryable, log: HitLog, range: LogRange): Promise<number> {
  return db.execute(FROM_LOG[log], [
    range.after.txId.toString(),
    range.after.id.toString(),
    range.upTo.txId.toString(),
    range.upTo.id.toString(),
  ]);
}

// ------------------------------------------------------------------ hits from time passing

/** The text a timestamp is keyed by: its epoch seconds, exact (numeric), whatever the session's time zone. */
const EPOCH_KEY = (column: string) => `extract(epoch FROM ${column})::text`;

const FROM_TIME = {
  // A customer in the stage since stage_entered_at, for `days` by $2: one hit per stay in the stage.
  STUCK_IN_STAGE: prepared(
    hitsFrom(`SELECT p.id AS playbook_id, c.id AS customer_id, 'stuck:' || ${EPOCH_KEY('c.stage_entered_at')} AS trigger_key,
                     c.stage_entered_at + make_interval(days => (p.trigger ->> 'days')::int) AS met_at, p.delay_hours
                FROM playbooks p JOIN ${CUSTOMERS_TABLE} c ON c.stage = p.trigger ->> 'stage'
               WHERE p.id = $1 AND c.stage_entered_at <= $2::timestamptz - make_interval(days => (p.trigger ->> 'days')::int)`),
  ),
  // No touchpoint since last_seen_at, for `days` by $2: one hit per silence.
  NO_TOUCHPOINT: prepared(
    hitsFrom(`SELECT p.id AS playbook_id, c.id AS customer_id, 'idle:' || ${EPOCH_KEY('c.last_seen_at')} AS trigger_key,
                     c.last_seen_at + make_interval(days => (p.trigger ->> 'days')::int) AS met_at, p.delay_hours
                FROM playbooks p JOIN ${CUSTOMERS_TABLE} c ON true
               WHERE p.id = $1 AND c.last_seen_at <= $2::timestamptz - make_interval(days => (p.trigger ->> 'days')::int)`),
  ),
};

/** Whether the trigger kind is met by time passing (a scheduled scan) rather than by a log row. */
export function isTimeTrigger(kind: TriggerKind): kind is keyof typeof FROM_TIME {
  return Object.hasOwn(FROM_TIME, kind);
}

/** Records the hits of one time-triggered playbook as of `asOf`. Returns how many were new. */
export function recordTimeHits(db: Queryable, playbook: { id: string; kind: keyof typeof FROM_TIME }, asOf: Date): Promise<number> {
  return db.execute(FROM_TIME[playbook.kind], [playbook.id, asOf]);
}

/** Locks a playbook's row for a scan, unless another instance is scanning it (then null). */
export async function lockForScan(db: Queryable, id: string): Promise<boolean> {
  return (await db.query(`SELECT id FROM playbooks WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED`, [id])).length > 0;
}

// ------------------------------------------------------------------ deciding due hits

export type HitRow = { id: string; playbook_id: string; customer_id: string; trigger_key: string; met_at: Date; due_at: Date };

const DUE = prepared(
  `SELECT h.id::text AS id, h.playbook_id, h.customer_id, h.trigger_key, h.met_at, h.due_at FROM playbook_hits h
    WHERE h.state = 'pending' AND h.due_at <= $1
    ORDER BY h.due_at, h.id LIMIT $2
      FOR UPDATE SKIP LOCKED`,
);

/** Up to `limit` pending hits due by `asOf`, locked for this transaction; those another instance holds are skipped. */
export function lockDueHits(db: Queryable, asOf: Date, limit: number): Promise<HitRow[]> {
  return db.query<HitRow>(DUE, [asOf, limit]);
}

export type Decision = 'fired' | 'off' | 'limited' | 'dropped';

const DECIDE = prepared(
  `UPDATE playbook_hits h SET state = $2, decided_at = $3, stage_at = (SELECT c.stage FROM ${CUSTOMERS_TABLE} c WHERE c.id = h.customer_id)
    WHERE h.id = ANY ($1::bigint[]) AND h.state = 'pending'`,
);

/** Records the decision on hits (still pending, locked by this transaction), with each customer's stage now. */
export async function decideHits(db: Queryable, hitIds: readonly string[], decision: Decision, asOf: Date): Promise<void> {
  if (hitIds.length > 0) await db.execute(DECIDE, [hitIds, decision, asOf]);
}

/**
 * Claims each customer's firing slot, at most one hit per customer: the last
 * firing's due time moves to the hit's unless it is within `cooldownDays` of
 * it. The row lock of the upsert serialises instances deciding hits of the
 * same customer; hits come in customer order, the order every instance locks
 * in. The hits whose slot was free.
 */
export async function claimCooldowns(
  db: Queryable,
  playbookId: string,
  hits: readonly HitRow[],
  cooldownDays: number,
): Promise<Set<string>> {
  if (hits.length === 0) return new Set();
  const rows = await db.query<{ hit_id: string }>(
    `WITH claim AS (
       INSERT INTO playbook_cooldowns AS k (playbook_id, customer_id, fired_due_at)
       SELECT $1, h.customer_id, h.due_at FROM unnest($2::uuid[], $3::timestamptz[]) AS h(customer_id, due_at) ORDER BY h.customer_id
       ON CONFLICT (playbook_id, customer_id) DO UPDATE SET fired_due_at = EXCLUDED.fired_due_at
        WHERE k.fired_due_at <= EXCLUDED.fired_due_at - make_interval(days => $4::int)
       RETURNING k.customer_id)
     SELECT h.hit_id FROM unnest($5::bigint[], $2::uuid[]) AS h(hit_id, customer_id) JOIN claim ON claim.customer_id = h.customer_id`,
    [playbookId, hits.map((hit) => hit.customer_id), hits.map((hit) => hit.due_at), cooldownDays, hits.map((hit) => hit.id)],
  );
  return new Set(rows.map((row) => row.hit_id));
}

/**
 * The hits whose customer still meets the trigger (when `recheck`) and the
 * condition, as of `asOf`, in one statement; a deleted customer meets nothing.
 */
export async function stillMet(
  db: Queryable,
  playbook: PlaybookRow,
  hits: readonly HitRow[],
  asOf: Date,
  relations: SegmentRelations,
): Promise<Set<string>> {
  if (hits.length === 0) return new Set();
  const customers = hits.map((hit) => hit.customer_id);
  const trigger = playbook.recheck ? triggerHolds(playbook.trigger) : sql`true`;
  const condition =
    playbook.condition === null ? sql`true` : sql`c.id IN (${matchingStatement(playbook.condition, asOf, customers, relations)})`;
  const rows = await db.query<{ id: string }>(
    sql`SELECT h.id::text AS id FROM unnest(${hits.map((hit) => hit.id)}::bigint[], ${customers}::uuid[], ${hits.map((hit) => hit.trigger_key)}::text[])
               AS h(id, customer_id, trigger_key)
          JOIN ${sql.raw(CUSTOMERS_TABLE)} c ON c.id = h.customer_id
         WHERE ${trigger} AND ${condition}`,
  );
  return new Set(rows.map((row) => row.id));
}

/** The trigger's own condition on customer `c`, for a hit `h` (its `trigger_key`). */
function triggerHolds(trigger: PlaybookTrigger): SqlFragment {
  switch (trigger.kind) {
    case 'STAGE_ENTERED':
      return sql`c.stage = ${trigger.stage}`;
    case 'STUCK_IN_STAGE':
      // Still in the same stay: not moved on and back since.
      return sql`c.stage = ${trigger.stage} AND 'stuck:' || ${sql.raw(EPOCH_KEY('c.stage_entered_at'))} = h.trigger_key`;
    case 'NO_TOUCHPOINT':
      return sql`'idle:' || ${sql.raw(EPOCH_KEY('c.last_seen_at'))} = h.trigger_key`;
    case 'SEGMENT_ENTERED':
      return sql`EXISTS (SELECT 1 FROM (${segmentMembers(trigger.segmentId)}) m WHERE m.customer_id = c.id)`;
    case 'SEGMENT_EXITED':
      return sql`NOT EXISTS (SELECT 1 FROM (${segmentMembers(trigger.segmentId)}) m WHERE m.customer_id = c.id)`;
    case 'TOUCHPOINT':
      return sql`true`;
  }
}

// ------------------------------------------------------------------ the firing log

export type FiringRow = {
  id: string;
  playbook_id: string;
  playbook_name: string;
  customer_id: string;
  trigger: PlaybookTrigger;
  trigger_key: string;
  met_at: Date;
  due_at: Date;
  fired_at: Date;
};

/** The firing columns of the table aliased `alias`. */
const firingColumns = (alias: string) =>
  ['id::text AS id', 'playbook_id', 'playbook_name', 'customer_id', 'trigger', 'trigger_key', 'met_at', 'due_at', 'fired_at']
    .map((column) => `${alias}.${column}`)
    .join(', ');

export function toFiring(row: FiringRow & { customer?: CustomerJson | null }): PlaybookFiring {
  return Object.assign(new PlaybookFiring(), {
    id: row.id,
    playbookId: row.playbook_id,
    playbookName: row.playbook_name,
    customerId: row.customer_id,
    trigger: row.trigger,
    triggerKey: row.trigger_key,
    metAt: row.met_at,
    dueAt: row.due_at,
    firedAt: row.fired_at,
    customer: row.customer == null ? null : customerFromJson(row.customer),
  });
}

/** Appends the firings of hits to the log, in due order (at most once per hit: `hit_id` is unique). */
export async function appendFirings(db: Queryable, hitIds: readonly string[], asOf: Date): Promise<void> {
  if (hitIds.length === 0) return;
  await db.execute(
    `INSERT INTO playbook_firings (playbook_id, playbook_name, customer_id, hit_id, trigger, trigger_key, met_at, due_at, fired_at)
     SELECT p.id, p.name, h.customer_id, h.id, p.trigger, h.trigger_key, h.met_at, h.due_at, $2
       FROM playbook_hits h JOIN playbooks p ON p.id = h.playbook_id
      WHERE h.id = ANY ($1::bigint[])
      ORDER BY h.due_at, h.id`,
    [hitIds, asOf],
  );
}

/** The firing log, each entry with its customer's record as of the read (null once deleted): the `playbook.fired` source. */
export const PLAYBOOK_FIRING_LOG: LogSource<FiringRow & { customer: CustomerJson | null }, PlaybookFiring> = {
  table: 'playbook_firings',
  select: `${firingColumns('e')}, to_jsonb(c) AS customer`,
  joins: `LEFT JOIN ${CUSTOMERS_TABLE} c ON c.id = e.customer_id`,
  toValue: toFiring,
};

const FIRINGS_OF = prepared(
  `SELECT ${firingColumns('f')} FROM (
     SELECT f.*, row_number() OVER (PARTITION BY f.customer_id ORDER BY f.id DESC) AS n FROM playbook_firings f WHERE f.customer_id = ANY ($1::uuid[])
   ) f WHERE f.n <= $2 ORDER BY f.customer_id, f.id DESC`,
);

/** The newest `limit` firings of each customer, newest first. */
export async function firingsOfCustomers(db: Queryable, customerIds: readonly string[], limit: number): Promise<Map<string, FiringRow[]>> {
  const byCustomer = new Map<string, FiringRow[]>();
  for (const row of await db.query<FiringRow>(FIRINGS_OF, [customerIds, limit])) {
    byCustomer.set(row.customer_id, [...(byCustomer.get(row.customer_id) ?? []), row]);
  }
  return byCustomer;
}

// ------------------------------------------------------------------ outcomes

export type OutcomeRow = {
  playbook_id: string;
  fired: number;
  fired_reached: number;
  held_out: number;
  held_out_reached: number;
  open: number;
};

/**
 * Per playbook, over the hits decided fired, off or limited whose outcome
 * window (due_at, due_at + outcome_days] has ended by $2: how many, and how
 * many of them reached a later funnel stage than the one they held when
 * decided ($3, the funnel in order; from at-risk or churned any funnel stage
 * is later) or made a purchase within the window. `open`: decided hits whose
 * window has not ended.
 */
const OUTCOMES = prepared(
  `SELECT h.playbook_id,
          count(*) FILTER (WHERE closed AND h.state = 'fired')::int AS fired,
          count(*) FILTER (WHERE closed AND h.state = 'fired' AND reached)::int AS fired_reached,
          count(*) FILTER (WHERE closed AND h.state IN ('off', 'limited'))::int AS held_out,
          count(*) FILTER (WHERE closed AND h.state IN ('off', 'limited') AND reached)::int AS held_out_reached,
          count(*) FILTER (WHERE NOT closed)::int AS open
     FROM playbook_hits h
     JOIN playbooks p ON p.id = h.playbook_id
     CROSS JOIN LATERAL (SELECT h.due_at + make_interval(days => p.outcome_days) AS window_end) w
     CROSS JOIN LATERAL (SELECT w.window_end <= $2::timestamptz AS closed) c
     CROSS JOIN LATERAL (
       SELECT EXISTS (SELECT 1 FROM ${TRANSITIONS_TABLE} t
                       WHERE t.customer_id = h.customer_id AND t.occurred_at > h.due_at AND t.occurred_at <= w.window_end
                         AND array_position($3::text[], t.to_stage) > coalesce(array_position($3::text[], h.stage_at), 0))
           OR EXISTS (SELECT 1 FROM ${TOUCHPOINTS_TABLE} tp
                       WHERE tp.customer_id = h.customer_id AND tp.type = 'purchase' AND tp.occurred_at > h.due_at AND tp.occurred_at <= w.window_end)
              AS reached) r
    WHERE h.playbook_id = ANY ($1::uuid[]) AND h.state IN ('fired', 'off', 'limited')
    GROUP BY h.playbook_id`,
);

export async function playbookOutcomes(
  db: Queryable,
  playbookIds: readonly string[],
  asOf: Date,
  funnel: readonly string[],
): Promise<Map<string, OutcomeRow>> {
  const rows = await db.query<OutcomeRow>(OUTCOMES, [playbookIds, asOf, funnel]);
  return new Map(rows.map((row) => [row.playbook_id, row]));
}

/** How many of a playbook's hits are in each state (for the dashboard). */
export async function hitCounts(db: Queryable, playbookIds: readonly string[]): Promise<Map<string, Record<string, number>>> {
  const rows = await db.query<{ playbook_id: string; state: string; n: number }>(
    `SELECT playbook_id, state, count(*)::int AS n FROM playbook_hits WHERE playbook_id = ANY ($1::uuid[]) GROUP BY playbook_id, state`,
    [playbookIds],
  );
  const counts = new Map<string, Record<string, number>>();
  for (const row of rows) counts.set(row.playbook_id, { ...(counts.get(row.playbook_id) ?? {}), [row.state]: row.n });
  return counts;
}
