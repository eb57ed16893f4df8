import { DEFAULT_PRESET, LIFECYCLE_PRESETS } from '@clm/schema';
import type { LifecycleModel } from '@clm/schema';
import type { DataSource } from 'typeorm';
import { ClmError } from '../../server/errors';
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

  constructor(private readonly dataSource: DataSource) {}

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
      throw new ClmError('INVALID_INPUT', `preset: unknown preset "${name}" (known: ${Object.keys(LIFECYCLE_PRESETS).join(', ')})`, {
        field: 'preset',
      });
    }
    return preset;
  }

  /**
   * Replaces the model. Refused when invalid, or when customers hold a
   * funnel stage the new model lacks (they would be stranded).
   */
  async replace(model: LifecycleModel, actor: string): Promise<LifecycleModel> {
    const issues = validateLifecycleModel(model);
    if (issues.length > 0) {
      throw new ClmError(
        'INVALID_LIFECYCLE_MODEL',
        `invalid lifecycle model: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
        { issues },
      );
    }
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT 1 FROM lifecycle_model WHERE id = 1 FOR UPDATE`);
      const keys = model.stages.map((stage) => stage.key);
      const stranded: Array<{ stage: string; count: number }> = await manager.query(
        `SELECT stage, count(*)::int AS count FROM customers
          WHERE stage IS NOT NULL AND stage NOT IN ('at-risk', 'churned') AND NOT (stage = ANY ($1::text[]))
          GROUP BY stage ORDER BY stage`,
        [keys],
      );
      if (stranded.length > 0) {
        const list = stranded.map((row) => `${row.count} in "${row.stage}"`).join(', ');
        throw new ClmError(
          'INVALID_LIFECYCLE_MODEL',
          `the new model lacks stages customers are in: ${list}; keep those stages or move the customers first`,
          {
            issues: stranded.map((row) => ({
              path: 'stages',
              message: `${row.count === 1 ? '1 customer is' : `${row.count} customers are`} in stage "${row.stage}"`,
            })),
          },
        );
      }
      await manager.query(
        `INSERT INTO lifecycle_model (id, definition, version, updated_by) VALUES (1, $1, 1, $2)
         ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, version = lifecycle_model.version + 1,
           updated_at = now(), updated_by = EXCLUDED.updated_by`,
        [JSON.stringify(model), actor],
      );
    });
    this.invalidate();
    await this.dataSource.query(`SELECT pg_notify($1, '')`, [MODEL_CHANNEL]);
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
    await this.dataSource.query(
      `INSERT INTO lifecycle_model (id, definition, version, updated_by) VALUES (1, $1, 1, 'clm') ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(LIFECYCLE_PRESETS[DEFAULT_PRESET])],
    );
    const [row] = await this.dataSource.query(`SELECT definition, version FROM lifecycle_model WHERE id = 1`);
    return { model: row.definition as LifecycleModel, version: row.version as number };
  }
}
