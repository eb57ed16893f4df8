/**
 * Backpressure for the Segment-compatible routes: at most `maxPending`
 * requests of one instance hold a place between reading their body and
 * answering (waiting for the ingest writer or writing). Beyond that a request
 * is refused at once with 429 and `Retry-After`, instead of queueing without
 * bound in memory while its client times out and retries into the same
 * queue; Segment's clients retry a 429 after the hinted delay, so nothing is
 * lost.
 *
 * Invariant: a place is given back exactly once, however the request ends.
 */
export class IngestGate {
  private pending = 0;

  constructor(
    readonly maxPending: number,
    /** Seconds a refused client is told to wait. */
    readonly retryAfterSeconds = 1,
  ) {}

  /** A place, as the function that gives it back (later calls do nothing), or null when every place is taken. */
  tryEnter(): (() => void) | null {
    if (this.pending >= this.maxPending) return null;
    this.pending += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.pending -= 1;
    };
  }

  /** Requests holding a place now. */
  load(): number {
    return this.pending;
  }
}
