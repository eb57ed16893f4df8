import { describe, expect, it } from '@jest/globals';
import { bindPort, PortUnavailableError } from '../bind-port';

describe('the port taken at start-up', () => {
  it('answers 503 {"status":"starting"} until it is handed a handler, then that handler answers', async () => {
    const bound = await bindPort({ port: 0, host: '127.0.0.1' });
    try {
      expect(bound.url).toBe(`http://127.0.0.1:${bound.port}`);
      const starting = await fetch(`${bound.url}/readyz`);
      expect([starting.status, starting.headers.get('retry-after'), await starting.json()]).toEqual([503, '1', { status: 'starting' }]);
      bound.serve((_request, response) => response.end('served'));
      const served = await fetch(`${bound.url}/readyz`);
      expect([served.status, await served.text()]).toEqual([200, 'served']);
    } finally {
      await bound.close();
    }
  });

  it('names localhost in its URL when it listens on every interface', async () => {
    const bound = await bindPort({ port: 0, host: '0.0.0.0' });
    await bound.close();
    expect(bound.url).toBe(`http://localhost:${bound.port}`);
  });

  it('refuses a port in use with one sentence naming it and PORT=, leaving the program that holds it serving', async () => {
    const holder = await bindPort({ port: 0, host: '127.0.0.1' });
    try {
      const refused = bindPort({ port: holder.port, host: '127.0.0.1' });
      await expect(refused).rejects.toBeInstanceOf(PortUnavailableError);
      await expect(refused).rejects.toMatchObject({
        port: holder.port,
        message: `port ${holder.port} is already in use by another program (another clm?); stop it, or start clm on another port, e.g. PORT=${holder.port + 1} npm start`,
      });
      // The holder still serves.
      expect((await fetch(`${holder.url}/`)).status).toBe(503);
    } finally {
      await holder.close();
    }
  });

  it('refuses a HOST that is not an address of this machine, naming HOST and the port', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a machine.
    await expect(bindPort({ port: 4000, host: '192.0.2.1' })).rejects.toMatchObject({
      port: 4000,
      message:
        "HOST=192.0.2.1 is not an address of this machine, so clm cannot listen on port 4000 there; unset HOST to listen on every interface, or set one of this machine's addresses",
    });
  });
});
