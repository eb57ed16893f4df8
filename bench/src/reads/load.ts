import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';

/** One timed run of one query against one system. */
export type LoadRun = {
  /** Responses completed inside the measured window. */
  requests: number;
  /** Responses completed in the whole run, lead-in included. */
  responses: number;
  /** CPU time (user + system, ms) the server process spent over the whole run, when its process is known. */
  serverCpuMs: number | null;
  windowSeconds: number;
  /** Latencies (ms) of the responses completed inside the window, ascending. */
  latencies: number[];
  /** Responses anywhere in the run that were not HTTP 200 with a body free of GraphQL errors, plus socket errors and timeouts. */
  failures: number;
  /** The first failing body, to show. */
  firstFailure: string | null;
};

export type LoadSpec = {
  url: string;
  key: string;
  /** Request bodies, sent in turn (one body: the same request every time). */
  bodies: readonly string[];
  connections: number;
  /** Untimed lead-in on the same connections, so the window starts in steady state. */
  leadSeconds: number;
  seconds: number;
  /** The server's process, whose CPU time over the run is read from /proc (Linux). */
  pid?: number;
};

/**
 * Keeps `connections` requests in flight (each connection sends its next
 * request when the previous answer arrives) for lead + seconds, and counts
 * only the responses that complete within the window after the lead-in: with
 * every connection busy throughout, that count over the window is the
 * throughput, with no ramp-up or drain at its edges. Requests still in flight
 * at the end are abandoned; the caller lets the server drain before the next
 * run.
 */
export function runLoad(spec: LoadSpec): Promise<LoadRun> {
  const run: LoadRun = {
    requests: 0,
    responses: 0,
    serverCpuMs: null,
    windowSeconds: spec.seconds,
    latencies: [],
    failures: 0,
    firstFailure: null,
  };
  const cpuBefore = processCpuMs(spec.pid);
  let next = 0;
  const nextBody = () => spec.bodies[next++ % spec.bodies.length];
  const checkResponse = (status: number, body: string) => {
    if (status === 200 && !body.includes('"errors":')) return;
    run.failures += 1;
    run.firstFailure ??= `HTTP ${status}: ${body.slice(0, 500)}`;
  };
  const started = performance.now();
  const windowStart = started + spec.leadSeconds * 1000;
  const windowEnd = windowStart + spec.seconds * 1000;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.leadSeconds + spec.seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${spec.key}` },
        body: spec.bodies[0],
        requests: [
          {
            ...(spec.bodies.length > 1 ? { setupRequest: (request) => ({ ...request, body: nextBody() }) } : {}),
            onResponse: checkResponse,
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        run.failures += result.errors + result.timeouts;
        const cpuAfter = processCpuMs(spec.pid);
        run.serverCpuMs = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
        run.latencies.sort((a, b) => a - b);
        resolve(run);
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      const now = performance.now();
      run.responses += 1;
      if (now < windowStart || now > windowEnd) return;
      run.requests += 1;
      run.latencies.push(responseTime);
    });
  });
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux architecture clm runs on). */
const TICKS_PER_SECOND = 100;

/**
 * The user + system CPU time of process `pid` so far, in ms (fields 14 and 15 of /proc/<pid>/stat, after the
 * parenthesised command name); null without a pid or off Linux.
 */
export function processCpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime and stime are fields 14 and 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
