import { parentPort, workerData } from 'node:worker_threads';
import { runFit } from './fit-run';
import type { FitRunInput } from './fit-run';

/* The body of the fit's worker thread (see fit-thread.ts): one fit, its result posted back. */
parentPort?.postMessage(runFit(workerData as FitRunInput));
