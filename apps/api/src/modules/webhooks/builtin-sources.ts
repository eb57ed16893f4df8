import { sql } from '../../database/sql';
import { CUSTOMER_MERGE_LOG_TABLE } from '../customers';
import { TRANSITIONS_TABLE } from '../lifecycle';
import { SEGMENT_CHANGE_LOG, SEGMENTS_TABLE } from '../segments';
import { inLogRange } from './webhook-source';
import type { WebhookEventSource } from './webhook-source';

/** `customer.stage_changed`: one event per stage transition (including a new customer's first stage, `from` null). */
export const STAGE_CHANGE_SOURCE: WebhookEventSource = {
  log: { name: 'stage_transitions', table: TRANSITIONS_TABLE },
  eventTypes: ['customer.stage_changed'],
  events: (range) => sql`
    SELECT e.tx_id AS log_tx_id, e.id AS log_id, 'customer.stage_changed'::text AS event_type, e.customer_id,
           e.occurred_at, e.to_stage AS stage, NULL::uuid AS segment_id,
           jsonb_build_object('transitionId', e.id::text, 'from', e.from_stage, 'to', e.to_stage, 'cause', e.cause,
                              'ruleId', e.rule_id, 'actor', e.actor, 'reason', e.reason) AS data
      FROM ${sql.raw(TRANSITIONS_TABLE)} e
     WHERE ${inLogRange(range)}`,
};

/** `segment.entered` / `segment.exited`: one event per membership change, with the segment's name when it still exists. */
export const SEGMENT_CHANGE_SOURCE: WebhookEventSource = {
  log: { name: 'segment_membership_changes', table: SEGMENT_CHANGE_LOG.table },
  eventTypes: ['segment.entered', 'segment.exited'],
  events: (range) => sql`
    SELECT e.tx_id AS log_tx_id, e.id AS log_id,
           CASE WHEN e.entered THEN 'segment.entered' ELSE 'segment.exited' END AS event_type, e.customer_id,
           e.occurred_at, NULL::text AS stage, e.segment_id,
           jsonb_build_object('segmentId', e.segment_id, 'segmentName', s.name, 'cause', e.cause) AS data
      FROM ${sql.raw(SEGMENT_CHANGE_LOG.table)} e
      LEFT JOIN ${sql.raw(SEGMENTS_TABLE)} s ON s.id = e.segment_id
     WHERE ${inLogRange(range)}`,
};

/**
 * `customer.merged` / `customer.unmerged`: one event per merge and per undoing
 * of one. A merge is about the survivor (its record is the payload's
 * `customer`), an unmerge about the customer it brought back; `data` names
 * both.
 */
export const CUSTOMER_MERGE_SOURCE: WebhookEventSource = {
  log: { name: 'customer_merges', table: CUSTOMER_MERGE_LOG_TABLE },
  eventTypes: ['customer.merged', 'customer.unmerged'],
  events: (range) => sql`
    SELECT e.tx_id AS log_tx_id, e.id AS log_id, 'customer.' || e.kind AS event_type,
           CASE WHEN e.kind = 'merged' THEN e.into_id ELSE e.from_id END AS customer_id,
           e.occurred_at, NULL::text AS stage, NULL::uuid AS segment_id,
           jsonb_build_object('mergeId', e.merge_id, 'intoId', e.into_id, 'fromId', e.from_id) AS data
      FROM ${sql.raw(CUSTOMER_MERGE_LOG_TABLE)} e
     WHERE ${inLogRange(range)}`,
};
