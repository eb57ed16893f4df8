import { createHash } from 'node:crypto';
import { findUnstorableText, MAX_JSON_DEPTH, MAX_TEXT, nestsDeeperThan } from '../../core/ids';
import { eventTime } from './event-time';
import type { IdentifySubmission } from './identify-port';
import type { CompiledMapping, EventRule } from './tracking-mapping';

/*
 * One Segment message (HTTP Tracking API, Segment Spec) read into what clm
 * stores: `track`, `page` and `screen` become touchpoint submissions for the
 * ingest path; `identify`, `alias` and `group` become identify items for the
 * customers module. Pure. Everything a message gets wrong is reported as a
 * rejection naming the message's own field (`batch[3].timestamp`), never
 * thrown; what the ingest path's validation finds later is named the same
 * way (`ingestField`).
 */

export const MESSAGE_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Segment's documented limits: one message, one request, one batch. */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_REQUEST_BYTES = 500 * 1024;
export const MAX_BATCH_EVENTS = 2500;

/** A message may wrap properties (which may nest MAX_JSON_DEPTH levels) in two levels of its own (context.traits). */
const MAX_MESSAGE_DEPTH = MAX_JSON_DEPTH + 2;

/** A touchpoint submission as the ingest path takes it, with the anonymous id the customers module resolves. */
export type TouchpointItem = {
  messageId: string;
  customer: {
    externalId: string | null;
    anonymousId: string | null;
    email: string | null;
    name: string | null;
  };
  type: string;
  channel: string;
  occurredAt: Date;
  value: number | null;
  currency: string | null;
  campaign: string | null;
  properties: Record<string, unknown>;
};

/** Why a message was not stored, named as the sender wrote it. */
export type MessageRejection = { index: number; messageId: string | null; type: string | null; field: string; reason: string };

export type ReadMessage =
  | { kind: 'touchpoint'; index: number; type: MessageType; item: TouchpointItem; valueFrom: string | null; currencyFrom: string | null }
  | { kind: 'identify'; index: number; type: MessageType; item: IdentifySubmission }
  | { kind: 'rejected'; rejection: MessageRejection };

/** What every message of one request shares. */
export type RequestFacts = {
  receivedAt: Date;
  /** The batch's `sentAt` (analytics-node sends it once per batch); a message's own wins. */
  batchSentAt: unknown;
  mapping: CompiledMapping;
};

type Json = Record<string, unknown>;

/**
 * Reads message `index` of a request. `routeType` is the type the route
 * fixes (`/v1/track`); in a batch each message says its own. `path` names
 * the message in rejections (`batch[3]`, or `` for a single message).
 */
