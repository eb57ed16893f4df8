import type { Principal } from './principal';

/**
 * A per-request value built on first use: a DataLoader, typically. A module
 * creates its keys once (usually in a resolver's constructor, closing over its
 * service); each request then gets its own instance.
 */
export type RequestScoped<T> = { readonly create: () => T };

export function requestScoped<T>(create: () => T): RequestScoped<T> {
  return { create };
}

/** The per-request instances of `RequestScoped` values. */
export class RequestScope {
  private readonly instances = new Map<RequestScoped<unknown>, unknown>();

  get<T>(key: RequestScoped<T>): T {
    if (!this.instances.has(key)) this.instances.set(key, key.create());
    return this.instances.get(key) as T;
  }
}

/** What every resolver receives: who is calling, and the request's loaders. Services reach resolvers through their constructors. */
export type RequestContext = {
  requestId: string;
  principal: Principal;
  scope: RequestScope;
  streams: Streams;
};

/**
 * A typed key for a value wired once at start-up. type-graphql calls a
 * subscription's `subscribe` without its resolver instance, so the live
 * streams reach it through the context by key.
 */
export type StreamKey<T> = { readonly name: string; readonly sample?: T };

export function streamKey<T>(name: string): StreamKey<T> {
  return { name };
}

/** The live streams of this instance, by key. */
export class Streams {
  private readonly streams = new Map<StreamKey<unknown>, unknown>();

  register<T>(key: StreamKey<T>, stream: T): this {
    this.streams.set(key, stream);
    return this;
  }

  get<T>(key: StreamKey<T>): T {
    if (!this.streams.has(key)) throw new Error(`the stream "${key.name}" was not registered at start-up`);
    return this.streams.get(key) as T;
  }
}
