import { createSourceEventStream, execute, Kind, print, visit } from 'graphql';
import type { DocumentNode, ExecutionArgs, ExecutionResult, GraphQLError, GraphQLFormattedError, OperationDefinitionNode } from 'graphql';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Principal } from '../core/principal';
import type { RequestContext } from '../core/request-context';
import { LiveFeed, MAX_BUFFERED, subscriberBehind } from '../log';
import type { StreamEvent } from '../log';

/**
 * Subscriptions delivered by fan-out instead of once per subscriber.
 *
 * graphql-ws executes a subscription's selection and serialises the result
 * for every subscriber and every event, and waits for each frame to be
 * flushed before the next. With a thousand subscribers of one stream that is
 * a thousand executions and a thousand JSON.stringify calls per event. Here
 * an event is executed and serialised once per *selection* (the principal's
 * key, the operation text and the variables its selection uses: arguments
 * of the root field only filter, so they are left out) and the same JSON is
 * written, wrapped in each subscriber's `next` frame, straight to each
 * socket. Subscribers receive their feed's events synchronously from the one
 * tailer read (see LiveFeed), so a live event costs each subscriber a filter
 * check, a map lookup and a socket write.
 *
 * The iterable handed back to graphql-ws yields nothing: it ends when the
 * feed ends (graphql-ws then sends `complete`) or fails (graphql-ws sends the
 * masked `error`), after every frame before it, so each subscriber still
 * sees its events, then the end, in order. graphql-ws's own `return()` on a
 * client `complete` or a closed socket stops the feed.
 */

/** Where one subscription's frames go: its WebSocket, the TCP socket under it, and the subscription id. */
export type Outlet = { socket: WebSocket; stream: Socket; id: string };

/** A result serialised once, or still executing (a resolver returned a promise). */
type Frame = string | PendingFrame;

/**
 * A result still executing. Its subscribers wait on it in order with a
 * callback each, not a promise each: one event, a thousand subscribers.
 */
class PendingFrame {
  json: string | null = null;
  failure: Error | null = null;
  private readonly waiters: Array<() => void> = [];

