import autocannon from 'autocannon';

/** One timed run of one query against one system. */
export type LoadRun = {
  /** Responses completed inside the measured window. */
  requests: number;
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
  const run: LoadRun = { requests: 0, windowSeconds: spec.seconds, latencies: [], failures: 0, firstFailure: null };
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
        run.latencies.sort((a, b) => a - b);
        resolve(run);
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      const now = performance.now();
      if (now < windowStart || now > windowEnd) return;
      run.requests += 1;
      run.latencies.push(responseTime);
    });
  });
}
