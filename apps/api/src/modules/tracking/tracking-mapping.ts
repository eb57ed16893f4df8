import { textProblem } from '../../core/ids';

/*
 * How Segment messages become clm data: which touchpoint type each `track`
 * event name is, where its value, currency and numbers are read from, the
 * types of `page` and `screen`, which channel a UTM medium means, which traits
 * are the customer's email and name, where `group` puts the account, and
 * whether IP addresses are kept. Stored as data and changed at run time by an
 * admin (`setTrackingMapping`); `DEFAULT_TRACKING_MAPPING` follows the
 * Segment Spec. Pure: no I/O here.
 */

/** A number copied into the touchpoint's properties: `to` takes the first of `from` that holds a number. */
export type NumberRule = { to: string; from: string[] };

/** What one `track` event name becomes. */
export type EventRule = {
  /** The event name as sent, compared ignoring case and surrounding spaces. */
  event: string;
  /** The touchpoint type (lowercase snake_case). */
  type: string;
  /** The channel, when the event itself says it (Email Opened is email); otherwise the campaign's medium or the default. */
  channel: string | null;
  /** Properties whose first number is the touchpoint's value (Order Completed: revenue, else total). */
  valueFrom: string[];
  /** The property holding the ISO 4217 currency of the value. */
  currencyFrom: string | null;
  numbers: NumberRule[];
};

/** A UTM medium (`context.campaign.medium`, compared ignoring case) and the channel it means. */
export type MediumRule = { medium: string; channel: string };

export type TrackingMapping = {
  events: EventRule[];
  pageType: string;
  screenType: string;
  /** The channel when neither the event rule nor the campaign's medium names one. */
  defaultChannel: string;
  mediums: MediumRule[];
  traits: { email: string; name: string; firstName: string; lastName: string };
  /** The customer attribute `group` writes the account to: `{ id: groupId, ...traits }`. */
  groupAttribute: string;
  /** Keep `context.ip` in stored properties (off: it is dropped before anything is stored). */
  storeIpAddress: boolean;
};

const event = (name: string, type: string, more: Partial<Omit<EventRule, 'event' | 'type'>> = {}): EventRule => ({
  event: name,
  type,
  channel: null,
  valueFrom: [],
  currencyFrom: null,
  numbers: [],
  ...more,
});

const SURVEY_SCORE: NumberRule[] = [{ to: 'score', from: ['score', 'nps', 'nps_score', 'rating'] }];

/** The Segment Spec's event names, as clm reads them unless an admin says otherwise. */
export const DEFAULT_TRACKING_MAPPING: TrackingMapping = {
  events: [
    event('Order Completed', 'purchase', { valueFrom: ['revenue', 'total'], currencyFrom: 'currency' }),
    event('Order Refunded', 'refund', { valueFrom: ['revenue', 'total'], currencyFrom: 'currency' }),
    event('Signed Up', 'signup'),
    event('Trial Started', 'trial_started'),
    event('Product Reviewed', 'review', { numbers: [{ to: 'rating', from: ['rating'] }] }),
    event('Email Opened', 'email_open', { channel: 'email' }),
    event('Email Link Clicked', 'email_click', { channel: 'email' }),
    event('NPS Submitted', 'survey_response', { numbers: SURVEY_SCORE }),
    event('Survey Submitted', 'survey_response', { numbers: SURVEY_SCORE }),
    event('Survey Completed', 'survey_response', { numbers: SURVEY_SCORE }),
    event('Demo Requested', 'demo_request', { channel: 'sales' }),
    event('Ticket Created', 'support_ticket', { channel: 'support' }),
    event('Product Shared', 'social_share', { channel: 'social' }),
    event('Referral Sent', 'referral', { channel: 'referral' }),
  ],
  pageType: 'page_view',
  screenType: 'screen_view',
  defaultChannel: 'web',
  mediums: [
    { medium: 'email', channel: 'email' },
    { medium: 'cpc', channel: 'ads' },
    { medium: 'ppc', channel: 'ads' },
    { medium: 'paid', channel: 'ads' },
    { medium: 'paid_social', channel: 'ads' },
    { medium: 'display', channel: 'ads' },
    { medium: 'social', channel: 'social' },
    { medium: 'referral', channel: 'referral' },
    { medium: 'affiliate', channel: 'partner' },
    { medium: 'partner', channel: 'partner' },
  ],
  traits: { email: 'email', name: 'name', firstName: 'firstName', lastName: 'lastName' },
  groupAttribute: 'account',
  storeIpAddress: false,
};

