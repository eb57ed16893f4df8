import { allStageKeys } from '@clm/schema';
import type { LifecycleModel } from '@clm/schema';
import { ClmError, CoreError, invalidInput } from '../../core/errors';
import type { CoreErrorCode } from '../../core/errors';
import { isUuid } from '../../core/ids';
import type { Db } from '../../database/db';
import type { AddressPolicy } from './address-policy';
import { checkDestination } from './destination-check';
import type { Resolve } from './destination-check';
import { endpointIssues } from './endpoint-validation';
import type { EndpointDraft, EndpointIssue } from './endpoint-validation';
import { newSecret } from './signature';
import {
  deleteEndpoint,
  disableEndpoint,
  enableEndpoint,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  rotateSecret,
  toEndpoint,
  unknownSegments,
  updateEndpoint,
} from './webhook-endpoint.sql';
import type { EndpointFields, EndpointRow } from './webhook-endpoint.sql';
import { endpointNotFound } from './webhook.errors';
import type { WebhookSources } from './webhook-source';
import type { WebhookEndpoint } from './webhook.type';

/** How long the previous secret keeps signing after a rotation. */
export const ROTATION_GRACE_HOURS = 24;

/** An endpoint with its secret, answered once. */
export type EndpointWithSecret = { endpoint: WebhookEndpoint; secret: string };

/** A draft with problems: every one named with its path. */
function invalidEndpoint(issues: readonly EndpointIssue[]): ClmError<CoreErrorCode> {
  const listed = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return new ClmError(CoreError.INVALID_INPUT, `the webhook endpoint is invalid: ${listed}`, { field: issues[0].path, issues });
}

/** Refuses an id that is not a uuid as NOT_FOUND (it names no endpoint), before it reaches SQL. */
function endpointId(id: string, field = 'id'): string {
  if (!isUuid(id)) throw endpointNotFound(id.length > 64 ? `${id.slice(0, 64)}…` : id, field);
  return id;
}

/**
 * Registering endpoints: validation (every problem at once), the address
 * check (DNS, the policy), secrets and their rotation, enabling one again.
 */
export class WebhookEndpointService {
  constructor(
    private readonly db: Db,
    private readonly sources: WebhookSources,
    private readonly model: () => Promise<LifecycleModel>,
    private readonly policy: AddressPolicy,
    private readonly resolve: Resolve,
  ) {}

  /** The event types endpoints may subscribe to. */
  eventTypes(): string[] {
    return this.sources.eventTypes();
  }

  async list(): Promise<WebhookEndpoint[]> {
    return (await listEndpoints(this.db)).map(toEndpoint);
  }

  async find(id: string): Promise<WebhookEndpoint | null> {
    if (!isUuid(id)) return null;
    const row = await findEndpoint(this.db, id);
    return row ? toEndpoint(row) : null;
  }

  /** Registers an endpoint; its secret is in the answer and never again. */
  async create(draft: EndpointDraft, actor: string): Promise<EndpointWithSecret> {
    const fields = await this.checked(draft, null);
    const secret = newSecret();
    const row = await insertEndpoint(this.db, fields, secret, actor);
    return { endpoint: toEndpoint(row), secret };
  }

  async update(id: string, draft: EndpointDraft): Promise<WebhookEndpoint> {
    const current = await this.existing(endpointId(id));
    const fields = await this.checked(draft, current);
    const row = await updateEndpoint(this.db, id, fields);
    if (!row) throw endpointNotFound(id);
    return toEndpoint(row);
  }

  /** Deletes an endpoint with its delivery log; whether there was one. */
  async delete(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    return deleteEndpoint(this.db, id);
  }

  /** A new secret; the old one signs beside it for 24 hours. */
  async rotateSecret(id: string): Promise<EndpointWithSecret> {
    const secret = newSecret();
    const row = await rotateSecret(this.db, endpointId(id), secret, ROTATION_GRACE_HOURS);
    if (!row) throw endpointNotFound(id);
    return { endpoint: toEndpoint(row), secret };
  }

  async enable(id: string): Promise<WebhookEndpoint> {
    const row = await enableEndpoint(this.db, endpointId(id));
    if (!row) throw endpointNotFound(id);
    return toEndpoint(row);
  }

  async disable(id: string, reason: string | null, actor: string): Promise<WebhookEndpoint> {
    await this.existing(endpointId(id));
    const text = reason?.trim() ? reason.trim() : 'no reason given';
    if (text.length > 500) throw invalidInput('reason', `must be at most 500 characters, got ${text.length}`);
    await disableEndpoint(this.db, id, `disabled by ${actor}: ${text}`);
    return toEndpoint(await this.existing(id));
  }

  private async existing(id: string): Promise<EndpointRow> {
    const row = await findEndpoint(this.db, id);
    if (!row) throw endpointNotFound(id);
    return row;
  }

  /** The fields to store: the draft over `current` (null when creating), validated; the URL's destination checked. */
  private async checked(draft: EndpointDraft, current: EndpointRow | null): Promise<EndpointFields> {
    const rules = { eventTypes: this.sources.eventTypes(), stages: allStageKeys(await this.model()) };
    const issues = endpointIssues(draft, rules, current === null);
    if (issues.length > 0) throw invalidEndpoint(issues);
    const segmentIds = draft.segmentIds === undefined ? (current?.filter_segments ?? null) : draft.segmentIds;
    if (draft.segmentIds) {
      const unknown = await unknownSegments(this.db, draft.segmentIds);
      if (unknown.length > 0)
        throw invalidEndpoint(
          unknown.map((id) => ({ path: `input.segmentIds[${draft.segmentIds?.indexOf(id)}]`, message: `no segment with id "${id}"` })),
        );
    }
    const url = draft.url ?? current?.url;
    if (url === undefined) throw invalidEndpoint([{ path: 'input.url', message: 'is required' }]);
    if (draft.url != null) await checkDestination(url, this.policy, this.resolve, 'input.url');
    return {
      url,
      description: draft.description === undefined ? (current?.description ?? null) : draft.description,
      eventTypes: draft.eventTypes ?? current?.event_types ?? [],
      stages: draft.stages === undefined ? (current?.filter_stages ?? null) : draft.stages,
      segmentIds,
    };
  }
}
