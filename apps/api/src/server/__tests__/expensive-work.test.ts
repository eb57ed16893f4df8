import { describe, expect, it } from '@jest/globals';
import { ClmError } from '../../core/errors';
import { ExpensiveWork } from '../expensive-work';

/** A task that runs until `finish` is called. */
function held(): { promise: Promise<void>; finish: () => void } {
  let finish = () => {};
  const promise = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { promise, finish };
}

async function refusal(promise: Promise<unknown>): Promise<ClmError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ClmError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the expensive-work gate', () => {
  it('refuses the 11th concurrent operation of a key allowed 10, with the retry hint, and lets other keys through', async () => {
    const gate = new ExpensiveWork({ perKey: 10, perInstance: 20, waitMs: 0 });
    const task = held();
    const running = Array.from({ length: 10 }, () => gate.run('key-a', () => task.promise));
    const error = await refusal(gate.run('key-a', async () => 'ran'));
    expect(error.code).toBe('TOO_MANY_EXPENSIVE_OPERATIONS');
    expect(error.message).toBe(
      'this API key already runs 10 expensive operations (previews, segment definitions, metrics) at once; retry in 1 s',
    );
    expect(error.details).toEqual({ limit: 10, scope: 'key', retryAfter: 1 });
    expect(await gate.run('key-b', async () => 'ran')).toBe('ran');
    task.finish();
    await Promise.all(running);
    expect(gate.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('lets an operation wait for a slot that frees in time, in arrival order', async () => {
    const gate = new ExpensiveWork({ perKey: 1, perInstance: 4, waitMs: 5_000 });
    const first = held();
    const order: string[] = [];
    const running = gate.run('key', () => first.promise.then(() => order.push('first')));
    const second = gate.run('key', async () => order.push('second'));
    const third = gate.run('key', async () => order.push('third'));
    expect(gate.load()).toEqual({ running: 1, waiting: 2 });
    first.finish();
    await Promise.all([running, second, third]);
    expect(order).toEqual(['first', 'second', 'third']);
  });

  it('refuses a waiter once its wait is over, naming the instance when the instance is full', async () => {
    const gate = new ExpensiveWork({ perKey: 5, perInstance: 1, waitMs: 30 });
    const task = held();
    const running = gate.run('key-a', () => task.promise);
    const error = await refusal(gate.run('key-b', async () => 'ran'));
    expect(error.details).toEqual({ limit: 1, scope: 'instance', retryAfter: 1 });
    expect(error.message).toBe(
      'this server already runs 1 expensive operations (previews, segment definitions, metrics) at once; retry in 1 s',
    );
    expect(gate.load()).toEqual({ running: 1, waiting: 0 });
    task.finish();
    await running;
  });

  it('does not let a waiter whose key is at its limit hold up another key', async () => {
    const gate = new ExpensiveWork({ perKey: 1, perInstance: 2, waitMs: 5_000 });
    const a = held();
    const b = held();
    const runningA = gate.run('key-a', () => a.promise);
    const runningB = gate.run('key-b', () => b.promise);
    const waitingA = gate.run('key-a', async () => 'a again');
    const waitingC = gate.run('key-c', async () => 'c');
    // key-b finishes: key-a is still at its limit, so key-c (behind it in the queue) takes the slot.
    b.finish();
    expect(await waitingC).toBe('c');
    expect(gate.load()).toEqual({ running: 1, waiting: 1 });
    a.finish();
    expect(await waitingA).toBe('a again');
    await Promise.all([runningA, runningB]);
  });

  it('frees the slot when the work fails', async () => {
    const gate = new ExpensiveWork({ perKey: 1, perInstance: 1, waitMs: 0 });
    await expect(gate.run('key', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run('key', async () => 'ran')).toBe('ran');
  });

  it('refuses at once when four waiters per slot are already queued', async () => {
    const gate = new ExpensiveWork({ perKey: 10, perInstance: 1, waitMs: 5_000 });
    const task = held();
    const running = gate.run('key', () => task.promise);
    const waiting = Array.from({ length: 4 }, () => gate.run('key', async () => 'ran'));
    expect((await refusal(gate.run('key', async () => 'ran'))).code).toBe('TOO_MANY_EXPENSIVE_OPERATIONS');
    task.finish();
    expect(await Promise.all(waiting)).toEqual(['ran', 'ran', 'ran', 'ran']);
    await running;
  });

  it('spends a time budget: with 0.5 s a second and a 1 s burst, 3 s of work closes the gate until 4 s later', async () => {
    let now = 0;
    const gate = new ExpensiveWork({ perKey: 5, perInstance: 5, waitMs: 0, busyShare: 0.5, burstSeconds: 1 }, () => now);
    await gate.run('key-a', async () => {
      now = 3000;
    });
    // Charged 3 s against a full 1 s burst: 2 s short, refilled at 0.5 s a second.
    const error = await refusal(gate.run('key-b', async () => 'ran'));
    expect(error.code).toBe('TOO_MANY_EXPENSIVE_OPERATIONS');
    expect(error.details).toEqual({ limit: 0.5, scope: 'budget', retryAfter: 4 });
    expect(error.message).toBe(
      'this server has spent its time for expensive operations (previews, segment definitions, metrics: 0.5 s per second, CLM_EXPENSIVE_BUSY_SHARE); retry in 4 s',
    );
    now = 6900;
    expect((await refusal(gate.run('key-b', async () => 'ran'))).details).toMatchObject({ scope: 'budget', retryAfter: 1 });
    now = 7100;
    expect(await gate.run('key-b', async () => 'ran')).toBe('ran');
  });

  it('grants a waiter once the spent budget has refilled, within its wait', async () => {
    let now = 0;
    const gate = new ExpensiveWork({ perKey: 5, perInstance: 5, waitMs: 60_000, busyShare: 1, burstSeconds: 0 }, () => now);
    await gate.run('key', async () => {
      now = 20;
    });
    // 20 ms short at 1 ms a millisecond: the waiter is granted by the refill timer, whatever the real clock says.
    const waiting = gate.run('key', async () => 'ran');
    expect(gate.load()).toEqual({ running: 0, waiting: 1 });
    now = 1000;
    expect(await waiting).toBe('ran');
  });

  it('rate-limits a key refused more often than its rate, and only that key, until a token refills', () => {
    let now = 0;
    const gate = new ExpensiveWork({ perKey: 1, perInstance: 1, waitMs: 0, refusalsPerMinute: 60, refusalBurst: 3 }, () => now);
    for (let refused = 0; refused < 3; refused++) gate.refused('greedy');
    expect(gate.rateLimited('greedy')).toBeNull();
    gate.refused('greedy');
    const limited = gate.rateLimited('greedy');
    expect(limited?.code).toBe('RATE_LIMITED');
    expect(limited?.details).toEqual({ perMinute: 60, retryAfter: 1 });
    expect(limited?.message).toBe(
      'this API key was refused more than 60 times a minute (it did not wait as Retry-After asked); every request is refused for 1 s (CLM_KEY_REFUSALS_PER_MINUTE)',
    );
    expect(gate.rateLimited('polite')).toBeNull();
    now = 1000;
    expect(gate.rateLimited('greedy')).toBeNull();
  });

  it('counts its own refusals of a slot against the key', async () => {
    const gate = new ExpensiveWork({ perKey: 1, perInstance: 1, waitMs: 0, refusalsPerMinute: 60, refusalBurst: 1 }, () => 0);
    const task = held();
    const running = gate.run('key', () => task.promise);
    await refusal(gate.run('key', async () => 'ran'));
    expect(gate.rateLimited('key')).toBeNull();
    await refusal(gate.run('key', async () => 'ran'));
    expect(gate.rateLimited('key')?.code).toBe('RATE_LIMITED');
    task.finish();
    await running;
  });
});