export function readMessage(raw: unknown, index: number, path: string, routeType: MessageType | null, facts: RequestFacts): ReadMessage {
  const at = (field: string) => (path === '' ? field : field === '' ? path : `${path}.${field}`);
  const partial = { index, messageId: null as string | null, type: routeType as string | null };
  const reject = (field: string, reason: string): ReadMessage => ({
    kind: 'rejected',
    rejection: { ...partial, field: at(field), reason: `${at(field) || 'the message'}: ${reason}` },
  });
  if (!isObject(raw)) return reject('', 'must be a JSON object');
  if (typeof raw.messageId === 'string') partial.messageId = raw.messageId;
  if (typeof raw.type === 'string' && routeType === null) partial.type = raw.type;

  if (nestsDeeperThan(raw, MAX_MESSAGE_DEPTH)) return reject('', `must not nest deeper than ${MAX_MESSAGE_DEPTH} levels`);
  const bytes = Buffer.byteLength(JSON.stringify(raw));
  if (bytes > MAX_EVENT_BYTES) return reject('', `is ${bytes} bytes of JSON; the limit is 32 KB (${MAX_EVENT_BYTES} bytes) per event`);
  const unstorable = findUnstorableText(raw, '');
  if (unstorable !== null) return reject(unstorable.field, unstorable.message);

  const type = routeType ?? raw.type;
  if (typeof type !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(type))
    return reject('type', `must be one of ${MESSAGE_TYPES.join(', ')}`);
  const messageType = type as MessageType;
  partial.type = messageType;

  const messageId = readMessageId(raw, messageType);
  if (typeof messageId !== 'string') return reject('messageId', messageId.reason);
  partial.messageId = messageId;

  const userId = readIdentity(raw.userId);
  if (userId === undefined) return reject('userId', `must be text of at most ${MAX_TEXT} characters`);
  const anonymousId = readIdentity(raw.anonymousId);
  if (anonymousId === undefined) return reject('anonymousId', `must be text of at most ${MAX_TEXT} characters`);
  if (userId === null && anonymousId === null && messageType !== 'alias') return reject('userId', 'give a userId or an anonymousId');

  for (const field of ['properties', 'traits', 'context'] as const)
    if (raw[field] != null && !isObject(raw[field])) return reject(field, 'must be an object');
  const context = (raw.context ?? {}) as Json;
  if (context.traits != null && !isObject(context.traits)) return reject('context.traits', 'must be an object');
  if (context.campaign != null && !isObject(context.campaign)) return reject('context.campaign', 'must be an object');

  const occurredAt = eventTime(raw, facts.batchSentAt, facts.receivedAt);
  if (!(occurredAt instanceof Date)) return reject(occurredAt.field, occurredAt.reason);

  const base = { index, type: messageType };
  const identities = { userId, anonymousId };
  switch (messageType) {
    case 'track': {
      if (typeof raw.event !== 'string' || raw.event.trim() === '')
        return reject('event', 'is required (the name of the action, like "Order Completed")');
      const rule = facts.mapping.eventRule(raw.event);
      if (rule === null) return reject('event', `"${raw.event}" has no letters to name a touchpoint type; map it in the tracking mapping`);
      return { kind: 'touchpoint', ...base, ...touchpoint(raw, messageId, identities, occurredAt, rule, facts.mapping) };
    }
    case 'page':
    case 'screen': {
      const mapping = facts.mapping.mapping;
      const rule: EventRule = {
        event: messageType,
        type: messageType === 'page' ? mapping.pageType : mapping.screenType,
        channel: null,
        valueFrom: [],
        currencyFrom: null,
        numbers: [],
      };
      return { kind: 'touchpoint', ...base, ...touchpoint(raw, messageId, identities, occurredAt, rule, facts.mapping) };
    }
    case 'identify':
      return { kind: 'identify', ...base, item: identifyItem(raw, messageId, identities, occurredAt, facts.mapping) };
    case 'alias': {
      const previousId = readIdentity(raw.previousId);
      if (previousId === undefined || previousId === null) return reject('previousId', 'is required (the identity being linked), as text');
      if (userId === null) return reject('userId', 'is required (the identity previousId is linked to)');
      return {
        kind: 'identify',
        ...base,
        item: { messageId, occurredAt: occurredAt.toISOString(), externalId: userId, anonymousId, previousId },
      };
    }
    case 'group': {
      const groupId = readIdentity(raw.groupId);
      if (groupId === undefined || groupId === null) return reject('groupId', 'is required (the account the user belongs to), as text');
      const traits = (raw.traits ?? {}) as Json;
      return {
        kind: 'identify',
        ...base,
        item: {
          messageId,
          occurredAt: occurredAt.toISOString(),
          externalId: userId,
          anonymousId,
          attributes: { [facts.mapping.mapping.groupAttribute]: { ...traits, id: groupId } },
        },
      };
    }
  }
}

type Identities = { userId: string | null; anonymousId: string | null };

function touchpoint(
  raw: Json,
  messageId: string,
  identities: Identities,
  occurredAt: Date,
  rule: EventRule,
  compiled: CompiledMapping,
): { item: TouchpointItem; valueFrom: string | null; currencyFrom: string | null } {
  const mapping = compiled.mapping;
  const properties = { ...((raw.properties ?? {}) as Json) };
  const context = { ...((raw.context ?? {}) as Json) };
  const campaign = (context.campaign ?? {}) as Json;
  const traits = (context.traits ?? {}) as Json;
  const value = firstNumber(properties, rule.valueFrom);
  for (const number of rule.numbers) {
    const found = firstNumber(properties, number.from);
    if (found !== null) properties[number.to] = found.value;
  }
  const currencyValue = rule.currencyFrom === null ? null : properties[rule.currencyFrom];
  const medium = typeof campaign.medium === 'string' ? compiled.mediumChannel(campaign.medium) : null;
  if (!mapping.storeIpAddress) delete context.ip;
  delete context.traits;
  if (typeof raw.event === 'string' && !('event' in properties)) properties.event = raw.event;
  for (const field of ['name', 'category'] as const)
    if (typeof raw[field] === 'string' && !(field in properties)) properties[field] = raw[field];
  if (Object.keys(context).length > 0 && !('context' in properties)) properties.context = context;
  return {
    item: {
      messageId,
      customer: {
        externalId: identities.userId,
        anonymousId: identities.anonymousId,
        email: text(traits[mapping.traits.email]),
        name: personName(traits, compiled),
      },
      type: rule.type,
      channel: rule.channel ?? medium ?? mapping.defaultChannel,
      occurredAt,
      value: value === null ? null : Math.round(value.value * 10_000) / 10_000,
      currency: typeof currencyValue === 'string' ? currencyValue : null,
      campaign: text(campaign.name),
      properties,
    },
    valueFrom: value?.property ?? null,
    currencyFrom: rule.currencyFrom,
  };
}

