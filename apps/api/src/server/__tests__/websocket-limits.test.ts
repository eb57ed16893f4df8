import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { startTestServer } from '../../testing';
import type { TestServer } from '../../testing';
import { MAX_MESSAGE_BYTES, MAX_OPERATIONS_PER_SOCKET } from '../graphql-ws-server';

describe('WebSocket limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('closes a connection that sends a message over 5 MB (1009) without parsing it', async () => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${server.adminKey}` } }));
    await new Promise((resolve) => socket.once('message', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: `{ viewer { name } }`, variables: { pad: 'x'.repeat(MAX_MESSAGE_BYTES) } },
      }),
    );
    expect(await closed).toBe(1009);
  });

  it(`refuses operation number ${MAX_OPERATIONS_PER_SOCKET + 1} on one connection with TOO_MANY_OPERATIONS`, async () => {
    const client = server.wsClient();
    const disposers: Array<() => void> = [];
    const errors: unknown[] = [];
    for (let index = 0; index <= MAX_OPERATIONS_PER_SOCKET; index++) {
      disposers.push(
        client.subscribe(
          { query: 'subscription { stageTransitions { cursor } }' },
          { next: () => undefined, error: (error) => errors.push(error), complete: () => undefined },
        ),
      );
    }
    for (let attempt = 0; errors.length === 0 && attempt < 100; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toEqual([
      [
        expect.objectContaining({
          message: `at most ${MAX_OPERATIONS_PER_SOCKET} operations may run at once on one connection; complete some or open another`,
          extensions: { code: 'TOO_MANY_OPERATIONS' },
        }),
      ],
    ]);
    for (const dispose of disposers) dispose();
  });
});
