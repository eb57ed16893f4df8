import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';
import pretty, { prettyFactory } from 'pino-pretty';
import type { PrettyOptions } from 'pino-pretty';

export type { Logger };

/** How log lines are written: JSON (one object per line, for machines) or readable lines for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';
/** LOG_FORMAT: a format, or `auto` (the default): readable on a terminal, JSON when stdout is a pipe or a file. */
export type LogFormatSetting = LogFormat | 'auto';

/**
 * Which format to write: what LOG_FORMAT asks for, and under `auto` readable
 * lines only when stdout is a terminal, so that a pipe, a file, a container's
 * log collector or `node main.js | pino-pretty` always get JSON.
 */
export function chooseLogFormat(setting: LogFormatSetting, stdoutIsTerminal: boolean): LogFormat {
  if (setting !== 'auto') return setting;
  return stdoutIsTerminal ? 'pretty' : 'json';
}

/**
 * A readable line: local time, level, message, then the fields on the same
 * line (an error's stack below it). `service` is left out: the terminal shows
 * one process.
 */
const PRETTY: PrettyOptions = { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', singleLine: true };

/**
 * Formats one log line as the terminal shows it. `colorize` unset leaves it
 * to the terminal (colorette: a TTY without NO_COLOR).
 */
export function formatLogLine(line: Record<string, unknown>, colorize?: boolean): string {
  return prettyFactory({ ...PRETTY, ...(colorize !== undefined && { colorize }) })(line);
}

/**
 * Structured logs on stdout (or `destination`), JSON or readable. Secrets are
 * never logged: requests are logged without headers.
 */
export function createLogger(level: string, format: LogFormat = 'json', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'clm-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['authorization', '*.authorization', 'key', '*.key', 'connectionParams'], censor: '[redacted]' },
  };
  // In this thread (no transport worker), written synchronously: a line logged just before process.exit is not lost.
  if (format === 'pretty') return pino(options, pretty({ ...PRETTY, destination: destination ?? 1, sync: true }));
  return destination === undefined ? pino(options) : pino(options, destination);
}
