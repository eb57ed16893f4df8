import type { ResolverData } from 'type-graphql';
import type { RequestContext } from '../core/request-context';
import { Streams } from '../core/request-context';
import { Db } from '../database/db';
import type { ReadReplicaOptions } from '../database/db';
import { sql } from '../database/sql';
import type { WorkKind, WorkLimits } from '../database/work-kinds';
import { timelineLoader, TimelineReader } from '../database/timeline';
import { CommitNotifier, EVENTS_CHANNEL, HealthWatch, LogStream, PgListener, Projector, readDatabaseFingerprint } from '../log';
import type { HealthThresholds, ProjectionHealth, ProjectionState } from '../log';
import { ApiKeyResolver, ApiKeyService, KEYS_CHANNEL } from '../modules/auth';
import { CampaignResolver, CampaignService } from '../modules/campaigns';
import type { CampaignRelations } from '../modules/campaigns';
import {
  CustomerPredictionFieldsResolver,
  CustomerPredictionResolver,
  PredictionResolver,
  PredictionSchedule,
  PredictionService,
} from '../modules/predictions';
import { ProjectionResolver, ProjectionService } from '../modules/projections';
import {
  CUSTOMER_MERGE_LOG,
  CUSTOMER_MERGE_STREAM,
  CustomerConnectionResolver,
  CustomerMergeResolver,
  CustomerResolver,
  CustomerService,
  IdentifyResolver,
  IdentifyService,
  MergeService,
} from '../modules/customers';
import type { CustomerRelations } from '../modules/customers';
import { MODULE_RESOLVERS } from '../modules/manifest';
import { mergeHooksOf } from './merge-hooks';
import {
  CUSTOMER_ACQUISITIONS_TABLE,
  METRIC_CUSTOMER_SCORES_TABLE,
  METRIC_TOUCHPOINTS_DAILY_TABLE,
  METRICS_PROJECTION,
  MetricsProjection,
  MetricsResolver,
  MetricsService,
  recordErasure,
} from '../modules/metrics';
import {
  CustomerTransitionsResolver,
  JourneyWriter,
  LifecycleModelService,
  LifecycleResolver,
  LifecycleService,
  MODEL_CHANNEL,
  StageTransitionConnectionResolver,
  TRANSITION_LOG,
  TRANSITION_STREAM,
  TRANSITION_TIMELINE,
} from '../modules/lifecycle';
import {
  CustomerTouchpointsResolver,
  IngestService,
  keepMessageIdsOf,
  TOUCHPOINT_LOG,
  TOUCHPOINT_STREAM,
  TOUCHPOINT_TIMELINE,
  TouchpointConnectionResolver,
  TouchpointResolver,
} from '../modules/touchpoints';
import {
  CustomerSegmentsResolver,
  SEGMENT_CHANGE_LOG,
  SEGMENT_CHANGE_STREAM,
  SegmentProjection,
  SegmentResolver,
  SegmentSchedule,
  SegmentService,
  segmentMembers,
} from '../modules/segments';
import type { SegmentRelations } from '../modules/segments';
import { TrackingMappings, TrackingResolver, TrackingService } from '../modules/tracking';
import {
  CustomerPlaybooksResolver,
  PlaybookProjection,
  PLAYBOOK_FIRED_SOURCE,
  PlaybookResolver,
  PlaybookRunner,
  PlaybookSchedule,
  PlaybookService,
} from '../modules/playbooks';
import {
  AddressPolicy,
  CUSTOMER_MERGE_SOURCE,
  resolveWithDns,
  SEGMENT_CHANGE_SOURCE,
  STAGE_CHANGE_SOURCE,
  WebhookDeliveryService,
  WebhookDispatcher,
  WebhookEndpointService,
  WebhookFanOut,
  WebhookResolver,
  WebhookSender,
  WebhookSources,
} from '../modules/webhooks';
import type { DispatcherOptions, Resolve } from '../modules/webhooks';
import { servicesOf } from './work-scope';

