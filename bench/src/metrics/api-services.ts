import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Log from '@clm/api/log/index';
import type * as Metrics from '@clm/api/modules/metrics/index';
import type * as Segments from '@clm/api/modules/segments/index';
import type * as ServicesModule from '@clm/api/server/services';
import type { ServiceOptions, Services } from '@clm/api/server/services';
import pg from 'pg';

/**
 * A metrics request as the API types it, its enums written as their values:
 * the benchmark never loads the API's enums itself, since `--api-dist`
 * decides which build runs.
 */
export type MetricsRequest = Omit<Metrics.MetricsRequest, 'bucket' | 'attribution'> & {
  bucket: `${Metrics.Bucket}`;
  attribution: `${Metrics.Attribution}`;
};
export type MetricsQuery = Metrics.MetricsQuery;

/** The API's metrics service, asked with a request as the benchmark writes it. */
export type MetricsService = Omit<Metrics.MetricsService, 'query'> & { query(request: MetricsRequest): Promise<MetricsQuery> };

/**
 * One metric's answer: `metric(name, query)` of the registry, or, in a build
 * from before it (`--api-dist`), the method named after the metric.
 */
export function computeMetric(metrics: MetricsService, name: Metrics.MetricName, query: MetricsQuery): Promise<unknown> {
  if (Reflect.has(metrics, 'metric')) return metrics.metric(name, query);
  const method: unknown = Reflect.get(metrics, name);
  if (typeof method !== 'function') throw new Error(`this API build has no metric ${name}`);
  return Promise.resolve<unknown>(Reflect.apply(method, metrics, [query]));
}

/** The services of an API build this benchmark drives in-process (apps/api/dist is CommonJS). */
export type ApiServices = Pick<Services, 'db' | 'models' | 'segments' | 'projector' | 'stop'> & { metrics: MetricsService };
type CreateServices = (options: ServiceOptions) => Promise<ApiServices>;

/** `createServices` of the API build in `apiDist` (the composition root the API itself starts from). */
export function loadCreateServices(apiDist: string): CreateServices {
  const require = createRequire(pathToFileURL(path.join(apiDist, 'main.js')));
  // What main.js loads before anything else: the decorators' metadata polyfill (and production mode).
  require(path.join(apiDist, 'production-mode.js'));
  require('reflect-metadata');
  const services: typeof ServicesModule = require(path.join(apiDist, 'server/services.js'));
  return services.createServices;
}

/** Reads the log position a cursor of the API carries (`decodeLogCursor` of log/). */
export type CursorDecoder = (cursor: string) => { position: { txId: bigint; id: bigint } };

/** The cursor decoder of the API build in `apiDist`, so the benchmark reads whatever cursors that build writes. */
export function loadCursorDecoder(apiDist: string): CursorDecoder {
  const require = createRequire(pathToFileURL(path.join(apiDist, 'main.js')));
  const log: typeof Log = require(path.join(apiDist, 'log/index.js'));
  return (cursor) => log.decodeLogCursor(cursor);
}

/**
 * A projector of the API build with the same projections as `createServices`
 * wires (metrics, then segments after it) over the services' pool, but
 * `batchSize` rows per transaction instead of the default: the same SQL over
 * longer stretches of the logs. The services' own projector is stopped first.
 */
export async function projectorWithBatch(apiDist: string, services: ApiServices, batchSize: number, onError: (error: unknown) => void) {
  await services.projector.stop();
  const require = createRequire(pathToFileURL(path.join(apiDist, 'main.js')));
  const log: typeof Log = require(path.join(apiDist, 'log/index.js'));
  const metrics: typeof Metrics = require(path.join(apiDist, 'modules/metrics/index.js'));
  const segments: typeof Segments = require(path.join(apiDist, 'modules/segments/index.js'));
  const projector = new log.Projector(services.db, { batchSize, onError });
  new metrics.MetricsProjection(() => services.models.current()).register(projector);
  new segments.SegmentProjection(services.segments).register(projector, { after: metrics.METRICS_PROJECTION });
  return projector;
}

/** Time and calls per SQL statement, with the parameters of the last call (for EXPLAIN). */
export type StatementStats = { text: string; calls: number; ms: number; lastParameters: unknown[] };

/**
 * Times every statement the API's own connections (application_name `clm:<kind of work>`)
 * run, by statement text: the pool clients of the services built in this
 * process share the `pg` module with the benchmark, so wrapping
 * `Client.prototype.query` sees them all, start to result.
 */
export class StatementProfiler {
  private readonly stats = new Map<string, StatementStats>();
  private enabled = false;
  private installed = false;

  install(): void {
    if (this.installed) return;
    this.installed = true;
    const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    const enabled = () => this.enabled;
    const store = (text: string, parameters: unknown[], ms: number) => this.record(text, parameters, ms);
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const application = (this as unknown as { connectionParameters?: { application_name?: string } }).connectionParameters
        ?.application_name;
      if (!enabled() || !application?.startsWith('clm:')) return original.apply(this, args);
      const [first, second] = args;
      const text = typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? '');
      const parameters = (Array.isArray(second) ? second : ((first as { values?: unknown[] } | null)?.values ?? [])) as unknown[];
      const started = performance.now();
      const record = () => store(text, parameters, performance.now() - started);
      // The pool's own query() passes a callback; a checked-out client's returns a promise.
      const callback = args.at(-1);
      if (typeof callback === 'function') {
        args[args.length - 1] = (...results: unknown[]) => {
          record();
          return (callback as (...values: unknown[]) => unknown)(...results);
        };
      }
      const result = original.apply(this, args);
      if (typeof callback !== 'function' && isPromise(result)) result.then(record, record);
      return result;
    } as typeof pg.Client.prototype.query;
  }

  start(): void {
    this.stats.clear();
    this.enabled = true;
  }

  /** What has been recorded so far, still recording. */
  snapshot(): StatementStats[] {
    return [...this.stats.values()];
  }

  stop(): StatementStats[] {
    this.enabled = false;
    return [...this.stats.values()].sort((a, b) => b.ms - a.ms);
  }

  private record(text: string, parameters: unknown[], ms: number): void {
    const entry = this.stats.get(text) ?? { text, calls: 0, ms: 0, lastParameters: [] };
    entry.calls += 1;
    entry.ms += ms;
    entry.lastParameters = parameters;
    this.stats.set(text, entry);
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** A statement on one line: the table it writes (if any), then its text, cut to `width` characters. */
export function statementLabel(text: string, width = 100): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const target = /\b(INSERT INTO|UPDATE|DELETE FROM) (\w+)/.exec(line);
  const head = target ? `[${target[1].split(' ')[0].toLowerCase()} ${target[2]}] ` : '';
  const full = head + line;
  return full.length > width ? `${full.slice(0, width - 1)}…` : full;
}
