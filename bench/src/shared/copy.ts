import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A value as a field of COPY's text format (`\N` for null). */
export function copyField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  return String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** One line of COPY's text format. */
export function copyLine(fields: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return fields.map(copyField).join('\t') + '\n';
}

/** Streams `chunks` (lines of COPY text) through `COPY … FROM STDIN` on `client`. */
export async function copyIn(
  client: pg.Client,
  sql: string,
  chunks: Iterable<Buffer | string> | AsyncIterable<Buffer | string>,
): Promise<void> {
  await pipeline(Readable.from(chunks), client.query(copyFrom(sql)));
}

/** Joins COPY lines into chunks of `size`, so the stream is not millions of tiny writes. */
export function* copyChunks(lines: Iterable<string>, size = 2000): Generator<string> {
  let buffer: string[] = [];
  for (const line of lines) {
    buffer.push(line);
    if (buffer.length === size) {
      yield buffer.join('');
      buffer = [];
    }
  }
  if (buffer.length > 0) yield buffer.join('');
}
