import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/ (this file is bench/src/shared/paths.ts, compiled to bench/dist/shared/paths.js). */
export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REPO_ROOT = path.resolve(BENCH_DIR, '..');
/** The API build measured unless `--api-dist` names another one. */
export const DEFAULT_API_DIST = path.join(REPO_ROOT, 'apps/api/dist');
/** Where each run writes its full result as JSON (git-ignored). */
export const RESULTS_DIR = path.join(BENCH_DIR, 'results');

/** Shows `file` relative to the working directory when it is inside it. */
export function displayPath(file: string): string {
  const shown = path.relative(process.cwd(), file);
  return shown.startsWith('..') ? file : shown;
}

/** Writes a benchmark's full result to `results/<benchmark>-<timestamp>.json`; returns the file. */
export async function writeResult(benchmark: string, timestamp: string, result: unknown): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${benchmark}-${timestamp.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}
