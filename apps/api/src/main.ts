import './production-mode';
import 'reflect-metadata';
import { startApp } from './app';
import { ConfigError, loadConfig } from './config';
import { PortUnavailableError } from './server/bind-port';
import { chooseLogFormat, createLogger } from './server/logger';

/** Bootstrap only: configuration, then the app, then signal handling. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`clm: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, chooseLogFormat(config.logFormat, process.stdout.isTTY === true));
  const app = await startApp(config, logger, (key) => {
    // Printed once, on the terminal, never into the JSON log.
    process.stderr.write(
      `\n  clm created an admin API key. It is shown only this once; store it now:\n\n    ${key}\n\n` +
        `  Send it as "Authorization: Bearer <key>". Create narrower keys with the createApiKey mutation.\n\n`,
    );
  });
  logger.info({ url: `${app.url}/graphql`, dashboard: app.url }, 'clm is ready');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    force.unref();
    app.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // Nothing was created: the port is taken before the database is touched. One sentence, no stack.
  if (error instanceof PortUnavailableError) {
    process.stderr.write(`clm: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`clm failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