const SNAKE = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_RULES = 500;
const MAX_NAME = 256;

/** One problem with a mapping, at its path (`events[2].type`). */
export type MappingIssue = { path: string; message: string };

/** Every problem with `mapping`, each with its path; empty when it can be stored. */
export function mappingIssues(mapping: TrackingMapping): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const snake = (path: string, value: string) => {
    if (!SNAKE.test(value))
      issues.push({ path, message: `"${value}" must be lowercase snake_case (letters, digits, _), starting with a letter` });
  };
  const name = (path: string, value: string) => {
    const problem = textProblem(value);
    if (problem !== null) issues.push({ path, message: problem });
    else if (value.trim() === '' || value.length > MAX_NAME) issues.push({ path, message: `must be 1 to ${MAX_NAME} characters` });
  };
  if (mapping.events.length > MAX_RULES)
    issues.push({ path: 'events', message: `at most ${MAX_RULES} rules, got ${mapping.events.length}` });
  const seen = new Map<string, number>();
  mapping.events.forEach((rule, index) => {
    const at = `events[${index}]`;
    name(`${at}.event`, rule.event);
    const key = eventKey(rule.event);
    const first = seen.get(key);
    if (first !== undefined) issues.push({ path: `${at}.event`, message: `"${rule.event}" is already mapped by events[${first}]` });
    else seen.set(key, index);
    snake(`${at}.type`, rule.type);
    if (rule.channel !== null) snake(`${at}.channel`, rule.channel);
    rule.valueFrom.forEach((property, position) => name(`${at}.valueFrom[${position}]`, property));
    if (rule.currencyFrom !== null) name(`${at}.currencyFrom`, rule.currencyFrom);
    rule.numbers.forEach((number, position) => {
      name(`${at}.numbers[${position}].to`, number.to);
      if (number.from.length === 0) issues.push({ path: `${at}.numbers[${position}].from`, message: 'give at least one property' });
      number.from.forEach((property, slot) => name(`${at}.numbers[${position}].from[${slot}]`, property));
    });
  });
  snake('pageType', mapping.pageType);
  snake('screenType', mapping.screenType);
  snake('defaultChannel', mapping.defaultChannel);
  if (mapping.mediums.length > MAX_RULES)
    issues.push({ path: 'mediums', message: `at most ${MAX_RULES} rules, got ${mapping.mediums.length}` });
  mapping.mediums.forEach((rule, index) => {
    name(`mediums[${index}].medium`, rule.medium);
    snake(`mediums[${index}].channel`, rule.channel);
  });
  for (const field of ['email', 'name', 'firstName', 'lastName'] as const) name(`traits.${field}`, mapping.traits[field]);
  name('groupAttribute', mapping.groupAttribute);
  return issues;
}

/** How event names are compared: trimmed, case ignored. */
export function eventKey(name: string): string {
  return name.trim().toLowerCase();
}

/** A mapping's lookups, built once per stored version. */
export class CompiledMapping {
  private readonly byEvent: ReadonlyMap<string, EventRule>;
  private readonly byMedium: ReadonlyMap<string, string>;

  constructor(readonly mapping: TrackingMapping) {
    this.byEvent = new Map(mapping.events.map((rule) => [eventKey(rule.event), rule]));
    this.byMedium = new Map(mapping.mediums.map((rule) => [rule.medium.trim().toLowerCase(), rule.channel]));
  }

  /** The rule of an event name: the admin's, or the name in snake_case with nothing else read. */
  eventRule(name: string): EventRule | null {
    const rule = this.byEvent.get(eventKey(name));
    if (rule) return rule;
    const type = snakeCase(name);
    return type === null ? null : event(name, type);
  }

  /** The channel a UTM medium means: its rule, else the medium itself in snake_case when it is one. */
  mediumChannel(medium: string): string | null {
    return this.byMedium.get(medium.trim().toLowerCase()) ?? snakeCase(medium);
  }
}

/**
 * An event name as a touchpoint type: words split at spaces, punctuation and
 * lowercase→uppercase steps, lowercased, joined with `_` (`Video Played` →
 * `video_played`, `addToCart` → `add_to_cart`). Null when nothing is left or
 * it does not start with a letter.
 */
export function snakeCase(name: string): string | null {
  const words = name
    // Accents go (Ünïcode → Unicode); letters of other scripts are not [a-z] and split words.
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
  const joined = words.join('_').slice(0, 64).replace(/_+$/, '');
  return SNAKE.test(joined) ? joined : null;
}
