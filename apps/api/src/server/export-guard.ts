import type { Response } from 'express';
import type { ExportLimits } from '../config';
import { ClmError } from '../core/errors';
import type { Principal } from '../core/principal';
import { authenticate } from './context';
import type { Logger } from './logger';
import type { Services } from './services';

/** How often a streaming export checks its client's pace. */
const CHECK_INTERVAL_MS = 1_000;
/** How often it asks the database again whether its key still holds (a revocation whose NOTIFY was missed). */
const KEY_RECHECK_MS = 2_500;

/** Who an export streams for: its key, as verified when it began, and how to verify it again. */
export type ExportCaller = { principal: Principal; authorization: unknown; services: Services; logger: Logger };

/**
 * Watches one streaming export and cuts it off (destroys the response, which
 * ends the stream and frees its slot and connection) when its client reads
 * slower than the minimum rate over a whole window, when it has run past the
 * total time limit, or when its key is revoked. What counts as read is what
 * the socket has handed to the kernel (`bytesWritten`): a client that stops
 * reading fills the kernel's buffers within one window and then takes nothing.
 */
export class ExportGuard {
  private readonly started = Date.now();
  private readonly samples: Array<{ at: number; delivered: number }> = [];
  private lastKeyCheck = Date.now();
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly response: Response,
    private readonly limits: ExportLimits,
    private readonly caller: ExportCaller,
  ) {
    this.samples.push({ at: this.started, delivered: this.delivered() });
    this.timer = setInterval(() => this.check(Date.now()), CHECK_INTERVAL_MS);
    this.timer.unref();
    response.once('close', () => this.stop());
  }

  get keyId(): string {
    return this.caller.principal.keyId;
  }

  /** Ends the export now, saying why in the log (the client only sees the response cut short: the CSV has begun). */
  cutOff(reason: string): void {
    if (this.stopped) return;
    this.caller.logger.warn({ keyName: this.caller.principal.name, reason }, 'a CSV export was cut off');
    this.stop();
    this.response.destroy();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private delivered(): number {
    return this.response.socket?.bytesWritten ?? 0;
  }

  private check(now: number): void {
    if (this.stopped) return;
    const { maxSeconds, minKbPerSecond, rateWindowSeconds } = this.limits;
    if (now - this.started > maxSeconds * 1000) {
      return this.cutOff(`still running after the ${maxSeconds} s limit for one export (CLM_EXPORT_MAX_SECONDS)`);
    }
    const delivered = this.delivered();
    this.samples.push({ at: now, delivered });
    // The newest sample at least a window old: the rate over the last window (or a little more).
    const windowStart = now - rateWindowSeconds * 1000;
    let from = -1;
    for (let index = 0; index < this.samples.length && this.samples[index].at <= windowStart; index++) from = index;
    if (from >= 0) {
      const sample = this.samples[from];
      this.samples.splice(0, from);
      const bytesPerSecond = (delivered - sample.delivered) / ((now - sample.at) / 1000);
      if (bytesPerSecond < minKbPerSecond * 1024) {
        return this.cutOff(
          `read slower than ${minKbPerSecond} KB/s over ${rateWindowSeconds} s (CLM_EXPORT_MIN_KB_PER_SECOND, CLM_EXPORT_RATE_WINDOW_SECONDS)`,
        );
      }
    }
    if (now - this.lastKeyCheck >= KEY_RECHECK_MS) {
      this.lastKeyCheck = now;
      authenticate(this.caller.services, this.caller.authorization, { fresh: true }).catch((error: unknown) => {
        if (error instanceof ClmError) this.cutOff('its API key was revoked');
      });
    }
  }
}

/**
 * The exports streaming on this instance: a key revoked here or announced by
 * another instance (the same announcement that closes its WebSockets) cuts
 * off every export streaming with it at once.
 */
export class StreamingExports {
  private readonly guards = new Set<ExportGuard>();

  constructor(services: Services) {
    services.apiKeys.onRevoked((keyId) => {
      for (const guard of this.guards) if (guard.keyId === keyId) guard.cutOff('its API key was revoked');
    });
  }

  /** Watches `guard` until the returned function is called (when the export ends, however it ends). */
  add(guard: ExportGuard): () => void {
    this.guards.add(guard);
    return () => {
      guard.stop();
      this.guards.delete(guard);
    };
  }
}
