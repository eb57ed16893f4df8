import { randomBytes } from 'node:crypto';
import { migrateWithApi } from '../shared/api-process.js';
import type { Cleanup } from '../shared/cleanup.js';
import { log } from '../shared/cli.js';
import { createDatabase, databaseUrl, dropDatabase, withClient } from '../shared/postgres.js';
import type { PostgresServer } from '../shared/postgres.js';
import { countDatasetRows, holdsDataset, labelDataset } from '../shared/kept-datasets.js';
import type { DatasetCounts } from '../shared/kept-datasets.js';
import { copyDataset } from './dataset-copy.js';
import { generateDataset } from './dataset.js';
import type { DatasetSpec } from './dataset.js';

/** The database the reads run on, and what it holds. */
export type DatasetDatabase = {
  name: string;
  url: string;
  reused: boolean;
  /** Generation and COPY time; null when reused. */
  loadSeconds: number | null;
  counts: DatasetCounts;
};

const DATASET_VERSION = 'clm-bench reads dataset v1';

/**
 * A database migrated by the measured API build and loaded with the dataset.
 * With `keep` it has a name derived from the spec, survives the run, and is
 * reused when its comment says it holds this spec; otherwise it is a scratch
 * database dropped at the end.
 */
export async function prepareDatasetDatabase(
  server: PostgresServer,
  spec: DatasetSpec,
  options: { keep: boolean; apiDist: string },
  cleanup: Cleanup,
): Promise<DatasetDatabase> {
  const name = options.keep
    ? `clm_bench_reads_${spec.customers}_${spec.touchpoints}_s${spec.seed}`
    : `clm_bench_reads_${randomBytes(4).toString('hex')}`;
  const url = databaseUrl(server.url, name);
  const signature = `${DATASET_VERSION} customers=${spec.customers} touchpoints=${spec.touchpoints} seed=${spec.seed}`;
  if (!options.keep) cleanup.push(() => dropDatabase(server.url, name));
  if (options.keep && (await holdsDataset(server.url, name, signature))) {
    log(`reusing database ${name} (--keep); the API applies any newer migrations when it starts`);
    return { name, url, reused: true, loadSeconds: null, counts: await countDatasetRows(url) };
  }
  await dropDatabase(server.url, name);
  await createDatabase(server.url, name);
  const loadSeconds = await loadDataset(url, spec, options.apiDist);
  await labelDataset(server.url, name, signature);
  return { name, url, reused: false, loadSeconds, counts: await countDatasetRows(url) };
}

/** Migrates with the API build, generates the dataset and COPYs it in; returns the seconds taken by generation and load. */
async function loadDataset(url: string, spec: DatasetSpec, apiDist: string): Promise<number> {
  log('migrating the new database with the API build (starting it once)');
  await migrateWithApi(apiDist, url);
  const started = performance.now();
  log(
    `generating ${spec.customers.toLocaleString('en-US')} customers and ${spec.touchpoints.toLocaleString('en-US')} touchpoints (seed ${spec.seed})`,
  );
  const dataset = generateDataset(spec);
  const generated = performance.now();
  log(
    `generated in ${((generated - started) / 1000).toFixed(1)} s (${dataset.transitions.length.toLocaleString('en-US')} transitions); loading with COPY`,
  );
  await withClient(url, (client) => copyDataset(client, dataset));
  const seconds = (performance.now() - started) / 1000;
  log(`loaded in ${((performance.now() - generated) / 1000).toFixed(1)} s (COPY FREEZE, indexes built after, VACUUM ANALYZE)`);
  return seconds;
}