/**
 * The services that reach the database for one caller, built on one Db view
 * (its kind of work, and the signal that cancels its statements), and the
 * resolvers built on them. A request gets its own (`Services.scoped`, built on
 * the view server/work-scope.ts makes for it); the instance's own run as
 * background work. Each service and resolver is built when first used, so a
 * request builds the few its resolvers reach; the state worth keeping (the
 * lifecycle model, verified keys, the ingest queue, prepared statements)
 * lives in what is built once.
 */
export type ScopedServices = {
  customers: CustomerService;
  /** Identify (Segment identify and alias): who customers are, without recording activity. */
  identify: IdentifyService;
  /** Merges and unmerges of customers, by hand and from events linking two customers. */
  merges: MergeService;
  lifecycle: LifecycleService;
  ingest: IngestService;
  metrics: MetricsService;
  /** The projections' health (what /healthz and /readyz report) and their skipped rows. */
  projections: ProjectionService;
  segments: SegmentService;
  campaigns: CampaignService;
  /** The Segment-compatible ingest behind /v1. */
  tracking: TrackingService;
  playbooks: PlaybookService;
  /** Webhook endpoints: registration, secrets, enabling. */
  webhookEndpoints: WebhookEndpointService;
  /** Webhook delivery logs, redeliver, replay, test send. */
  webhookDeliveries: WebhookDeliveryService;
  predictions: PredictionService;
  /** The resolver instances, for type-graphql's container. */
  resolvers: ResolverRegistry;
};

/**
 * The composition root: every service of one API instance, wired once at
 * start-up, and the resolvers built with exactly the services they use.
 * Modules never reach each other's services through the request context.
 */
export type Services = ScopedServices & {
  db: Db;
  apiKeys: ApiKeyService;
  models: LifecycleModelService;
  /** Follows the logs into the read models (metrics, segments); tests wait on `catchUp()`. */
  projector: Projector;
  /** The webhook event sources; modules with a log of their own register theirs here (see docs/architecture.md). */
  webhookSources: WebhookSources;
  /** The playbooks' stored schedule (delays, time triggers); tests run it with an explicit time. */
  playbookRunner: PlaybookRunner;
  /** Sends due webhook deliveries (background work). */
  webhookDispatcher: WebhookDispatcher;
  streams: Streams;
  /** The scheduled refits; tests call `runOnce()`. */
  predictionSchedule: PredictionSchedule;
  /** The services and resolvers on `db` (a view of this instance's Db): every statement they run takes its kind and signal. */
  scoped: (db: Db) => ScopedServices;
  stop: () => Promise<void>;
};

/** What the customers module reads of the modules above it: a list filtered by segment, or by the customers a metric counts. */
export function customerRelations(metrics: () => MetricsService): CustomerRelations {
  return { segmentMembers, metricMembers: (spec) => metrics().members(spec) };
}

/** What the campaigns module reads of the modules above it: the daily touchpoint rollup. */
export const CAMPAIGN_RELATIONS: CampaignRelations = { touchpointsDaily: sql.raw(METRIC_TOUCHPOINTS_DAILY_TABLE) };

/** What segment rules read of the modules above them: acquisitions and per-customer daily scores. */
export const SEGMENT_RELATIONS: SegmentRelations = {
  acquisitions: sql.raw(CUSTOMER_ACQUISITIONS_TABLE),
  customerScores: sql.raw(METRIC_CUSTOMER_SCORES_TABLE),
};

type ResolverClass = abstract new (...args: never[]) => object;

/** `make()`, called on first use and kept. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | null = null;
  return () => (made ??= { value: make() }).value;
}

/** The resolvers of one set of services, each built the first time type-graphql asks for it. */
export class ResolverRegistry {
  private readonly built = new Map<ResolverClass, object>();

  constructor(private readonly makers: ReadonlyArray<readonly [ResolverClass, () => object]>) {}

  has(resolverClass: ResolverClass): boolean {
    return this.makers.some(([wired]) => wired === resolverClass);
  }

