import { Client } from 'pg';

/**
 * One dedicated connection that LISTENs on clm's channels and reconnects
 * when it drops. Missing a notification is harmless: every consumer reads
 * the log from its own position, so a notification only says "read now".
 */
export class PgListener {
  private client: Client | null = null;
  private stopped = false;
  private readonly handlers = new Map<string, Array<(payload: string) => void>>();

  constructor(
    private readonly url: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  on(channel: string, handler: (payload: string) => void): void {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: 'clm-listener' });
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', (error) => {
      this.onError(error);
      // The connection is lost, most likely with the database: every consumer reads now, and one that finds the
      // database away says so (live subscribers are told to resubscribe). A restart quicker than the fallback poll
      // would otherwise pass unnoticed by them.
      if (this.client === client) this.notifyAll();
      void this.reconnect(client);
    });
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
    this.client = client;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private notifyAll(): void {
    for (const handlers of this.handlers.values()) for (const handler of handlers) handler('');
  }

  private async reconnect(failed: Client): Promise<void> {
    if (this.client !== failed || this.stopped) return;
    this.client = null;
    await failed.end().catch(() => undefined);
    for (let attempt = 1; !this.stopped; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
      try {
        await this.start();
        // Whatever happened while disconnected is in the logs: tell every consumer to read.
        this.notifyAll();
        return;
      } catch (error) {
        this.onError(error);
      }
    }
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
