import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../shared/api-process.js';
import type { ExitInfo } from '../shared/api-process.js';

/** A forked bench process (subscriber client or floor server) answering requests over IPC, one at a time. */
export type Forked<Request, Reply extends { type: string }> = {
  /** Sends `request` and resolves with the next reply of type `expect`. */
  ask: <T extends Reply['type']>(request: Request, expect: T) => Promise<Extract<Reply, { type: T }>>;
  /** The next reply of type `expect`, without sending anything. */
  next: <T extends Reply['type']>(expect: T) => Promise<Extract<Reply, { type: T }>>;
  send: (request: Request) => void;
  stop: () => Promise<ExitInfo>;
};

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Forks `fanout/<file>` (compiled) with a larger heap; a reply it never gives fails when the process exits. */
export function forkBenchProcess<Request, Reply extends { type: string }>(
  file: string,
  env: Record<string, string> = {},
): Forked<Request, Reply> {
  const child: ChildProcess = fork(path.join(HERE, file), [], {
    env: { ...process.env, ...env },
    execArgv: ['--max-old-space-size=4096'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<ExitInfo>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const next = <T extends Reply['type']>(expect: T) =>
    new Promise<Extract<Reply, { type: T }>>((resolve, reject) => {
      const onMessage = (message: Reply) => {
        if (message.type !== expect) return;
        child.off('message', onMessage);
        resolve(message as Extract<Reply, { type: T }>);
      };
      child.on('message', onMessage);
      void exited.then((info) => reject(new Error(`${file} exited (${JSON.stringify(info)}) before replying ${expect}`)));
    });
  const send = (request: Request) => child.send(request as object);
  return {
    next,
    send,
    ask: (request, expect) => {
      const reply = next(expect);
      send(request);
      return reply;
    },
    stop: () => stopChild(child, exited, 10_000),
  };
}