  constructor(result: Promise<string>) {
    result.then(
      (json) => this.release(json, null),
      (error: unknown) => this.release(null, error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** Calls `waiter` once the result is serialised or has failed (at once if it has). */
  whenDone(waiter: () => void): void {
    if (this.json !== null || this.failure !== null) waiter();
    else this.waiters.push(waiter);
  }

  private release(json: string | null, failure: Error | null): void {
    this.json = json;
    this.failure = failure;
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

/** The most bytes a socket may hold unsent before its subscriptions are told to resubscribe: a slow client must not grow memory without bound. */
export const MAX_SOCKET_BUFFERED_BYTES = 16 * 1024 * 1024;

export class SubscriptionFanout {
  private executionCount = 0;
  private startedCount = 0;
  /**
   * Serialised results per event value (kept while anyone holds the event),
   * cursor and selection key. Keys are looked up, never built, per subscriber
   * and event: a string's hash is computed once and kept on it.
   */
  private readonly frames = new WeakMap<object, Map<string, Map<string, Frame>>>();
  /** Each subscription's outlet and principal, by the context value graphql-ws hands back to `subscribe`. */
  private readonly bound = new WeakMap<object, { outlet: Outlet; principal: Principal }>();
  private readonly corks = new Corks();

  constructor(
    private readonly options: {
      /** A fresh context for one execution on behalf of `principal` (its loaders live that long). */
      context: (principal: Principal) => RequestContext;
      /** Error masking, as for every other result. */
      mask: (errors: readonly GraphQLError[]) => GraphQLFormattedError[];
    },
  ) {}

  /** How many times a subscription's selection was executed for an event: once per event and distinct selection when shared. */
  get executions(): number {
    return this.executionCount;
  }

  /** How many subscriptions have opened their feed (their start position is taken): a test waits on it instead of a clock. */
  get started(): number {
    return this.startedCount;
  }

  /** Names the socket and id a subscription with this context value delivers to (set in onSubscribe, read in `subscribe`). */
  bind(contextValue: RequestContext, outlet: Outlet): void {
    this.bound.set(contextValue, { outlet, principal: contextValue.principal });
  }

  /**
   * graphql-ws's `subscribe`: runs the root field's subscribe resolver (auth,
   * arguments, cursor checks: its errors come back as a result, as from
   * graphql-js), then delivers the feed's events by fan-out.
   */
  async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    if (!(source instanceof LiveFeed)) throw new Error('a subscription field returned something other than a LiveFeed');
    const bound = typeof args.contextValue === 'object' && args.contextValue !== null ? this.bound.get(args.contextValue) : undefined;
    if (!bound) throw new Error('a subscription started without an outlet (bind it in onSubscribe)');
    const { outlet, principal } = bound;
    this.startedCount++;
    const selection = selectionKey(args, principal);
    return this.deliver(source, outlet, (event) => this.frameFor(selection, event, args, principal));
  }

  /** The serialised result of `event` for `selection`: executed by the first subscriber to need it, reused by the rest. */
  private frameFor(selection: string, event: StreamEvent<unknown>, args: ExecutionArgs, principal: Principal): Frame {
    const { value, cursor } = event;
    if (typeof value !== 'object' || value === null) return this.execute(args, event, principal);
    let byCursor = this.frames.get(value);
    if (!byCursor) {
      byCursor = new Map();
      this.frames.set(value, byCursor);
    }
    // The cursor is part of the result, and differs between subscribers only while one is still inside its start snapshot.
    let bySelection = byCursor.get(cursor);
    if (!bySelection) {
      bySelection = new Map();
      byCursor.set(cursor, bySelection);
    }
    let frame = bySelection.get(selection);
    if (frame === undefined) {
      frame = this.execute(args, event, principal);
      bySelection.set(selection, frame);
    }
    return frame;
  }

  private execute(args: ExecutionArgs, event: StreamEvent<unknown>, principal: Principal): Frame {
    this.executionCount += 1;
    const result = execute({ ...args, rootValue: event, contextValue: this.options.context(principal) });
    return result instanceof Promise ? new PendingFrame(result.then((settled) => this.serialise(settled))) : this.serialise(result);
  }

  private serialise(result: ExecutionResult): string {
    if (!result.errors || result.errors.length === 0) return JSON.stringify(result);
    return JSON.stringify({ ...result, errors: this.options.mask(result.errors) });
  }

  /** Listens to `feed`, writing each event's frame to the outlet in order; the returned generator settles when delivery ends. */
  private deliver(
    feed: LiveFeed<unknown>,
    outlet: Outlet,
    frameOf: (event: StreamEvent<unknown>) => Frame,
  ): AsyncIterableIterator<ExecutionResult> {
    const delivery = new Delivery(outlet, this.corks);
    const stop = feed.listen({ next: (event) => delivery.next(frameOf(event), event.value), end: (failure) => delivery.end(failure) });
    delivery.onSettled(stop);
    return delivery.iterator();
  }
}

/**
 * One subscription's frames on their way to its socket, in order. Ready
 * frames go out at once; one still executing holds back those after it (at
 * most MAX_BUFFERED). A socket holding more than MAX_SOCKET_BUFFERED_BYTES
 * unsent fails the subscription with SUBSCRIBER_BEHIND.
 */
class Delivery {
  private readonly prefix: string;
  private readonly waiting: Frame[] = [];
  private ending: { failure: Error | null } | null = null;
  private settled: { failure: Error | null } | null = null;
  private readonly settledListeners: Array<(failure: Error | null) => void> = [];

  constructor(
    private readonly outlet: Outlet,
    private readonly corks: Corks,
  ) {
    this.prefix = `{"id":${JSON.stringify(outlet.id)},"type":"next","payload":`;
  }

  /** `event` is the event the frame is for: frames of one event are written together (see Corks). */
  next(frame: Frame, event: unknown): void {
    if (this.settled || this.ending) return;
    if (this.waiting.length === 0 && typeof frame === 'string') return this.send(frame, event);
    if (this.waiting.length >= MAX_BUFFERED) return this.settle(subscriberBehind(`${MAX_BUFFERED} events`));
    this.waiting.push(frame);
    if (this.waiting.length === 1) this.flush();
  }

  /** The feed ended: settles once every frame before it is out. */
  end(failure: Error | null): void {
    if (this.settled || this.ending) return;
    this.ending = { failure };
    if (this.waiting.length === 0) this.settle(failure);
  }

  onSettled(listener: (failure: Error | null) => void): void {
    if (this.settled) listener(this.settled.failure);
    else this.settledListeners.push(listener);
  }

  /**
   * What graphql-ws iterates: no values, only the end (done, or the failure
   * thrown). Written by hand rather than as an async generator, whose
   * `return()` would wait for the pending `next()`: graphql-ws calls it on a
   * client's `complete` and on close, and it must stop the delivery at once.
   */
  iterator(): AsyncIterableIterator<ExecutionResult> {
    const ended = new Promise<IteratorResult<ExecutionResult>>((resolve, reject) =>
      this.onSettled((failure) => (failure ? reject(failure) : resolve({ done: true, value: undefined }))),
    );
    const iterator: AsyncIterableIterator<ExecutionResult> = {
      next: () => ended,
      return: () => {
        this.settle(null);
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Sends the waiting frames that are ready, in order; waits (by callback) on the first that is not. */
  private readonly flush = (): void => {
    while (this.waiting.length > 0 && !this.settled) {
      const head = this.waiting[0];
      if (typeof head !== 'string') {
        if (head.failure) return this.settle(head.failure);
        if (head.json === null) return head.whenDone(this.flush);
      }
      this.waiting.shift();
      this.send(typeof head === 'string' ? head : (head.json as string), head);
    }
    if (this.ending && !this.settled) this.settle(this.ending.failure);
  };

  private send(json: string, event: unknown): void {
    const { socket } = this.outlet;
    if (this.settled || socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_SOCKET_BUFFERED_BYTES) {
      return this.settle(subscriberBehind(`${MAX_SOCKET_BUFFERED_BYTES / 1024 / 1024} MiB of unsent frames`));
    }
    this.corks.cork(this.outlet.stream, event);
    socket.send(`${this.prefix}${json}}`);
  }

  private settle(failure: Error | null): void {
    if (this.settled) return;
    this.settled = { failure };
    this.waiting.length = 0;
    for (const listener of this.settledListeners.splice(0)) listener(failure);
  }
}

/**
 * Holds TCP sockets' writes while one event is handed to its subscribers.
 * One tailer read hands every subscriber its events synchronously, so a
 * connection carrying fifty subscriptions gets fifty frames per event; ws
 * writes (and flushes) each by itself, a system call per frame. Corked, the
 * frames of one event leave in one write per connection, released when the
 * next event begins or the tick ends (not later: the first event of a read
 * must not wait for the last). ws's own cork/uncork around each frame nests
 * inside this one.
 */
class Corks {
  private readonly corked = new Set<Socket>();
  private event: unknown = null;

  cork(stream: Socket, event: unknown): void {
    if (event !== this.event) {
      this.uncorkAll();
      this.event = event;
    }
    if (this.corked.has(stream)) return;
    if (this.corked.size === 0) process.nextTick(() => this.uncorkAll());
    this.corked.add(stream);
    stream.cork();
  }

  private uncorkAll(): void {
    for (const stream of this.corked) stream.uncork();
    this.corked.clear();
    this.event = null;
  }
}

/** The selection an event is executed for: principal, operation and the variables the payload can depend on. */
function selectionKey(args: ExecutionArgs, principal: Principal): string {
  const operation = args.document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && (args.operationName == null || definition.name?.value === args.operationName),
  );
  const variables = args.variableValues ?? {};
  const used = operation ? payloadVariables(args.document, operation) : Object.keys(variables);
  const values = used.map((name) => [name, variables[name] ?? null]);
  return JSON.stringify([principal.keyId, args.operationName ?? null, print(args.document), values]);
}

function isAsyncIterable(value: object): value is AsyncIterable<unknown> {
  return Symbol.asyncIterator in value;
}

/** Variables used anywhere but in the root field's arguments (which only choose and filter events), sorted. */
function payloadVariables(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const rootArguments = new Set(
    operation.selectionSet.selections.flatMap((selection) => (selection.kind === Kind.FIELD ? (selection.arguments ?? []) : [])),
  );
  const names = new Set<string>();
  visit(document, {
    VariableDefinition: () => false,
    Argument: (node) => (rootArguments.has(node) ? false : undefined),
    Variable: (node) => {
      names.add(node.name.value);
    },
  });
  return [...names].sort();
}