function identifyItem(
  raw: Json,
  messageId: string,
  identities: Identities,
  occurredAt: Date,
  compiled: CompiledMapping,
): IdentifySubmission {
  const names = compiled.mapping.traits;
  const traits = (raw.traits ?? (raw.context as Json | undefined)?.traits ?? {}) as Json;
  const attributes = { ...traits };
  for (const key of [names.email, names.name, names.firstName, names.lastName]) delete attributes[key];
  return {
    messageId,
    occurredAt: occurredAt.toISOString(),
    externalId: identities.userId,
    anonymousId: identities.anonymousId,
    email: text(traits[names.email]),
    name: personName(traits, compiled),
    attributes,
  };
}

/** `name`, else `firstName lastName`, as the mapping names those traits. */
function personName(traits: Json, compiled: CompiledMapping): string | null {
  const names = compiled.mapping.traits;
  const whole = text(traits[names.name]);
  if (whole !== null) return whole;
  const joined = [text(traits[names.firstName]), text(traits[names.lastName])].filter((part) => part !== null).join(' ');
  return joined === '' ? null : joined;
}

/**
 * The message's messageId, or one derived from its content: the SHA-256 of
 * the message with its keys sorted, without what differs between deliveries
 * of the same event (`sentAt`, `receivedAt`, `writeKey`), so an identical
 * retry is a duplicate. The type the route gives is part of the content.
 */
export function readMessageId(raw: Json, type: MessageType): string | { reason: string } {
  const given = raw.messageId;
  if (given !== undefined && given !== null) {
    if (typeof given !== 'string' || given.trim() === '' || given.length > MAX_TEXT)
      return { reason: `must be non-empty text of at most ${MAX_TEXT} characters` };
    return given.trim();
  }
  const content: Json = { ...raw };
  for (const key of PER_DELIVERY) delete content[key];
  const digest = createHash('sha256')
    .update(canonicalJson({ ...content, type }))
    .digest('hex');
  return `clm-content-${digest.slice(0, 40)}`;
}

/** What differs between two deliveries of the same message, left out of its derived messageId. */
const PER_DELIVERY = ['sentAt', 'receivedAt', 'writeKey'] as const;

/** JSON with object keys sorted at every level: equal content, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value))
    return `{${Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** An identity as Segment sends it: text or a number (some libraries send numeric ids), blank as absent. */
function readIdentity(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (trimmed.length > MAX_TEXT) return undefined;
  return trimmed === '' ? null : trimmed;
}

function firstNumber(properties: Json, names: readonly string[]): { property: string; value: number } | null {
  for (const property of names) {
    const value = properties[property];
    if (typeof value === 'number' && Number.isFinite(value)) return { property, value };
    if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return { property, value: Number(value) };
  }
  return null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A field of a touchpoint submission, as the ingest path names it in a
 * rejection, renamed to the message field it came from.
 */
export function ingestField(field: string, from: { valueFrom: string | null; currencyFrom: string | null }): string {
  const renames: Array<[string, string]> = [
    ['customer.externalId', 'userId'],
    ['customer.anonymousId', 'anonymousId'],
    ['customer.email', 'context.traits.email'],
    ['customer.name', 'context.traits.name'],
    ['customer', 'userId'],
    ['occurredAt', 'timestamp'],
    ['value', `properties.${from.valueFrom ?? 'revenue'}`],
    ['currency', `properties.${from.currencyFrom ?? 'currency'}`],
    ['type', 'event'],
    ['channel', 'context.campaign.medium'],
    ['campaign', 'context.campaign.name'],
  ];
  for (const [clm, segment] of renames) if (field === clm || field.startsWith(`${clm}.`)) return segment + field.slice(clm.length);
  return field;
}

/** A field of an identify item, as the customers module names it in a rejection, renamed to the message field it came from. */
export function identifyField(field: string): string {
  const renames: Array<[string, string]> = [
    ['externalId', 'userId'],
    ['email', 'traits.email'],
    ['name', 'traits.name'],
    ['attributes', 'traits'],
    ['occurredAt', 'timestamp'],
  ];
  for (const [clm, segment] of renames) if (field === clm || field.startsWith(`${clm}.`)) return segment + field.slice(clm.length);
  return field;
}
