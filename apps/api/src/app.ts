import path from 'node:path';
import type { Config } from './config';
import { applyBiLimits, applyBiPassword, BiWatchdog, connectionBudgetProblem } from './database/bi-role';
import { migrate } from './database/data-source';
import { sqlState } from './database/db';
import { startEmbeddedPostgres } from './database/embedded-postgres';
import type { EmbeddedDatabase } from './database/embedded-postgres';
import { startDemo } from './demo';
import type { Demo } from './demo';
import { bindPort } from './server/bind-port';
import { startHttpServer } from './server/http-server';
import type { Logger } from './server/logger';
import { createServices } from './server/services';
import type { Services } from './server/services';

/** A running clm instance. */
export type App = {
  url: string;
  port: number;
  services: Services;
  /** The admin key generated on this start, if one was (shown once). */
  generatedAdminKey: string | null;
  /** Graceful stop: no new connections, drain HTTP and WebSocket, end subscriptions, close the pool, stop the embedded database. */
  stop: () => Promise<void>;
};

/** Starts (or resumes) the embedded PostgreSQL in CLM_DATA_DIR and says where it listens. */
async function startEmbedded(config: Config, logger: Logger): Promise<EmbeddedDatabase> {
  logger.info({ dataDir: path.resolve(config.dataDir) }, 'starting the embedded PostgreSQL (set DATABASE_URL to use your own server)');
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    explicitDataDir: config.dataDirExplicit,
    database: 'clm',
    persistent: true,
    onLog: (message, details) => logger.warn(details ?? {}, message),
    onFatal: (message) => {
      logger.fatal(message);
      process.exit(1);
    },
  });
  // The port is chosen free at each start; BI tools connecting to the embedded server read it here (or in postmaster.pid).
  logger.info(
    { dataDir: embedded.dataDir, log: `${embedded.dataDir}.log`, host: '127.0.0.1', port: Number(new URL(embedded.url).port) },
    'the embedded PostgreSQL is running',
  );
  return embedded;
}

/** Background failures are logged; the database shutting down under us (as on Ctrl-C, which reaches it too) is expected. */
function reportBackgroundError(logger: Logger, error: unknown): void {
  if (sqlState(error) === '57P01') logger.info('the database is shutting down');
  else logger.error({ err: error }, 'background error');
}

/**
 * Starts clm: the HTTP port first (a busy port fails the start before
 * anything is created), then the database (embedded unless DATABASE_URL),
 * migrations, services, HTTP and WebSocket, the sweep schedule.
 */
export async function startApp(config: Config, logger: Logger, onAdminKeyCreated: (key: string) => void = () => undefined): Promise<App> {
  const bound = await bindPort(config);
  let embedded: EmbeddedDatabase | null = null;
  let services: Services | null = null;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  let generatedAdminKey: string | null;
  let demo: Demo | null = null;
  let biWatchdog: BiWatchdog | null = null;
  let replicaWatchdog: BiWatchdog | null = null;
  try {
    let url = config.databaseUrl;
    if (url === null) {
      embedded = await startEmbedded(config, logger);
      url = embedded.url;
    }
    const applied = await migrate(url);
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    services = await createServices({
      url,
      readReplica: config.readReplica,
      poolSize: config.poolSize,
      limits: config.work,
      // An export waits for its client inside its transaction, up to its total time limit.
      idleInTransactionMs: { export: config.exports.maxSeconds * 1000 },
      ingestWriters: config.ingestWriters,
      segmentRefreshSeconds: config.segmentRefreshSeconds,
      playbookSeconds: config.playbookSeconds,
      predictionRefitSeconds: config.predictionRefitSeconds,
      projectionHealth: config.projectionHealth,
      webhooks: { allow: config.webhooks.allow, dispatcher: { idlePollMs: config.webhooks.idlePollSeconds * 1000 } },
      onError: (error) => reportBackgroundError(logger, error),
      onNotice: (message, details) => logger.warn(details, message),
    });
    // A BI login that cannot be set up is reported, not fatal: the API itself is unaffected.
    if (config.biPassword !== null)
      await applyBiPassword(services.db, config.biPassword).then(
        () => logger.info('the clm_bi role (BI tools) can log in with CLM_BI_PASSWORD'),
        (error: unknown) => logger.error({ err: error }, 'could not set the password of the clm_bi role'),
      );
    // The BI role's limits: what the database user may not set is reported, and the API runs on.
    await applyBiLimits(services.db, config.bi).then(
      (refused) => {
        if (refused.length > 0) logger.warn({ refused }, 'some limits of the clm_bi role could not be set (see README, "BI tools")');
      },
      (error: unknown) => logger.warn({ err: error }, 'could not set the limits of the clm_bi role'),
    );
    const clmConnections = Object.values(config.work).reduce((sum, kind) => sum + kind.connections, 0);
    const budget = await connectionBudgetProblem(services.db, clmConnections, config.bi.connectionLimit).catch(() => null);
    if (budget !== null) logger.warn(budget);
    biWatchdog = new BiWatchdog(services.db.forKind('control'), config.bi, (error) =>
      logger.warn({ err: error }, 'the clm_bi watchdog cannot end long BI transactions (the database user needs pg_signal_backend)'),
    );
    // BI tools pointed at the read replica are held to the same limits there (the role's settings replicate; this does not).
    const onReplica = services.db.onReplica('control');
    if (onReplica !== null)
      replicaWatchdog = new BiWatchdog(onReplica, config.bi, (error) =>
        logger.warn({ err: error }, 'the clm_bi watchdog cannot end long BI transactions on the read replica'),
      );
    generatedAdminKey = await services.apiKeys.ensureAdminKey(config.adminKey);
    // Shown at once: should a later step fail, the key must not be lost unseen.
    if (generatedAdminKey !== null) onAdminKeyCreated(generatedAdminKey);
    await services.models.current();
    server = await startHttpServer({ config, services, logger, bound, dashboardDir: path.resolve(__dirname, '../../dashboard/dist') });
    // The demo loads in the background while the API serves (the board fills up as it loads). A failed demo is not fatal.
    if (config.demo) {
      const failed = (error: unknown) => logger.error({ err: error }, 'demo: the demo business could not be loaded; clm runs without it');
      demo = await startDemo(services, logger).catch((error: unknown) => {
        failed(error);
        return null;
      });
      demo?.ready.catch(failed);
    }
  } catch (error) {
    // Leave nothing running behind a failed start.
    await demo?.stop().catch(() => undefined);
    await biWatchdog?.stop();
    await replicaWatchdog?.stop();
    if (services) await services.stop().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    await bound.close();
    throw error;
  }
  const running = services;

  let sweepTimer: NodeJS.Timeout | null = null;
  if (config.sweepIntervalMinutes > 0) {
    sweepTimer = setInterval(() => {
      // On the sweep's own connections and time limit (each batch is a statement of its own).
      running
        .scoped(running.db.forKind('sweep'))
        .lifecycle.runInactivitySweep()
        .then(
          (result) => logger.info({ sweep: result }, 'inactivity sweep'),
          (error: unknown) => logger.error({ err: error }, 'inactivity sweep failed'),
        );
    }, config.sweepIntervalMinutes * 60_000);
    sweepTimer.unref();
  }

  return {
    url: server.url,
    port: server.port,
    services: running,
    generatedAdminKey,
    stop: async () => {
      if (sweepTimer) clearInterval(sweepTimer);
      // The simulator drains first: its last batch commits while the database is still there.
      await demo?.stop();
      await server.close();
      await biWatchdog?.stop();
      await replicaWatchdog?.stop();
      await running.stop();
      await embedded?.stop();
    },
  };
}
