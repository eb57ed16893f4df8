import pino from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout. Secrets are never logged: requests are logged without headers. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'clm-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['authorization', '*.authorization', 'key', '*.key', 'connectionParams'], censor: '[redacted]' },
  });
}