  get(resolverClass: ResolverClass): object | undefined {
    let resolver = this.built.get(resolverClass);
    if (!resolver) {
      const make = this.makers.find(([wired]) => wired === resolverClass)?.[1];
      if (!make) return undefined;
      resolver = make();
      this.built.set(resolverClass, resolver);
    }
    return resolver;
  }
}

export type ServiceOptions = {
  url: string;
  /** Connections for interactive reads. */
  poolSize: number;
  /** Time limits and connections per kind of work (database/work-kinds.ts); defaults for the kinds not given. */
  limits?: Partial<WorkLimits>;
  /** idle_in_transaction_session_timeout per kind where it is not the statement limit (exports: their total time limit). */
  idleInTransactionMs?: Partial<Record<WorkKind, number>>;
  ingestWriters?: number;
  /** How often every segment is re-evaluated as time passes; 0 or absent: never (tests call refreshOnSchedule). */
  segmentRefreshSeconds?: number;
  /** How often the playbooks' schedule runs (and soon after a trigger due at once); 0 or absent: never (tests call playbookRunner.run). */
  playbookSeconds?: number;
  /** How often the prediction models are refitted; 0 or absent: never (tests call predictionSchedule.runOnce). */
  predictionRefitSeconds?: number;
  /** When a projection counts as stalled or lagging (defaults: the configuration's). */
  projectionHealth?: HealthThresholds;
  /** Webhooks: hosts and ranges allowed although private (CLM_WEBHOOK_ALLOW), DNS (tests give their own), the dispatcher's knobs. */
  webhooks?: {
    allow?: readonly string[];
    resolve?: Resolve;
    timeoutMs?: number;
    dispatcher?: Omit<DispatcherOptions, 'onError'>;
  };
  /** A streaming replica for query operations, previews, metrics and exports (CLM_READ_DATABASE_URL and its limits). */
  readReplica?: ReadReplicaOptions | null;
  onError: (error: unknown) => void;
  /** Something an operator should know that is not an error of clm's (a row a projection skipped, a projection stalled). */
  onNotice?: (message: string, details: Record<string, unknown>) => void;
};

/**
 * The registry of webhook event sources: stage changes and segment changes.
 * A module whose log should become webhook events exports a
 * `WebhookEventSource` and is registered here (docs/architecture.md).
 */
export function webhookSourcesOf(): WebhookSources {
  return new WebhookSources()
    .register(STAGE_CHANGE_SOURCE)
    .register(SEGMENT_CHANGE_SOURCE)
    .register(CUSTOMER_MERGE_SOURCE)
    .register(PLAYBOOK_FIRED_SOURCE);
}

/** The defaults of CLM_PROJECTION_STALL_SECONDS, CLM_PROJECTION_LAG_ROWS and CLM_PROJECTION_LAG_SECONDS. */
export const DEFAULT_PROJECTION_HEALTH: HealthThresholds = { stallSeconds: 120, lagRows: 50_000, lagSeconds: 300 };

/** How often projection health is checked for the log's state-change lines. */
const HEALTH_WATCH_MS = 10_000;

