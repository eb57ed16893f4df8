import { sql } from '../../database/sql';
import { inLogRange } from '../webhooks';
import type { WebhookEventSource } from '../webhooks';
import { PLAYBOOK_FIRING_LOG } from './playbook.sql';

/**
 * `playbook.fired`: one event per row of the firing log, registered with the
 * webhooks' registry in the composition root. Its `data` names the playbook,
 * the firing and what met the trigger; the consumer adds the customer's
 * current record. Stage and segment filters of an endpoint compare the
 * customer's current stage and segments (NULL columns).
 */
export const PLAYBOOK_FIRED_SOURCE: WebhookEventSource = {
  log: { name: 'playbook_firings', table: PLAYBOOK_FIRING_LOG.table },
  eventTypes: ['playbook.fired'],
  events: (range) => sql`
    SELECT e.tx_id AS log_tx_id, e.id AS log_id, 'playbook.fired'::text AS event_type, e.customer_id,
           e.fired_at AS occurred_at, NULL::text AS stage, NULL::uuid AS segment_id,
           jsonb_build_object('firingId', e.id::text, 'playbookId', e.playbook_id, 'playbookName', e.playbook_name,
                              'trigger', e.trigger, 'triggerKey', e.trigger_key, 'metAt', e.met_at, 'dueAt', e.due_at) AS data
      FROM ${sql.raw(PLAYBOOK_FIRING_LOG.table)} e
     WHERE ${inLogRange(range)}`,
};
