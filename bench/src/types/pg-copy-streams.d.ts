/** The part of pg-copy-streams (which ships no types) the benchmarks use. */
declare module 'pg-copy-streams' {
  import type { Writable } from 'node:stream';
  import type { Submittable } from 'pg';

  /** A `COPY … FROM STDIN` query: submit it with `client.query(stream)`, then write COPY text into it. */
  export type CopyStreamQuery = Writable & Submittable & { rowCount: number };

  export function from(sql: string): CopyStreamQuery;
}
