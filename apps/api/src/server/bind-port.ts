import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The HTTP port, taken first thing at start-up, before the database, the
 * migrations or the first admin key: a start that cannot listen must fail
 * before it creates anything. Until `serve` hands the port a handler, every
 * request is answered 503 `{"status":"starting"}`.
 */
export type BoundPort = {
  server: Server;
  port: number;
  /** http://<host>:<port>, with `localhost` for the wildcard address. */
  url: string;
  /** Replaces the start-up answer with `handler` (the express app). */
  serve: (handler: RequestListener) => void;
  /** Stops listening (for a start that failed after binding). */
  close: () => Promise<void>;
};

/** The port cannot be listened on; the message is one sentence for the terminal, naming the port and what to do. */
export class PortUnavailableError extends Error {
  constructor(
    message: string,
    readonly port: number,
  ) {
    super(message);
  }
}

function answerStarting(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
  response.end(JSON.stringify({ status: 'starting' }));
}

/** Listens on `port` at `host`; a port that is taken, needs privileges or a host that is not this machine's rejects with PortUnavailableError. */
export async function bindPort(options: { port: number; host: string }): Promise<BoundPort> {
  const server = createServer(answerStarting);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(portProblem(error, options) ?? error));
    server.listen(options.port, options.host, () => resolve());
  });
  server.removeAllListeners('error');
  const { port } = listeningAddress(server);
  return {
    server,
    port,
    url: `http://${options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host}:${port}`,
    serve: (handler) => {
      server.removeListener('request', answerStarting);
      server.on('request', handler);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A server listening on TCP has an AddressInfo (a string is a pipe or socket path, null means not listening). */
function listeningAddress(server: Server): AddressInfo {
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error(`the HTTP server is not listening on a TCP port (${String(address)})`);
  return address;
}

function portProblem(error: NodeJS.ErrnoException, { port, host }: { port: number; host: string }): PortUnavailableError | null {
  const other = port < 65535 ? port + 1 : port - 1;
  if (error.code === 'EADDRINUSE')
    return new PortUnavailableError(
      `port ${port} is already in use by another program (another clm?); stop it, or start clm on another port, e.g. PORT=${other} npm start`,
      port,
    );
  if (error.code === 'EACCES')
    return new PortUnavailableError(
      `port ${port} needs privileges this user does not have; start clm on a port above 1023, e.g. PORT=4000 npm start`,
      port,
    );
  if (error.code === 'EADDRNOTAVAIL')
    return new PortUnavailableError(
      `HOST=${host} is not an address of this machine, so clm cannot listen on port ${port} there; unset HOST to listen on every interface, or set one of this machine's addresses`,
      port,
    );
  return null;
}
