import DataLoader from 'dataloader';
import { allStageKeys } from '@clm/schema';
import type { LifecycleModel } from '@clm/schema';
import { isUuid } from '../../core/ids';
import { requestScoped } from '../../core/request-context';
import type { RequestScoped } from '../../core/request-context';
import { sqlState } from '../../database/db';
import type { Db } from '../../database/db';
import type { Segment } from '../segments';
import { validatePlaybook } from './playbook-definition';
import type { PlaybookContext, PlaybookDefinition, PlaybookInput, TriggerInput } from './playbook-definition';
import { invalidPlaybook, playbookNameTaken, playbookNotFound } from './playbook.errors';
import { playbookPresets } from './playbook-presets';
import type { PlaybookPreset } from './playbook-presets';
import {
  deletePlaybookRow,
  findPlaybooks,
  firingsOfCustomers,
  hitCounts,
  insertPlaybook,
  listPlaybooks,
  lockPlaybook,
  playbookOutcomes,
  toFiring,
  toPlaybook,
  updatePlaybookRow,
} from './playbook.sql';
import type { Playbook, PlaybookFiring, PlaybookOutcome } from './playbook.type';

/** Changes to a playbook; omitted fields stay. */
export type PlaybookChanges = {
  name?: string | null;
  description?: string | null;
  enabled?: boolean | null;
  trigger?: TriggerInput | null;
  delayHours?: number | null;
  recheck?: boolean | null;
  condition?: unknown;
  clearCondition?: boolean | null;
  cooldownDays?: number | null;
  outcomeDays?: number | null;
};

/** What the service reads of other modules: the current lifecycle model and the segments that exist. */
export type PlaybookDependencies = {
  model: () => Promise<LifecycleModel>;
  segments: () => Promise<Array<Pick<Segment, 'id'>>>;
};

/** Firings shown per customer on a timeline. */
const TIMELINE_FIRINGS = 50;

/**
 * Playbooks: definitions (validated as a whole against the current model and
 * segments), presets, outcomes and each customer's firings. Hits and firings
 * are written by the projection and the runner, never here.
 */
export class PlaybookService {
  /** Per request: each customer's newest firings, in one statement per response. */
  readonly firingsOf: RequestScoped<DataLoader<string, PlaybookFiring[]>> = requestScoped(
    () =>
      new DataLoader(async (customerIds: readonly string[]) => {
        const byCustomer = await firingsOfCustomers(this.db, customerIds.filter(isUuid), TIMELINE_FIRINGS);
        return customerIds.map((id) => (byCustomer.get(id) ?? []).map(toFiring));
      }),
  );

  /** Per request: outcomes as of the request, keyed `asOf ISO|playbookId`, in one statement per distinct asOf. */
  readonly outcomes: RequestScoped<DataLoader<string, PlaybookOutcome>> = requestScoped(
    () =>
      new DataLoader(async (keys: readonly string[]) => {
        const byAsOf = new Map<string, string[]>();
        for (const key of keys) {
          const [asOf, id] = key.split('|');
          byAsOf.set(asOf, [...(byAsOf.get(asOf) ?? []), id]);
        }
        const results = new Map<string, PlaybookOutcome>();
        for (const [asOf, ids] of byAsOf) {
          for (const [id, outcome] of await this.outcomesOf(ids, new Date(asOf))) results.set(`${asOf}|${id}`, outcome);
        }
        return keys.map((key) => results.get(key) as PlaybookOutcome);
      }),
  );

  constructor(
    private readonly db: Db,
    private readonly dependencies: PlaybookDependencies,
  ) {}

  async list(): Promise<Playbook[]> {
    return (await listPlaybooks(this.db)).map(toPlaybook);
  }

  async find(id: string): Promise<Playbook | null> {
    if (!isUuid(id)) return null;
    const [row] = await findPlaybooks(this.db, [id.toLowerCase()]);
    return row === undefined ? null : toPlaybook(row);
  }

  /** The presets for the current model, each saying whether a playbook made from it exists. */
  async presets(): Promise<Array<PlaybookPreset & { inUse: boolean }>> {
    const [model, rows] = await Promise.all([this.dependencies.model(), listPlaybooks(this.db)]);
    const used = new Set(rows.map((row) => row.preset));
    return playbookPresets(model).map((preset) => ({ ...preset, inUse: used.has(preset.key) }));
  }

