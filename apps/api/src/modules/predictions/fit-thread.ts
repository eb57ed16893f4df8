import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FitRunInput, FitRunResult } from './fit-run';

/*
 * A fit takes seconds to minutes of pure arithmetic (CDNOW_master: 30–100 s
 * per model on a loaded machine), which on the API's event loop would stop
 * every request, health check and subscription of the instance for as long.
 * It runs on a worker thread instead: the input (grouped statistics, a few
 * thousand rows) and the result are plain data, copied across.
 *
 * The built API runs fit-worker.js beside this file. Tests run the TypeScript
 * sources, which a worker cannot load by itself: the thread then compiles them
 * as they are required, with the TypeScript compiler the tests already use.
 */

const BUILT_WORKER = join(__dirname, 'fit-worker.js');

const SOURCE_WORKER = `
const fs = require('node:fs');
const ts = require('typescript');
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  module._compile(ts.transpileModule(source, { compilerOptions: options, fileName: filename }).outputText, filename);
};
require(${JSON.stringify(join(__dirname, 'fit-worker.ts'))});
`;

/** Runs `runFit` on a worker thread; rejects with the thread's error if it fails or exits without a result. */
export function runFitOffThread(input: FitRunInput): Promise<FitRunResult> {
  const worker = existsSync(BUILT_WORKER)
    ? new Worker(BUILT_WORKER, { workerData: input })
    : new Worker(SOURCE_WORKER, { eval: true, workerData: input });
  return new Promise<FitRunResult>((resolve, reject) => {
    let settled = false;
    worker.once('message', (result: FitRunResult) => {
      settled = true;
      resolve(result);
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the prediction fit's worker thread exited with code ${code} before answering`));
    });
  });
}
