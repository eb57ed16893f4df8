/**
 * The floor of bench/fanout: a bare `ws` server, run as its own process,
 * that speaks just enough graphql-transport-ws for the real client
 * (connection_init → connection_ack, subscribe, complete) and broadcasts the
 * payloads it is handed over IPC, each wrapped in a `next` frame per
 * subscription that wants it. No GraphQL, no database, no checks: what
 * sending the same frames to the same sockets costs at least.
 */
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { FloorEvent, FloorReply, FloorRequest } from './protocol.js';

type FloorSubscription = { socket: WebSocket; stream: Socket; id: string; stages: string[] | null };

const subscriptions = new Map<string, FloorSubscription>();
let nextSocket = 0;

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'graphql-transport-ws' });
server.on('connection', (socket, request) => {
  const socketId = nextSocket++;
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { type: string; id?: string; payload?: { variables?: { stages?: string[] | null } } };
    const key = `${socketId}/${message.id}`;
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'subscribe')
      subscriptions.set(key, {
        socket,
        stream: request.socket,
        id: message.id as string,
        stages: message.payload?.variables?.stages ?? null,
      });
    else if (message.type === 'complete') subscriptions.delete(key);
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
  });
  socket.on('close', () => {
    for (const [key, subscription] of subscriptions) if (subscription.socket === socket) subscriptions.delete(key);
  });
});

/**
 * Sends each event to every subscription whose filter it passes, in order;
 * each connection's frames of one event leave in one write (corked), as clm
 * does, so the floor is not slowed by a system call per frame.
 */
function broadcast(events: readonly FloorEvent[]): void {
  const corked = new Set<Socket>();
  for (const event of events) {
    for (const { socket, stream, id, stages } of subscriptions.values()) {
      if (stages !== null && !stages.includes(event.to) && (event.from === null || !stages.includes(event.from))) continue;
      if (!corked.has(stream)) {
        stream.cork();
        corked.add(stream);
      }
      socket.send(`{"id":"${id}","type":"next","payload":${event.payload}}`);
    }
    for (const stream of corked) stream.uncork();
    corked.clear();
  }
}

function reply(message: FloorReply): void {
  process.send?.(message);
}

process.on('message', (message: FloorRequest) => {
  if (message.type === 'broadcast') {
    broadcast(message.events);
    reply({ type: 'broadcast-done' });
  } else {
    server.close(() => process.exit(0));
  }
});

server.on('listening', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  reply({ type: 'ready', url: `ws://127.0.0.1:${port}/graphql` });
});