export async function createServices(options: ServiceOptions): Promise<Services> {
  const db = Db.open({
    url: options.url,
    poolSize: options.poolSize,
    limits: options.limits,
    idleInTransactionMs: options.idleInTransactionMs,
    onError: options.onError,
    readReplica: options.readReplica,
    onNotice: options.onNotice,
  });
  // The replica's first measurement before any request: until then reads would go to the primary.
  await db.checkReplica();
  const listener = new PgListener(options.url, options.onError);
  // Background work runs on its own connections and limits, and no request's client leaving cancels it.
  const streamDb = db.forKind('read');
  // Every cursor handed out names this database, so a cursor of another one is refused.
  const database = await readDatabaseFingerprint(db.forKind('background'));
  const transitionStream = LogStream.of(streamDb, TRANSITION_LOG, options.onError, database);
  const touchpointStream = LogStream.of(streamDb, TOUCHPOINT_LOG, options.onError, database);
  const segmentChangeStream = LogStream.of(streamDb, SEGMENT_CHANGE_LOG, options.onError, database);
  const mergeStream = LogStream.of(streamDb, CUSTOMER_MERGE_LOG, options.onError, database);
  const notice = options.onNotice ?? (() => undefined);
  const projector = new Projector(db.forKind('projection'), {
    onError: options.onError,
    onRowFailed: (row) =>
      notice('a projection skipped a log row it could not apply (see projectionFailures; retried every minute)', {
        projection: row.projection,
        log: row.log,
        row: `${row.position.txId}:${row.position.id}`,
        error: row.error,
      }),
  });
  const pokeStreams = () => {
    transitionStream.poke();
    touchpointStream.poke();
    segmentChangeStream.poke();
    mergeStream.poke();
    projector.poke();
  };
  const notifier = new CommitNotifier(db.forKind('ingest'), pokeStreams, options.onError);
  // Every transaction that appended to a log is announced after COMMIT, here and to the other instances.
  db.onLogAppended = () => notifier.committed();
  listener.on(EVENTS_CHANNEL, pokeStreams);

  // Shared by every request: its load must not be cancelled by one client leaving, and key checks come before a request
  // says what it is. Both are small statements on the interactive reads' connections.
  const models = new LifecycleModelService(db.forKind('read'));
  listener.on(MODEL_CHANNEL, () => models.invalidate());
  const apiKeys = new ApiKeyService(db.forKind('read'));
  // A key revoked on another instance is forgotten here at once (its cache entry would otherwise live up to 5 s).
  listener.on(KEYS_CHANNEL, (keyId) => apiKeys.forget(keyId));
  const journeys = new JourneyWriter();
  // Merges run in the unit of work of whoever merges (a request's, ingest's); the segments their hooks re-evaluate with
  // are the instance's own, set once the services are built (hooks run only once requests do).
  let segmentsOfInstance: SegmentService | null = null;
  const merges = new MergeService(
    db,
    mergeHooksOf(models, journeys, () => {
      if (segmentsOfInstance === null) throw new Error('a merge ran before the services were built');
      return segmentsOfInstance;
    }),
  );
  const ingest = new IngestService(db, models, journeys, merges, options.ingestWriters);
  const transitionTimeline = new TimelineReader(db, TRANSITION_TIMELINE);
  const touchpointTimeline = new TimelineReader(db, TOUCHPOINT_TIMELINE);
  const health = options.projectionHealth ?? DEFAULT_PROJECTION_HEALTH;
  // The /v1 mapping in force, shared by every request (each would otherwise read it again).
  const trackingMappings = new TrackingMappings();
  // Every source of webhook events, in one registry; the consumer follows each one's log (registered below, after segments).
  const webhookSources = webhookSourcesOf();
  const addressPolicy = new AddressPolicy(options.webhooks?.allow ?? []);
  const webhookResolve = options.webhooks?.resolve ?? resolveWithDns;
  const webhookSender = new WebhookSender(addressPolicy, webhookResolve, options.webhooks?.timeoutMs);
  // Its own connections and limits: the statements are short, and no request's client leaving may cancel them.
  const webhookDispatcher = new WebhookDispatcher(db.forKind('background'), webhookSender, {
    ...options.webhooks?.dispatcher,
    onError: options.onError,
  });

  const scoped = (db: Db): ScopedServices => {
    // A request builds only what its resolvers reach (a page of customers: the customers service and three resolvers),
    // each once, on first use.
    const metrics = once(() => new MetricsService(db, () => models.current(), database));
    // The overview counts from the metrics projection (plus the log's tail) instead of scanning customers.
    const lifecycle = once(
      () =>
        new LifecycleService(
          db,
          models,
          journeys,
          {
            counts: () => metrics().stageCounts(),
            flows: (from, to) => metrics().stageFlows(from, to),
          },
          database,
        ),
    );
    const customers = once(
      (): CustomerService =>
        new CustomerService(
          db,
          {
            created: (uow, customerId, at) => lifecycle().enter(uow, customerId, at),
            deleting: async (uow, customerId) => {
              await keepMessageIdsOf(uow, customerId);
              await recordErasure(uow, customerId);
              await segments().customerDeleting(uow, customerId);
            },
            updated: (uow, customerId) => segments().customerUpdated(uow, customerId),
          },
          customerRelations(metrics),
        ),
    );
    const segments = once((): SegmentService => new SegmentService(db, customers(), SEGMENT_RELATIONS));
    const requestMerges = once(() => merges.on(db));
    const identify = once(
      () => new IdentifyService(db, { updated: (uow, customerId) => segments().customerUpdated(uow, customerId) }, requestMerges()),
    );
    const requestIngest = once(() => ingest.on(db));
    const tracking = once(
      () => new TrackingService(db, requestIngest(), (items, path) => identify().identify(items, path), trackingMappings),
    );
    const campaigns = once(() => new CampaignService(db, CAMPAIGN_RELATIONS));
    const predictions = once(() => new PredictionService(db));
    const projections = once(() => new ProjectionService(db, projector, health));
    const playbooks = once(() => new PlaybookService(db, { model: () => models.current(), segments: () => segments().list() }));
    const webhookEndpoints = once(
      () => new WebhookEndpointService(db, webhookSources, () => models.current(), addressPolicy, webhookResolve),
    );
    const webhookDeliveries = once(() => new WebhookDeliveryService(db, webhookDispatcher));
    const resolvers = new ResolverRegistry([
      [ApiKeyResolver, () => new ApiKeyResolver(apiKeys)],
      [MetricsResolver, () => new MetricsResolver(metrics())],
      [CampaignResolver, () => new CampaignResolver(campaigns())],
      [PredictionResolver, () => new PredictionResolver(predictions())],
      [CustomerPredictionResolver, () => new CustomerPredictionResolver(predictions())],
      [CustomerPredictionFieldsResolver, () => new CustomerPredictionFieldsResolver()],
      [ProjectionResolver, () => new ProjectionResolver(projections())],
      [CustomerResolver, () => new CustomerResolver(customers())],
      [CustomerConnectionResolver, () => new CustomerConnectionResolver()],
      [IdentifyResolver, () => new IdentifyResolver(identify())],
      [CustomerMergeResolver, () => new CustomerMergeResolver(requestMerges())],
      [LifecycleResolver, () => new LifecycleResolver(models, lifecycle(), customers())],
      [CustomerTransitionsResolver, () => new CustomerTransitionsResolver(timelineLoader(transitionTimeline.on(db)))],
      [StageTransitionConnectionResolver, () => new StageTransitionConnectionResolver()],
      [TouchpointResolver, () => new TouchpointResolver(requestIngest(), customers())],
      [SegmentResolver, () => new SegmentResolver(segments())],
      [CustomerSegmentsResolver, () => new CustomerSegmentsResolver(segments())],
      [CustomerTouchpointsResolver, () => new CustomerTouchpointsResolver(timelineLoader(touchpointTimeline.on(db)))],
      [TouchpointConnectionResolver, () => new TouchpointConnectionResolver()],
      [TrackingResolver, () => new TrackingResolver(tracking())],
      [PlaybookResolver, () => new PlaybookResolver(playbooks())],
      [CustomerPlaybooksResolver, () => new CustomerPlaybooksResolver(playbooks())],
      [WebhookResolver, () => new WebhookResolver(webhookEndpoints(), webhookDeliveries())],
    ]);
    return {
      get customers() {
        return customers();
      },
      get identify() {
        return identify();
      },
      get merges() {
        return requestMerges();
      },
      get lifecycle() {
        return lifecycle();
      },
      get ingest() {
        return requestIngest();
      },
      get metrics() {
        return metrics();
      },
      get segments() {
        return segments();
      },
      get campaigns() {
        return campaigns();
      },
      get projections() {
        return projections();
      },
      get tracking() {
        return tracking();
      },
      get playbooks() {
        return playbooks();
      },
      get webhookEndpoints() {
        return webhookEndpoints();
      },
      get webhookDeliveries() {
        return webhookDeliveries();
      },
      get predictions() {
        return predictions();
      },
      resolvers,
    };
  };

  const own = scoped(db);
  segmentsOfInstance = own.segments;
  // Every resolver the manifest lists is wired here, or the instance does not start.
  const unwired = MODULE_RESOLVERS.filter((resolverClass) => !own.resolvers.has(resolverClass));
  if (unwired.length > 0) throw new Error(`no instance of ${unwired.map((type) => type.name).join(', ')} was wired in server/services.ts`);
  const segmentSchedule = new SegmentSchedule(own.segments, options.segmentRefreshSeconds ?? 0, options.onError);
  // Scheduled refits run outside any request, with the background kind's connections and limits.
  const predictionSchedule = new PredictionSchedule(
    new PredictionService(db.forKind('background')),
    options.predictionRefitSeconds ?? 0,
    options.onError,
  );
  new MetricsProjection(() => models.current()).register(projector);
  // After metrics: rules read the acquisitions it writes.
  new SegmentProjection(own.segments).register(projector, { after: METRICS_PROJECTION });
  // After segments, whose log it reads; queued deliveries wake the dispatcher after the step's COMMIT.
  new WebhookFanOut(webhookSources, () => webhookDispatcher.poke()).register(projector);
  // Delays and time triggers, as background work; the projection pokes it when it records a hit due at once.
  const playbookRunner = new PlaybookRunner(db.forKind('background'), SEGMENT_RELATIONS);
  const playbookSchedule = new PlaybookSchedule(playbookRunner, options.playbookSeconds ?? 0, options.onError);
  new PlaybookProjection(() => playbookSchedule.poke()).register(projector);
  const healthWatch = new HealthWatch(() => own.projections.health(), healthChanged(notice), options.onError);
  const streams = new Streams()
    .register(TRANSITION_STREAM, transitionStream)
    .register(TOUCHPOINT_STREAM, touchpointStream)
    .register(SEGMENT_CHANGE_STREAM, segmentChangeStream)
    .register(CUSTOMER_MERGE_STREAM, mergeStream);

  await listener.start();
  projector.start();
  webhookDispatcher.start();
  // Only where someone reads the notices (the app's log): tests counting statements see no background health reads.
  if (options.onNotice) healthWatch.start(HEALTH_WATCH_MS);
  segmentSchedule.start();
  playbookSchedule.start();
  predictionSchedule.start();
  return {
    ...own,
    db,
    apiKeys,
    models,
    webhookSources,
    playbookRunner,
    webhookDispatcher,
    projector,
    streams,
    predictionSchedule,
    scoped,
    /** Ends every subscription, waits for reads and announcements in flight, closes the listener and the pool. */
    stop: async () => {
      healthWatch.stop();
      await Promise.all([
        transitionStream.stop(),
        touchpointStream.stop(),
        segmentChangeStream.stop(),
        mergeStream.stop(),
        projector.stop(),
        segmentSchedule.stop(),
        playbookSchedule.stop(),
        webhookDispatcher.stop(),
        predictionSchedule.stop(),
      ]);
      webhookSender.close();
      await notifier.drain();
      await listener.stop();
      await db.end();
    },
  };
}

/** One log line per change of a projection's state, saying what it is now and why. */
function healthChanged(notice: (message: string, details: Record<string, unknown>) => void) {
  return (health: ProjectionHealth, previous: ProjectionState) =>
    notice(health.state === 'ok' ? `projection ${health.projection} has caught up` : `projection ${health.projection} is ${health.state}`, {
      ...health,
      previous,
    });
}

/** type-graphql's container: resolvers come from the composition root. */
export function resolverContainer(services: Services) {
  return {
    get: (resolverClass: ResolverClass, { context }: ResolverData<RequestContext>) => {
      // A request's resolvers are built on its work scope (its kind of work and cancellation).
      const resolver = servicesOf(services, context).resolvers.get(resolverClass);
      if (!resolver) throw new Error(`no instance of ${resolverClass.name} was wired in server/services.ts`);
      return resolver;
    },
  };
}
