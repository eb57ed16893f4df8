import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got. */
export type Received = { path: string; headers: Record<string, string>; body: string };

/** How the receiver answers one request: a status, headers, and optionally a promise to wait for first. */
export type Answer = { status: number; headers?: Record<string, string>; wait?: Promise<void> };

/**
 * A real HTTP receiver on loopback for webhook tests: records every request
 * (raw body, lower-case headers) and answers as `answer` says (200 by
 * default). Tests wait on what it received, never on a clock.
 */
export class Receiver {
  readonly received: Received[] = [];
  answer: (request: Received, index: number) => Answer = () => ({ status: 200 });
  private readonly waiters: Array<{ until: (received: Received[]) => boolean; resolve: () => void }> = [];
  private server: http.Server | null = null;

  /** Starts on 127.0.0.1, a free port. */
  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value;
        const got: Received = { path: request.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') };
        const index = this.received.length;
        this.received.push(got);
        this.check();
        const answer = this.answer(got, index);
        void (answer.wait ?? Promise.resolve()).then(() => {
          response.writeHead(answer.status, answer.headers);
          response.end(answer.status >= 400 ? 'not now' : 'ok');
          this.check();
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** The URL of `path` on this receiver. */
  url(path = '/hook'): string {
    const address: AddressInfo | string | null | undefined = this.server?.address();
    if (typeof address !== 'object' || address === null) throw new Error('the receiver is not listening');
    return `http://127.0.0.1:${address.port}${path}`;
  }

  /** Requests to `path`. */
  at(path: string): Received[] {
    return this.received.filter((request) => request.path === path);
  }

  /** Resolves once `until` holds for what was received (checked as each request arrives and as it is answered). */
  waitFor(until: (received: Received[]) => boolean): Promise<void> {
    if (until(this.received)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ until, resolve }));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private check(): void {
    for (const waiter of [...this.waiters])
      if (waiter.until(this.received)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
  }
}
