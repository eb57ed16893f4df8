import { ApiKeyError, ApiKeyResolver } from './auth';
import { CampaignError, CampaignResolver } from './campaigns';
import { CustomerConnectionResolver, CustomerError, CustomerMergeResolver, CustomerResolver, IdentifyResolver } from './customers';
import { CustomerTransitionsResolver, LifecycleError, LifecycleResolver, StageTransitionConnectionResolver } from './lifecycle';
import manifest from './manifest.json';
import { MetricsResolver } from './metrics';
import { CustomerPlaybooksResolver, PlaybookError, PlaybookResolver } from './playbooks';
import { CustomerPredictionFieldsResolver, CustomerPredictionResolver, PredictionError, PredictionResolver } from './predictions';
import { ProjectionResolver } from './projections';
import { CustomerSegmentsResolver, SegmentError, SegmentResolver } from './segments';
import { CustomerTouchpointsResolver, TouchpointConnectionResolver, TouchpointResolver } from './touchpoints';
import { TrackingResolver } from './tracking';
import { WebhookError, WebhookResolver } from './webhooks';

/*
 * The one list of the API's modules. `manifest.json` holds the plain data
 * (name, what each may use, the tables it owns) that eslint.config.mjs reads
 * as well; this file adds what only TypeScript can hold: each module's
 * resolver classes and error codes. server/schema.ts, server/services.ts and
 * server/error-mapping.ts read them from here, so a new module is one entry
 * in each file.
 */

/** A module as manifest.json describes it. */
export type ModuleManifest = {
  name: string;
  summary: string;
  /** The modules it may import (through their index.ts) and whose exported relations its SQL may read. */
  uses: readonly string[];
  /** The tables it owns (creates in a migration, writes, and alone names in SQL); `metric_*` is a prefix. */
  tables: readonly string[];
};

export const MODULE_MANIFEST: readonly ModuleManifest[] = manifest.modules;

/** Tables of the layers below the modules (the migrations' bookkeeping, projection positions). */
export const PLATFORM_TABLES: readonly string[] = manifest.platformTables;

type ResolverClass = abstract new (...args: never[]) => object;

/**
 * Each module's resolvers (in the order the schema is built) and error codes
 * (`{}` for none), by the module's manifest name.
 */
export const MODULE_PARTS = {
  auth: { resolvers: [ApiKeyResolver], errors: ApiKeyError },
  customers: { resolvers: [CustomerResolver, CustomerConnectionResolver, IdentifyResolver, CustomerMergeResolver], errors: CustomerError },
  campaigns: { resolvers: [CampaignResolver], errors: CampaignError },
  lifecycle: {
    resolvers: [CustomerTransitionsResolver, LifecycleResolver, StageTransitionConnectionResolver],
    errors: LifecycleError,
  },
  touchpoints: { resolvers: [CustomerTouchpointsResolver, TouchpointResolver, TouchpointConnectionResolver], errors: {} },
  segments: { resolvers: [SegmentResolver, CustomerSegmentsResolver], errors: SegmentError },
  metrics: { resolvers: [MetricsResolver], errors: {} },
  tracking: { resolvers: [TrackingResolver], errors: {} },
  webhooks: { resolvers: [WebhookResolver], errors: WebhookError },
  playbooks: { resolvers: [PlaybookResolver, CustomerPlaybooksResolver], errors: PlaybookError },
  predictions: { resolvers: [PredictionResolver, CustomerPredictionResolver, CustomerPredictionFieldsResolver], errors: PredictionError },
  projections: { resolvers: [ProjectionResolver], errors: {} },
} as const satisfies Record<string, { resolvers: readonly ResolverClass[]; errors: Readonly<Record<string, string>> }>;

export type ModuleName = keyof typeof MODULE_PARTS;

type PartsOf<Name extends ModuleName> = (typeof MODULE_PARTS)[Name];

/** Every error code a module's `ClmError` can carry. */
export type ModuleErrorCode = { [Name in ModuleName]: PartsOf<Name>['errors'][keyof PartsOf<Name>['errors']] }[ModuleName];

/** Every module's resolver classes, module by module in manifest order. */
export const MODULE_RESOLVERS: readonly ResolverClass[] = MODULE_MANIFEST.flatMap((module) => partsOf(module.name).resolvers);

/** Every module's error codes, module by module in manifest order. */
export const MODULE_ERROR_CODES: readonly ModuleErrorCode[] = MODULE_MANIFEST.flatMap((module) =>
  Object.values<ModuleErrorCode>(partsOf(module.name).errors),
);

function partsOf(name: string): { resolvers: readonly ResolverClass[]; errors: Readonly<Record<string, ModuleErrorCode>> } {
  if (!isModuleName(name)) throw new Error(`modules/manifest.json names "${name}", which modules/manifest.ts does not`);
  return MODULE_PARTS[name];
}

function isModuleName(name: string): name is ModuleName {
  return Object.hasOwn(MODULE_PARTS, name);
}
