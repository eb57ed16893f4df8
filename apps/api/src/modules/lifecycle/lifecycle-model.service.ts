import { DEFAULT_PRESET, LIFECYCLE_PRESETS, withAcquiredStage } from '@clm/schema';
import type { LifecycleModel, LifecycleModelDraft } from '@clm/schema';
import { invalidInput } from '../../core/errors';
import type { Db } from '../../database/db';
import { countStranded } from './journey.sql';
import type { Stranded } from './journey.sql';
import { invalidLifecycleModel } from './lifecycle.errors';
import { validateLifecycleModel } from './model-validation';

/** The channel that tells every instance the model was replaced. */
export const MODEL_CHANNEL = 'clm_model';

type ActiveModel = { model: LifecycleModel; version: number };

/**
 * Holds the active lifecycle model. It is read from the database once and
 * cached; a replacement is announced on MODEL_CHANNEL so every instance
 * reloads.
 */
export class LifecycleModelService {
  private active: Promise<ActiveModel> | null = null;

  constructor(private readonly db: Db) {}

  async current(): Promise<LifecycleModel> {
    return (await this.load()).model;
  }

  /** Forget the cached model; the next read loads it again. */
  invalidate(): void {
    this.active = null;
  }

  presets(): LifecycleModel[] {
    return Object.values(LIFECYCLE_PRESETS);
  }

  preset(name: string): LifecycleModel {
    const preset = LIFECYCLE_PRESETS[name];
    if (!preset) {
      throw invalidInput('preset', `unknown preset "${name}" (known: ${Object.keys(LIFECYCLE_PRESETS).join(', ')})`);
    }
    return preset;
  }

  /**
   * Replaces the model (one without an acquired stage gets the default).
   * Refused when invalid, or when customers hold a funnel stage the new
   * model lacks (they would be stranded).
   */
  async replace(draft: LifecycleModelDraft, actor: string): Promise<LifecycleModel> {
    const model = withAcquiredStage(draft);
    const issues = validateLifecycleModel(model);
    if (issues.length > 0) {
      throw invalidLifecycleModel(
        `invalid lifecycle model: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
        issues,
      );
    }
    await this.db.transaction(async (uow) => {
      await uow.query(`SELECT 1 FROM lifecycle_model WHERE id = 1 FOR UPDATE`);
      const stranded = await countStranded(
        uow,
        model.stages.map((stage) => stage.key),
        model.winBack.to === null,
      );
      if (stranded.length > 0) {
        const describe = (row: Stranded) =>
          row.returning
            ? `${row.count} at-risk or churned who would return to "${row.stage}" on win-back`
            : `${row.count} in "${row.stage}"`;
        throw invalidLifecycleModel(
          `the new model lacks stages customers are in: ${stranded.map(describe).join(', ')}; keep those stages or move the customers first`,
          stranded.map((row) => ({
            path: row.returning ? 'winBack.to' : 'stages',
            message: row.returning
              ? `${row.count === 1 ? '1 at-risk or churned customer' : `${row.count} at-risk or churned customers`} would return to stage "${row.stage}" on win-back`
              : `${row.count === 1 ? '1 customer is' : `${row.count} customers are`} in stage "${row.stage}"`,
          })),
        );
      }
      await uow.execute(
        `INSERT INTO lifecycle_model (id, definition, version, updated_by) VALUES (1, $1, 1, $2)
         ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, version = lifecycle_model.version + 1,
           updated_at = now(), updated_by = EXCLUDED.updated_by`,
        [JSON.stringify(model), actor],
      );
    });
    this.invalidate();
    await this.db.query(`SELECT pg_notify($1, '')`, [MODEL_CHANNEL]);
    return this.current();
  }

  private load(): Promise<ActiveModel> {
    this.active ??= this.readOrInstallDefault().catch((error: unknown) => {
      this.active = null;
      throw error;
    });
    return this.active;
  }

  private async readOrInstallDefault(): Promise<ActiveModel> {
    await this.db.execute(
      `INSERT INTO lifecycle_model (id, definition, version, updated_by) VALUES (1, $1, 1, 'clm') ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(LIFECYCLE_PRESETS[DEFAULT_PRESET])],
    );
    const [row] = await this.db.query<{ definition: LifecycleModelDraft; version: number }>(
      `SELECT definition, version FROM lifecycle_model WHERE id = 1`,
    );
    // A model stored before acquiredStage existed gets the default (see defaultAcquiredStage).
    return { model: withAcquiredStage(row.definition), version: row.version };
  }
}
