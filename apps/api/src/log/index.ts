/**
 * The event logs: append-only tables read in commit order, followed by one
 * tailer per instance, and the after-commit announcement that wakes them
 * (locally and, through LISTEN/NOTIFY, on every other instance). Modules
 * define their own logs (stage transitions, touchpoints) on top of this.
 */
export { CommitNotifier, EVENTS_CHANNEL } from './commit-notifier';
export { EventLog } from './event-log';
export type { LogEntry, LogSource } from './event-log';
export { LogError, subscriberBehind } from './log.errors';
export type { LogErrorCode } from './log.errors';
export {
  advance,
  cursorAtSnapshot,
  decodeCursor as decodeLogCursor,
  encodeCursor as encodeLogCursor,
  LOG_START,
  parseSnapshot,
} from './log-position';
export type { LogCursor, LogPosition, Snapshot } from './log-position';
export { LogTailer, MAX_BUFFERED, replayThenFollow } from './log-tailer';
export type { LogSink } from './log-tailer';
export { PgListener } from './pg-listener';
export { LiveFeed, LogStream } from './log-stream';
export { readDatabaseFingerprint } from './database-identity';
export type { StreamEvent } from './log-stream';
export { Projector } from './projection';
export { storedPosition } from './projection-steps';
export type { RetryOutcome } from './projection';
export type { LogRange, ProjectedLog } from './projection-steps';
export { listFailures } from './projection-failures';
export type { FailedRow, ProjectionFailure } from './projection-failures';
export { HealthWatch } from './projection-health';
export type { HealthThresholds, ProjectionHealth, ProjectionState } from './projection-health';
