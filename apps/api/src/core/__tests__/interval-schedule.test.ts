import { describe, expect, it } from '@jest/globals';
import { IntervalSchedule } from '../interval-schedule';

/** A job whose runs end when the test says so. */
function controlledJob() {
  const ends: Array<(error?: Error) => void> = [];
  let started = 0;
  const job = () =>
    new Promise<void>((resolve, reject) => {
      started++;
      ends.push((error) => (error ? reject(error) : resolve()));
    });
  return { job, started: () => started, end: (index: number, error?: Error) => ends[index]!(error) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('IntervalSchedule', () => {
  it('never overlaps runs: pokes during a run make exactly one more run, after it', async () => {
    const { job, started, end } = controlledJob();
    const schedule = new IntervalSchedule(job, 3600, () => undefined);
    schedule.poke();
    schedule.poke();
    schedule.poke();
    expect(started()).toBe(1);
    end(0);
    await settle();
    expect(started()).toBe(2);
    end(1);
    await settle();
    expect(started()).toBe(2);
    await schedule.stop();
  });

  it('hands a failed run to onError and still runs the next', async () => {
    const { job, started, end } = controlledJob();
    const errors: unknown[] = [];
    const schedule = new IntervalSchedule(job, 3600, (error) => errors.push(error));
    const first = schedule.runOnce();
    expect(schedule.runOnce()).toBe(first);
    end(0, new Error('no purchases yet'));
    await first;
    expect(errors).toEqual([new Error('no purchases yet')]);
    const second = schedule.runOnce();
    expect(started()).toBe(2);
    end(1);
    await second;
    await schedule.stop();
  });

  it('stop waits for the run in progress and ignores pokes after it; a schedule of 0 seconds never runs by itself', async () => {
    const { job, started, end } = controlledJob();
    const schedule = new IntervalSchedule(job, 3600, () => undefined);
    schedule.poke();
    let stopped = false;
    const stopping = schedule.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    end(0);
    await stopping;
    schedule.poke();
    expect(started()).toBe(1);

    const off = new IntervalSchedule(job, 0, () => undefined, { runAtStart: true });
    off.start();
    off.poke();
    expect(started()).toBe(1);
    await off.stop();
  });
});
