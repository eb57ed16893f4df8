import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../shared/api-process.js';
import type { ExitInfo } from '../shared/api-process.js';
import { findFreePort } from '../shared/postgres.js';

/** The floor server (floor-server.ts) running as a child process, like the API. */
export type FloorProcess = { graphqlUrl: string; pid: number; stop: () => Promise<ExitInfo> };

const SERVER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'floor-server.js');

/** Starts the floor on a free port with `poolSize` connections to `databaseUrl`, accepting `key`. */
export async function startFloor(databaseUrl: string, key: string, poolSize: number): Promise<FloorProcess> {
  const port = await findFreePort();
  const child = spawn(process.execPath, [SERVER_FILE], {
    env: { ...process.env, FLOOR_DATABASE_URL: databaseUrl, FLOOR_PORT: String(port), FLOOR_KEY: key, FLOOR_POOL_SIZE: String(poolSize) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<ExitInfo>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('floor ready')) resolve();
    });
    void exited.then((info) => reject(new Error(`the floor server exited during start-up (${JSON.stringify(info)})`)));
  });
  return {
    graphqlUrl: `http://127.0.0.1:${port}/graphql`,
    pid: child.pid ?? 0,
    stop: () => stopChild(child, exited, 10_000),
  };
}
