import { DataSource } from 'typeorm';
import { ApiKey } from '../modules/auth/api-key.entity';
import { Customer } from '../modules/customers/customer.entity';
import { LifecycleModelRecord } from '../modules/lifecycle/lifecycle-model.entity';
import { StageTransition } from '../modules/lifecycle/stage-transition.entity';
import { Touchpoint } from '../modules/touchpoints/touchpoint.entity';
import { Foundation1764000000000 } from './migrations/1764000000000-foundation';

export const ENTITIES = [Customer, Touchpoint, StageTransition, ApiKey, LifecycleModelRecord];
export const MIGRATIONS = [Foundation1764000000000];

/** A TypeORM data source on `url`. Schema changes come only from migrations. */
export function createDataSource(url: string, poolSize = 10): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: false,
    extra: { max: poolSize, application_name: 'clm' },
  });
}

/** Whether every migration this build knows has been applied. */
export async function migrationsAreCurrent(dataSource: DataSource): Promise<boolean> {
  return !(await dataSource.showMigrations());
}
