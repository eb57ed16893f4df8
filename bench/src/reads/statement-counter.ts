import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that reads the frontend side of the wire
 * protocol and counts the statements clients execute: every simple Query
 * ('Q') and every Execute ('E') of the extended protocol, each attributed to
 * its SQL text (from Parse, through Bind). It needs no server setting, no
 * extension and no privilege, so it works the same on the embedded server and
 * on any DATABASE_URL. Only the counting instances connect through it, each
 * system through a counter of its own; the timed runs connect directly.
 *
 * Connections whose `application_name` (sent in the start-up message) is in
 * `ignored` are passed through uncounted: clm names each pool after its kind
 * of work, and its projector's and health checks' polling (`clm:projection`,
 * `clm:background`, `clm:control`) is no request's work.
 */
export type StatementCounter = {
  /** `databaseUrl` with host and port pointing at the proxy. */
  proxyUrl: (databaseUrl: string) => string;
  /** Statements executed since the last reset, by SQL text (whitespace collapsed). */
  snapshot: () => Map<string, number>;
  reset: () => void;
  close: () => Promise<void>;
};

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** Starts the proxy on a free local port, forwarding to the server of `databaseUrl`. */
export async function startStatementCounter(databaseUrl: string, ignored: ReadonlySet<string> = new Set()): Promise<StatementCounter> {
  const upstream = new URL(databaseUrl);
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const count = (sql: string) => {
    const key = sql.replace(/\s+/g, ' ').trim();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const server = createServer((client) => {
    const target = createConnection({ host: upstream.hostname, port: Number(upstream.port || 5432) });
    for (const socket of [client, target]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    target.pipe(client);
    client.pipe(target);
    client.on('data', frontendReader(count, ignored));
    client.once('close', () => target.destroy());
    target.once('close', () => client.destroy());
  });
  const port = await listen(server);
  return {
    proxyUrl: (url) => {
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(port);
      return proxied.toString();
    },
    snapshot: () => new Map(counts),
    reset: () => counts.clear(),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address === 'object' && address !== null) resolve(address.port);
      else reject(new Error('the statement counter has no port'));
    });
  });
}

/**
 * A parser of one connection's frontend byte stream that calls `count` once per executed statement, unless the
 * connection's application_name is `ignored`.
 */
function frontendReader(count: (sql: string) => void, ignored: ReadonlySet<string>): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  let startup = true;
  let counted = true;
  const statements = new Map<string, string>();
  const portals = new Map<string, string>();
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (startup) {
        // Untyped: length, then the protocol code. An SSL or GSS request is followed by another startup message.
        if (pending.length < 8) return;
        const length = pending.readInt32BE(0);
        if (pending.length < length) return;
        const code = pending.readInt32BE(4);
        startup = code === SSL_REQUEST || code === GSSENC_REQUEST;
        if (!startup) counted = !ignored.has(startupParameters(pending.subarray(8, length)).get('application_name') ?? '');
        pending = pending.subarray(length);
        continue;
      }
      if (pending.length < 5) return;
      const length = pending.readInt32BE(1);
      if (pending.length < 1 + length) return;
      if (counted) readMessage(String.fromCharCode(pending[0]), pending.subarray(5, 1 + length), { statements, portals, count });
      pending = pending.subarray(1 + length);
    }
  };
}

type ConnectionState = { statements: Map<string, string>; portals: Map<string, string>; count: (sql: string) => void };

function readMessage(type: string, body: Buffer, state: ConnectionState): void {
  if (type === 'Q') return state.count(cString(body, 0).text);
  if (type === 'P') {
    const name = cString(body, 0);
    state.statements.set(name.text, cString(body, name.next).text);
  } else if (type === 'B') {
    const portal = cString(body, 0);
    const statement = cString(body, portal.next).text;
    state.portals.set(portal.text, state.statements.get(statement) ?? `(statement ${statement})`);
  } else if (type === 'E') {
    state.count(state.portals.get(cString(body, 0).text) ?? '(unknown portal)');
  }
}

/** The start-up message's parameters: NUL-terminated names and values, ending with an empty name. */
function startupParameters(body: Buffer): Map<string, string> {
  const parameters = new Map<string, string>();
  for (let at = 0; at < body.length && body[at] !== 0;) {
    const name = cString(body, at);
    const value = cString(body, name.next);
    parameters.set(name.text, value.text);
    at = value.next;
  }
  return parameters;
}

function cString(buffer: Buffer, start: number): { text: string; next: number } {
  const end = buffer.indexOf(0, start);
  return { text: buffer.toString('utf8', start, end), next: end + 1 };
}
