import { DataSource } from 'typeorm';
import type { Queryable } from './db';
import { Foundation1764000000000 } from './migrations/1764000000000-foundation';
import { ReadPathIndexes1764100000000 } from './migrations/1764100000000-read-path-indexes';
import { CustomerIntegrity1764200000000 } from './migrations/1764200000000-customer-integrity';
import { Projections1764300000000 } from './migrations/1764300000000-projections';
import { Segments1764400000000 } from './migrations/1764400000000-segments';
import { Campaigns1764500000000 } from './migrations/1764500000000-campaigns';
import { Bi1764600000000 } from './migrations/1764600000000-bi';
import { IngestUpdates1764700000000 } from './migrations/1764700000000-ingest-updates';
import { ProjectionLocks1764800000000 } from './migrations/1764800000000-projection-locks';
import { SafeValuesAndProjectionFailures1764900000000 } from './migrations/1764900000000-safe-values-and-projection-failures';
import { CustomerCreations1764900000001 } from './migrations/1764900000001-customer-creations';
import { SegmentNameKeys1765000000000 } from './migrations/1765000000000-segment-name-keys';
import { ApiKeyCostLimits1765100000000 } from './migrations/1765100000000-api-key-cost-limits';
import { DatabaseIdentity1765100000001 } from './migrations/1765100000001-database-identity';
import { Tracking1765300000000 } from './migrations/1765300000000-tracking';
import { CustomerIdentities1765400000000 } from './migrations/1765400000000-customer-identities';
import { CustomerMerges1765400000001 } from './migrations/1765400000001-customer-merges';
import { Webhooks1765500000000 } from './migrations/1765500000000-webhooks';
import { Playbooks1765600000000 } from './migrations/1765600000000-playbooks';
import { PredictionFits1765700000000 } from './migrations/1765700000000-prediction-fits';
import { FunnelEntryBins1765850000000 } from './migrations/1765850000000-funnel-entry-bins';
import { RunningTotals1765850000001 } from './migrations/1765850000001-running-totals';
import { ActivityGapsUpto1765850000002 } from './migrations/1765850000002-activity-gaps-upto';

export const MIGRATIONS = [
  Foundation1764000000000,
  ReadPathIndexes1764100000000,
  CustomerIntegrity1764200000000,
  Projections1764300000000,
  Segments1764400000000,
  Campaigns1764500000000,
  Bi1764600000000,
  IngestUpdates1764700000000,
  ProjectionLocks1764800000000,
  SafeValuesAndProjectionFailures1764900000000,
  CustomerCreations1764900000001,
  SegmentNameKeys1765000000000,
  ApiKeyCostLimits1765100000000,
  DatabaseIdentity1765100000001,
  Tracking1765300000000,
  CustomerIdentities1765400000000,
  CustomerMerges1765400000001,
  Webhooks1765500000000,
  Playbooks1765600000000,
  PredictionFits1765700000000,
  FunnelEntryBins1765850000000,
  RunningTotals1765850000001,
  ActivityGapsUpto1765850000002,
];

/**
 * TypeORM's part in clm: it runs the migrations, and tells whether they are
 * all applied. Queries go through `Db` (db.ts).
 */
export function createMigrator(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: [],
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: false,
    extra: { max: 1, application_name: 'clm-migrations' },
  });
}

/** Applies pending migrations; returns their names. */
export async function migrate(url: string): Promise<string[]> {
  const migrator = createMigrator(url);
  await migrator.initialize();
  try {
    const applied = await migrator.runMigrations({ transaction: 'all' });
    return applied.map((migration) => migration.name);
  } finally {
    await migrator.destroy();
  }
}

/** Whether every migration this build knows has been applied (read from TypeORM's `migrations` table). */
export async function migrationsAreCurrent(db: Queryable): Promise<boolean> {
  const rows = await db.query<{ name: string }>(`SELECT name FROM migrations`);
  const applied = new Set(rows.map((row) => row.name));
  return MIGRATIONS.every((migration) => applied.has(migration.name));
}
