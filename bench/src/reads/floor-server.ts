/**
 * The floor: a bare `node:http` + `pg` server that answers each read with ONE
 * hand-written SQL statement (a named, so prepared, statement per operation)
 * whose single text column is the whole JSON response. It parses the request
 * body and checks the bearer key like the API does, and nothing else: no
 * GraphQL parsing or validation, no entity mapping. Run as a child process by
 * the reads benchmark (floor-process.ts); configured by environment:
 * FLOOR_DATABASE_URL, FLOOR_PORT, FLOOR_KEY, FLOOR_POOL_SIZE.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import { field, isObject } from '../shared/json.js';
import { FLOOR_OPERATIONS } from './queries.js';

const pool = new pg.Pool({
  connectionString: process.env.FLOOR_DATABASE_URL,
  max: Number(process.env.FLOOR_POOL_SIZE ?? '10'),
  application_name: 'clm-bench-floor',
});
const expectedAuthorization = `Bearer ${process.env.FLOOR_KEY ?? ''}`;

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function errorBody(message: string): string {
  return JSON.stringify({ errors: [{ message }] });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** One GraphQL-over-HTTP request: the operation's statement, its single row sent as is. */
async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method === 'GET' && request.url === '/healthz') return send(response, 200, '{"ok":true}');
  if (request.method !== 'POST' || request.url !== '/graphql') return send(response, 404, errorBody('not found'));
  if (request.headers.authorization !== expectedAuthorization) return send(response, 401, errorBody('unauthenticated'));
  const body: unknown = JSON.parse(await readBody(request));
  const operation = FLOOR_OPERATIONS[String(field(body, 'operationName'))];
  if (!operation) return send(response, 400, errorBody('unknown operation'));
  const variables = field(body, 'variables');
  const result = await pool.query<{ body: string }>({
    name: operation.statement,
    text: operation.sql,
    values: operation.parameters(isObject(variables) ? variables : {}),
  });
  send(response, 200, result.rows[0].body);
}

const server = createServer((request, response) => {
  answer(request, response).catch((error: unknown) =>
    send(response, 500, errorBody(error instanceof Error ? error.message : String(error))),
  );
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.FLOOR_PORT), '127.0.0.1', () => process.stdout.write('floor ready\n'));
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.end().finally(() => process.exit(0));
});
