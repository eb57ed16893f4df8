/**
 * The subscriber side of bench/fanout, run as its own process (forked by
 * subscriber-client.ts) so that receiving costs nothing on the server's
 * cores' clock: real graphql-ws clients, several subscriptions per
 * connection, each delivery timed on arrival.
 */
import { createClient } from 'graphql-ws';
import type { Client, FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { percentile } from '../shared/stats.js';
import { batchOf, nextHash, now, SUBSCRIPTION } from './protocol.js';
import type { ClientReply, ClientRequest, DeliveryTimes, SubscriptionSpec, SubscriptionTally, Target } from './protocol.js';

type Delivered = { transition: { id: string; customer: { externalId: string } } };

/** Everything received since the last collect, and what each subscription received since it opened. */
class Recorder {
  tallies: SubscriptionTally[] = [];
  batches: number[] = [];
  times: number[] = [];
  frames: string[] = [];
  received = 0;
  errors: string[] = [];

  reset(subscriptions: number): void {
    this.tallies = Array.from({ length: subscriptions }, () => ({ count: 0, hash: 0 }));
    this.received = 0;
    this.errors = [];
    this.startPhase();
  }

  startPhase(): void {
    this.batches = [];
    this.times = [];
    this.frames = [];
  }

  record(index: number, result: FormattedExecutionResult<Record<string, unknown>, unknown>): void {
    const at = now();
    const event = result.data?.stageTransitions as Delivered | undefined;
    if (!event) {
      this.errors.push(JSON.stringify(result).slice(0, 500));
      return;
    }
    const tally = this.tallies[index];
    tally.count += 1;
    tally.hash = nextHash(tally.hash, event.transition.id);
    this.received += 1;
    this.batches.push(batchOf(event.transition.customer.externalId));
    this.times.push(at);
    // One unfiltered subscription keeps what it received: the frames the floor then broadcasts.
    if (index === 0) this.frames.push(JSON.stringify(result));
  }

  /** Each delivery's latency against the response time of the batch that made it, sorted. */
  deliveryTimes(respondedAt: Record<number, number>): DeliveryTimes {
    const latencies = Float64Array.from(this.times, (at, k) => at - respondedAt[this.batches[k]]).sort();
    return {
      deliveries: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.length ? latencies[latencies.length - 1] : null,
      firstReceivedAt: this.times.reduce((a, b) => Math.min(a, b), Infinity),
      lastReceivedAt: this.times.reduce((a, b) => Math.max(a, b), 0),
    };
  }
}

const recorder = new Recorder();
let clients: Client[] = [];

/** Opens `connections` clients and spreads the subscriptions over them round-robin; resolves once every connection is acknowledged. */
async function open(target: Target, connections: number, subscriptions: SubscriptionSpec[]): Promise<void> {
  recorder.reset(subscriptions.length);
  const acknowledged: Array<Promise<void>> = [];
  clients = Array.from({ length: connections }, () => {
    let connected: () => void = () => undefined;
    acknowledged.push(new Promise<void>((resolve) => (connected = resolve)));
    return createClient({
      url: target.url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${target.key}` },
      lazy: false,
      retryAttempts: 0,
      on: { connected: () => connected() },
    });
  });
  await Promise.all(acknowledged);
  subscriptions.forEach((spec, index) => {
    const client = clients[index % connections];
    client.subscribe(
      { query: SUBSCRIPTION, variables: { stages: spec.stages, after: target.after } },
      {
        next: (result) => recorder.record(index, result),
        error: (error) => recorder.errors.push(`subscription ${index}: ${describe(error)}`),
        complete: () => undefined,
      },
    );
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return JSON.stringify(error).slice(0, 500);
}

async function close(): Promise<void> {
  await Promise.all(clients.map((client) => client.dispose()));
  clients = [];
}

function reply(message: ClientReply): void {
  process.send?.(message);
}

process.on('message', (message: ClientRequest) => {
  void handle(message).catch((error: unknown) => {
    recorder.errors.push(describe(error));
    reply({ type: 'progress', received: recorder.received, errors: recorder.errors });
  });
});

async function handle(message: ClientRequest): Promise<void> {
  switch (message.type) {
    case 'open':
      await open(message.target, message.connections, message.subscriptions);
      return reply({ type: 'opened' });
    case 'progress':
      return reply({ type: 'progress', received: recorder.received, errors: recorder.errors.slice(0, 5) });
    case 'collect': {
      const times = recorder.deliveryTimes(message.respondedAt);
      reply({ type: 'collected', tallies: recorder.tallies, times, frames: recorder.frames });
      recorder.startPhase();
      return;
    }
    case 'close':
      await close();
      return reply({ type: 'closed' });
  }
}
