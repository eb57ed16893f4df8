import DataLoader from 'dataloader';
import { invalidInput } from '../../core/errors';
import { requestScoped } from '../../core/request-context';
import type { RequestScoped } from '../../core/request-context';
import { isUuid } from '../../core/ids';
import type { Db } from '../../database/db';
import { attemptsOf, deliveryLog, findDelivery, insertTestDelivery, redeliver, replayAfter, toDelivery } from './webhook-delivery.sql';
import { findEndpoint } from './webhook-endpoint.sql';
import type { WebhookDispatcher } from './webhook-dispatcher';
import { deliveryNotFound, endpointNotFound } from './webhook.errors';
import type { WebhookAttempt, WebhookDelivery } from './webhook.type';

/** The most deliveries one page of the log holds. */
export const MAX_DELIVERY_PAGE = 200;

/** A delivery id as clients send it: digits, within bigint. */
const DELIVERY_ID = /^[1-9]\d{0,17}$/;

/** A page of an endpoint's delivery log and the cursor to the next (older) one. */
export type DeliveryPage = { deliveries: WebhookDelivery[]; nextBefore: string | null };

/**
 * The delivery log and what an admin does with it: redeliver one event,
 * replay everything after a delivery (an endpoint that was down), and a test
 * send made at once through the same sender and address checks.
 */
export class WebhookDeliveryService {
  /** Each delivery's attempts, oldest first, one statement per request. */
  readonly attemptsOf: RequestScoped<DataLoader<string, WebhookAttempt[]>> = requestScoped(
    () =>
      new DataLoader(async (ids: readonly string[]) => {
        const byDelivery = await attemptsOf(this.db, ids);
        return ids.map((id) => byDelivery.get(id) ?? []);
      }),
  );

  constructor(
    private readonly db: Db,
    private readonly dispatcher: WebhookDispatcher,
    /** How long a test send's lease lasts (the dispatcher's). */
    private readonly leaseMs = 20_000,
  ) {}

  async log(endpointId: string, first: number, before: string | null): Promise<DeliveryPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_DELIVERY_PAGE)
      throw invalidInput('first', `must be a whole number from 1 to ${MAX_DELIVERY_PAGE}, got ${first}`);
    if (before !== null && !DELIVERY_ID.test(before)) throw invalidInput('before', 'not a cursor returned by webhookDeliveries');
    await this.endpoint(endpointId, 'endpointId');
    const rows = await deliveryLog(this.db, endpointId, first + 1, before);
    const deliveries = rows.slice(0, first).map(toDelivery);
    return { deliveries, nextBefore: rows.length > first ? deliveries[deliveries.length - 1].id : null };
  }

  async find(id: string): Promise<WebhookDelivery | null> {
    if (!DELIVERY_ID.test(id)) return null;
    const row = await findDelivery(this.db, id);
    return row ? toDelivery(row) : null;
  }

  /** Sends one delivery's event again, as a new delivery with the same webhook-id, due now. */
  async redeliver(deliveryId: string): Promise<WebhookDelivery> {
    const row = DELIVERY_ID.test(deliveryId) ? await redeliver(this.db, deliveryId) : null;
    if (!row) throw deliveryNotFound(deliveryId.length > 64 ? `${deliveryId.slice(0, 64)}…` : deliveryId);
    this.dispatcher.poke();
    return toDelivery(row);
  }

  /**
   * Queues again every event the endpoint had a delivery of after the
   * delivery `after` (from its log), each once, with its original
   * webhook-id; events still pending are left as they are. How many.
   */
  async replay(endpointId: string, after: string): Promise<number> {
    if (!DELIVERY_ID.test(after)) throw invalidInput('after', 'not a delivery id of webhookDeliveries');
    await this.endpoint(endpointId, 'endpointId');
    const queued = await replayAfter(this.db, endpointId, after);
    if (queued > 0) this.dispatcher.poke();
    return queued;
  }

  /** Sends a `webhook.test` event to the endpoint now (even a disabled one), and answers with the logged delivery. */
  async sendTest(endpointId: string): Promise<WebhookDelivery> {
    await this.endpoint(endpointId, 'endpointId');
    const body = JSON.stringify({
      type: 'webhook.test',
      timestamp: new Date().toISOString(),
      data: { endpointId, message: 'A test event from clm: if its signature verifies, the endpoint is set up.' },
    });
    const claimed = await insertTestDelivery(this.db, endpointId, body, this.leaseMs);
    if (!claimed) throw endpointNotFound(endpointId, 'endpointId');
    await this.dispatcher.deliverNow(claimed);
    const row = await findDelivery(this.db, claimed.id);
    if (!row) throw endpointNotFound(endpointId, 'endpointId');
    return toDelivery(row);
  }

  private async endpoint(id: string, field: string): Promise<void> {
    if (!isUuid(id) || !(await findEndpoint(this.db, id))) throw endpointNotFound(id.length > 64 ? `${id.slice(0, 64)}…` : id, field);
  }
}