  /** Creates a playbook; refused with every problem of an invalid one. */
  async create(input: PlaybookInput, actor: string): Promise<Playbook> {
    const definition = await this.validate(input, 'input');
    return this.withNameConflict(definition.name, () =>
      this.db.transaction(async (uow) => toPlaybook(await insertPlaybook(uow, definition, actor))),
    );
  }

  /** Applies changes to a playbook and checks the result as a whole. */
  async update(id: string, changes: PlaybookChanges, actor: string): Promise<Playbook> {
    if (!isUuid(id)) throw playbookNotFound(id);
    const current = await this.find(id);
    if (current === null) throw playbookNotFound(id);
    const definition = await this.validate(merge(current, changes), 'input');
    return this.withNameConflict(definition.name, () =>
      this.db.transaction(async (uow) => {
        if ((await lockPlaybook(uow, id.toLowerCase())) === null) throw playbookNotFound(id);
        return toPlaybook(await updatePlaybookRow(uow, id.toLowerCase(), definition, actor));
      }),
    );
  }

  /** Deletes a playbook with its pending and decided hits; its firings stay in the log. False when there was none. */
  async delete(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    return deletePlaybookRow(this.db, id.toLowerCase());
  }

  /** Outcome numbers of playbooks as of `asOf` (see PlaybookOutcome). */
  async outcomesOf(ids: readonly string[], asOf: Date): Promise<Map<string, PlaybookOutcome>> {
    const valid = ids.filter(isUuid).map((id) => id.toLowerCase());
    const model = await this.dependencies.model();
    const [outcomes, counts] = await Promise.all([
      playbookOutcomes(
        this.db,
        valid,
        asOf,
        model.stages.map((stage) => stage.key),
      ),
      hitCounts(this.db, valid),
    ]);
    return new Map(
      ids.map((id) => {
        const row = outcomes.get(id.toLowerCase());
        const states = counts.get(id.toLowerCase()) ?? {};
        const fired = row?.fired ?? 0;
        const firedReached = row?.fired_reached ?? 0;
        const heldOut = row?.held_out ?? 0;
        const heldOutReached = row?.held_out_reached ?? 0;
        const firedRate = fired === 0 ? null : firedReached / fired;
        const heldOutRate = heldOut === 0 ? null : heldOutReached / heldOut;
        return [
          id,
          {
            fired,
            firedReached,
            firedRate,
            heldOut,
            heldOutReached,
            heldOutRate,
            lift: firedRate === null || heldOutRate === null ? null : firedRate - heldOutRate,
            open: row?.open ?? 0,
            pending: states.pending ?? 0,
            dropped: states.dropped ?? 0,
            asOf,
          },
        ];
      }),
    );
  }

  private async validate(input: PlaybookInput, path: string): Promise<PlaybookDefinition> {
    const [model, segments] = await Promise.all([this.dependencies.model(), this.dependencies.segments()]);
    const context: PlaybookContext = { stages: allStageKeys(model), segmentIds: new Set(segments.map((segment) => segment.id)) };
    const { definition, issues } = validatePlaybook(input, context, path);
    if (definition === null) throw invalidPlaybook(issues);
    return definition;
  }

  private async withNameConflict<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (sqlState(error) === '23505') throw playbookNameTaken(name);
      throw error;
    }
  }
}

/** A stored playbook with changes applied, as an input to validate whole. */
function merge(current: Playbook, changes: PlaybookChanges): PlaybookInput {
  return {
    name: changes.name ?? current.name,
    preset: current.preset,
    description: changes.description === undefined ? current.description : changes.description,
    enabled: changes.enabled ?? current.enabled,
    trigger: changes.trigger ?? current.trigger,
    delayHours: changes.delayHours ?? current.delayHours,
    recheck: changes.recheck ?? current.recheck,
    condition: changes.clearCondition ? null : (changes.condition ?? current.condition),
    cooldownDays: changes.cooldownDays ?? current.cooldownDays,
    outcomeDays: changes.outcomeDays ?? current.outcomeDays,
  };
}
