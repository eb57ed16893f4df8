import { databaseExists, queryValue, withClient } from './postgres.js';

/**
 * Databases kept between runs (`--keep`): each is labelled with the signature
 * of the dataset it holds (generator version, sizes, seed) in its comment, so
 * a later run with the same flags reuses it and any other run rebuilds it.
 */

/** The rows a loaded dataset holds, customers by stage. */
export type DatasetCounts = { customers: number; touchpoints: number; transitions: number; byStage: Record<string, number> };

/** Whether database `name` exists and holds the dataset of `signature`. */
export async function holdsDataset(serverUrl: string, name: string, signature: string): Promise<boolean> {
  if (!(await databaseExists(serverUrl, name))) return false;
  const comment = await withClient(serverUrl, (client) =>
    queryValue(client, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, [name]),
  );
  return comment === signature;
}

/** Labels database `name` as holding the dataset of `signature` (once it is loaded). */
export async function labelDataset(serverUrl: string, name: string, signature: string): Promise<void> {
  await withClient(serverUrl, (client) => client.query(`COMMENT ON DATABASE ${name} IS '${signature}'`));
}

export async function countDatasetRows(url: string): Promise<DatasetCounts> {
  return withClient(url, async (client) => {
    const byStage = await client.query<{ stage: string; n: number }>(
      `SELECT coalesce(stage, '(none)') AS stage, count(*)::int AS n FROM customers GROUP BY 1 ORDER BY 2 DESC`,
    );
    return {
      customers: Number(await queryValue(client, 'SELECT count(*) FROM customers')),
      touchpoints: Number(await queryValue(client, 'SELECT count(*) FROM touchpoints')),
      transitions: Number(await queryValue(client, 'SELECT count(*) FROM stage_transitions')),
      byStage: Object.fromEntries(byStage.rows.map((row) => [row.stage, row.n])),
    };
  });
}
