import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import type { ApiProcess } from '../support/api-process';
import { subscribe } from '../support/graphql-ws';
import { createWarmUpCustomer, STAGE_TRANSITIONS, waitUntilLive } from '../support/live-stream';
import type { TransitionEventData } from '../support/live-stream';

/* SIGTERM, with and without a client subscribed: a clean, logged, prompt stop. */

describe('stopping the API with SIGTERM', () => {
  let clm: ClmEnvironment | undefined;

  // An empty value leaves CLM_SHUTDOWN_GRACE_MS at its default (10 s), as for a user who never sets it.
  const start = async () => (clm = await startClm({ env: { CLM_SHUTDOWN_GRACE_MS: '' } }));
  afterEach(async () => {
    await clm?.close();
    clm = undefined;
  });

  /** Sends SIGTERM and checks the exit and the log; resolves with the time the exit took. */
  const expectCleanStop = async (api: ApiProcess) => {
    const started = Date.now();
    const exit = await api.stop('SIGTERM');
    const elapsed = Date.now() - started;
    const messages = api.lines().map((line) => line.json?.msg);
    expect(messages).not.toContain('shutdown took too long; exiting');
    expect(exit).toEqual({ code: 0, signal: null });
    const shuttingDown = messages.indexOf('shutting down');
    expect(shuttingDown).toBeGreaterThanOrEqual(0);
    expect(api.lines()[shuttingDown].json).toMatchObject({ signal: 'SIGTERM' });
    expect(messages.indexOf('stopped')).toBeGreaterThan(shuttingDown);
    // Well inside the grace period, after which the process gives up and exits with 1.
    expect(elapsed).toBeLessThan(5000);
  };

  it('closes open subscriptions with 1001, exits with code 0 and logs "shutting down" then "stopped"', async () => {
    const { api, admin, connectWs } = await start();
    const connection = connectWs(api.adminKey);
    const subscription = subscribe<TransitionEventData>(connection.client, STAGE_TRANSITIONS);
    await waitUntilLive(subscription, createWarmUpCustomer(admin));

    await expectCleanStop(api);
    expect(await connection.closed).toEqual({ code: 1001, reason: 'server shutting down' });
  });

  it('exits with code 0 and logs "stopped" promptly when no client is connected', async () => {
    const { api } = await start();
    await expectCleanStop(api);
  });
});
