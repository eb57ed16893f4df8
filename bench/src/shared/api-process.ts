import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fail } from './cli.js';
import { findFreePort } from './postgres.js';
import { REPO_ROOT } from './paths.js';

/** A built clm API running as a child process, the way a user starts it. */
export type ApiProcess = {
  baseUrl: string;
  /** The process id (to read its CPU time). */
  pid: number;
  graphqlUrl: string;
  /** The last 20,000 characters the process wrote (stdout and stderr). */
  output: () => string;
  /** SIGTERM, then SIGKILL after 15 s; resolves with how it exited. */
  stop: () => Promise<ExitInfo>;
};

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

/**
 * Stops a child process: SIGTERM, then SIGKILL if it has not exited after
 * `graceMs`; resolves with how it exited (at once if it already had).
 */
export async function stopChild(
  child: { exitCode: number | null; signalCode: NodeJS.Signals | null; kill: (signal: NodeJS.Signals) => boolean },
  exited: Promise<ExitInfo>,
  graceMs: number,
): Promise<ExitInfo> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const info = await exited;
  clearTimeout(timer);
  return info;
}

export type ApiStartOptions = {
  /** The build to run: a folder holding main.js. */
  apiDist: string;
  databaseUrl: string;
  adminKey: string;
  /** Run under `node --cpu-prof`, writing the profile here. */
  cpuProfDir?: string | null;
  /** Extra environment variables for this process. */
  env?: Record<string, string>;
};

const READY_TIMEOUT_MS = 90_000;
const OUTPUT_KEPT = 20_000;
const KEY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh admin key in clm's format (`clm_<8 lowercase letters or digits>_<secret>`), passed as CLM_ADMIN_KEY. */
export function generateAdminKey(): string {
  const prefix = Array.from(randomBytes(8), (byte) => KEY_ALPHABET[byte % KEY_ALPHABET.length]).join('');
  return `clm_${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Stops the run at once (before anything was started) when `apiDist` holds no build. */
export function requireApiBuild(apiDist: string): void {
  if (!existsSync(path.join(apiDist, 'main.js')))
    fail(`${path.join(apiDist, 'main.js')} is missing: build the API first (npx turbo run build --filter=@clm/api...)`);
}

/** `apiDist/main.js`, or an error explaining how to build it. */
function apiMain(apiDist: string): string {
  const main = path.join(apiDist, 'main.js');
  if (!existsSync(main)) {
    throw new Error(`${main} is missing: build the API first (npx turbo run build --filter=@clm/api...)`);
  }
  return main;
}

/**
 * Starts `node <apiDist>/main.js` on a free port with DATABASE_URL, the admin
 * key, LOG_LEVEL=warn and no inactivity-sweep schedule, and waits until
 * /readyz answers 200 (migrations applied).
 */
export async function startApi(options: ApiStartOptions): Promise<ApiProcess> {
  const port = await findFreePort();
  const nodeArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, apiMain(options.apiDist)], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: options.databaseUrl,
      CLM_ADMIN_KEY: options.adminKey,
      LOG_LEVEL: 'warn',
      CLM_SWEEP_INTERVAL_MINUTES: '0',
      // Only shortens the wait at the end should a shutdown hang.
      CLM_SHUTDOWN_GRACE_MS: '2000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exitInfo: ExitInfo | null = null;
  const exited = new Promise<ExitInfo>((resolve) =>
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    }),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilReady(
    baseUrl,
    () => exitInfo,
    () => output,
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    baseUrl,
    pid: child.pid ?? 0,
    graphqlUrl: `${baseUrl}/graphql`,
    output: () => output,
    stop: () => (exitInfo ? Promise.resolve(exitInfo) : stopChild(child, exited, 15_000)),
  };
}

async function waitUntilReady(baseUrl: string, exitInfo: () => ExitInfo | null, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const exit = exitInfo();
    if (exit) throw new Error(`the API exited during start-up (${JSON.stringify(exit)}):\n${output()}`);
    if (await answersReady(baseUrl)) return;
    if (Date.now() > deadline) throw new Error(`the API was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

async function answersReady(baseUrl: string): Promise<boolean> {
  try {
    return (await fetch(`${baseUrl}/readyz`)).status === 200;
  } catch {
    return false; // not listening yet
  }
}

/**
 * Applies the build's migrations to `databaseUrl` the way the API does it:
 * by starting the API once on that database and stopping it. (The API also
 * registers the admin key and stores the default lifecycle model there.)
 */
export async function migrateWithApi(apiDist: string, databaseUrl: string): Promise<void> {
  const api = await startApi({ apiDist, databaseUrl, adminKey: generateAdminKey() });
  await api.stop();
}
