import { describe, expect, it } from '@jest/globals';
import { canonicalJson, readMessage, readMessageId } from '../segment-message';
import type { MessageType, ReadMessage } from '../segment-message';
import { CompiledMapping, DEFAULT_TRACKING_MAPPING, mappingIssues, snakeCase } from '../tracking-mapping';

const facts = {
  receivedAt: new Date('2026-05-01T12:00:00Z'),
  batchSentAt: undefined,
  mapping: new CompiledMapping(DEFAULT_TRACKING_MAPPING),
};
const read = (message: unknown, routeType: MessageType | null = null, path = 'batch[0]'): ReadMessage =>
  readMessage(message, 0, path, routeType, facts);
const touchpointOf = (message: Record<string, unknown>) => {
  const result = read({ type: 'track', userId: 'u1', messageId: 'm1', timestamp: '2026-04-30T10:00:00Z', ...message });
  if (result.kind !== 'touchpoint') throw new Error(JSON.stringify(result));
  return result.item;
};
const rejectionOf = (message: unknown, routeType: MessageType | null = null, path = 'batch[0]') => {
  const result = read(message, routeType, path);
  if (result.kind !== 'rejected') throw new Error(JSON.stringify(result));
  return result.rejection;
};

describe('event names as touchpoint types', () => {
  it.each([
    ['Video Played', 'video_played'],
    ['addToCart', 'add_to_cart'],
    ['  Checkout -- Step 2 ', 'checkout_step_2'],
    ['2FA Enabled', null],
    ['!!!', null],
    ['Ünïcode Event', 'unicode_event'],
    ['Заказ Order', 'order'],
  ])('%j becomes %j', (name, type) => {
    expect(snakeCase(name)).toBe(type);
  });
});

describe('the Segment Spec defaults', () => {
  it('reads Order Completed as a purchase valued by revenue, else total, in its currency', () => {
    expect(touchpointOf({ event: 'Order Completed', properties: { revenue: 19.99, total: 25, currency: 'usd' } })).toMatchObject({
      type: 'purchase',
      value: 19.99,
      currency: 'usd',
    });
    expect(touchpointOf({ event: 'order completed', properties: { total: '25.50', currency: 'EUR' } })).toMatchObject({
      type: 'purchase',
      value: 25.5,
      currency: 'EUR',
    });
    expect(touchpointOf({ event: 'Order Completed', properties: {} })).toMatchObject({ type: 'purchase', value: null, currency: null });
  });

  it('reads a review rating and a survey score as numbers, and Email events on the email channel', () => {
    expect(touchpointOf({ event: 'Product Reviewed', properties: { rating: '4' } }).properties).toMatchObject({ rating: 4 });
    expect(touchpointOf({ event: 'NPS Submitted', properties: { nps: 9 } })).toMatchObject({
      type: 'survey_response',
      properties: { score: 9, nps: 9 },
    });
    expect(touchpointOf({ event: 'Email Link Clicked' })).toMatchObject({ type: 'email_click', channel: 'email' });
    expect(touchpointOf({ event: 'Email Opened' })).toMatchObject({ type: 'email_open', channel: 'email' });
    expect(touchpointOf({ event: 'Signed Up' })).toMatchObject({ type: 'signup', channel: 'web' });
    expect(touchpointOf({ event: 'Trial Started' })).toMatchObject({ type: 'trial_started' });
  });

  it('takes channel and campaign from the UTM campaign, drops the IP address and keeps the rest of the context', () => {
    const item = touchpointOf({
      event: 'Landing Viewed',
      context: {
        ip: '192.0.2.1',
        userAgent: 'UA',
        campaign: { source: 'fb', medium: 'Paid Social', name: ' Spring ' },
        traits: { email: 'A@B.example' },
      },
    });
    expect(item).toMatchObject({ type: 'landing_viewed', channel: 'paid_social', campaign: 'Spring' });
    expect(item.customer).toEqual({ externalId: 'u1', anonymousId: null, email: 'A@B.example', name: null });
    expect(item.properties).toEqual({
      event: 'Landing Viewed',
      context: { userAgent: 'UA', campaign: { source: 'fb', medium: 'Paid Social', name: ' Spring ' } },
    });
    expect(touchpointOf({ event: 'X', context: { campaign: { medium: 'cpc' } } }).channel).toBe('ads');
  });

  it('reads page and screen as page_view and screen_view with their name and category', () => {
    const page = read({ type: 'page', anonymousId: 'a1', name: 'Pricing', category: 'Docs', properties: { path: '/p' } });
    expect(page).toMatchObject({
      kind: 'touchpoint',
      item: {
        type: 'page_view',
        customer: { anonymousId: 'a1', externalId: null },
        properties: { path: '/p', name: 'Pricing', category: 'Docs' },
      },
    });
    expect(read({ userId: 7, name: 'Home' }, 'screen', '')).toMatchObject({
      kind: 'touchpoint',
      item: { type: 'screen_view', customer: { externalId: '7' } },
    });
  });

  it('reads identify traits into email, name and attributes, and group into the account attribute', () => {
    expect(
      read({
        type: 'identify',
        userId: 'u1',
        messageId: 'i1',
        traits: { email: 'x@y.example', firstName: 'Ada', lastName: 'L', plan: 'pro' },
      }),
    ).toEqual({
      kind: 'identify',
      index: 0,
      type: 'identify',
      item: {
        messageId: 'i1',
        occurredAt: '2026-05-01T12:00:00.000Z',
        externalId: 'u1',
        anonymousId: null,
        email: 'x@y.example',
        name: 'Ada L',
        attributes: { plan: 'pro' },
      },
    });
    expect(read({ type: 'group', userId: 'u1', messageId: 'g1', groupId: 42, traits: { name: 'Acme', id: 'ignored' } })).toMatchObject({
      kind: 'identify',
      item: { externalId: 'u1', attributes: { account: { name: 'Acme', id: '42' } } },
    });
    expect(read({ type: 'alias', userId: 'u1', previousId: 'anon-9', messageId: 'a1' })).toMatchObject({
      kind: 'identify',
      item: { externalId: 'u1', previousId: 'anon-9', anonymousId: null },
    });
  });
});

describe('rejections name the message field', () => {
  it.each([
    [{ type: 'track', event: 'X' }, 'batch[0].userId', 'batch[0].userId: give a userId or an anonymousId'],
    [{ type: 'track', userId: { id: 1 }, event: 'X' }, 'batch[0].userId', 'batch[0].userId: must be text of at most 256 characters'],
    [{ type: 'track', userId: 'u', event: 'X', properties: [] }, 'batch[0].properties', 'batch[0].properties: must be an object'],
    [
      { type: 'track', userId: 'u', event: 'X', context: { campaign: 'spring' } },
      'batch[0].context.campaign',
      'batch[0].context.campaign: must be an object',
    ],
    [
      { type: 'track', userId: 'u', event: 'Oops\u0000' },
      'batch[0].event',
      'batch[0].event: contains a NUL character (\\u0000), which cannot be stored',
    ],
    [
      { type: 'track', userId: 'u', event: '\ud800' },
      'batch[0].event',
      'batch[0].event: contains a lone UTF-16 surrogate (half of a \\uD800–\\uDFFF pair), which is not valid Unicode',
    ],
    [{ type: 'alias', userId: 'u' }, 'batch[0].previousId', 'batch[0].previousId: is required (the identity being linked), as text'],
    [{ type: 'group', userId: 'u' }, 'batch[0].groupId', 'batch[0].groupId: is required (the account the user belongs to), as text'],
    [
      { type: 'track', userId: 'u', event: '2024' },
      'batch[0].event',
      'batch[0].event: "2024" has no letters to name a touchpoint type; map it in the tracking mapping',
    ],
    [
      { type: 'track', userId: 'u', event: 'X', messageId: '' },
      'batch[0].messageId',
      'batch[0].messageId: must be non-empty text of at most 256 characters',
    ],
    [null, 'batch[0]', 'batch[0]: must be a JSON object'],
  ])('%j is rejected at %s', (message, field, reason) => {
    expect(rejectionOf(message)).toMatchObject({ field, reason });
  });

  it('names the field alone on a single-message route, and the message as a whole when it is too deep', () => {
    expect(rejectionOf({ event: 'X' }, 'track', '')).toMatchObject({ field: 'userId', reason: 'userId: give a userId or an anonymousId' });
    let deep: unknown = 1;
    for (let level = 0; level < 40; level++) deep = { deep };
    expect(rejectionOf({ userId: 'u', event: 'X', properties: deep }, 'track', '')).toMatchObject({
      field: '',
      reason: 'the message: must not nest deeper than 34 levels',
    });
  });
});

describe('messageIds', () => {
  it('derives one from the content, the same for any key order, sentAt or writeKey, different for other content', () => {
    const a = readMessageId({ userId: 'u', event: 'X', properties: { a: 1, b: [1, { c: 2 }] }, sentAt: '2026-01-01T00:00:00Z' }, 'track');
    const b = readMessageId({ properties: { b: [1, { c: 2 }], a: 1 }, event: 'X', userId: 'u', writeKey: 'k' }, 'track');
    expect(a).toBe(b);
    expect(a).toMatch(/^clm-content-[0-9a-f]{40}$/);
    expect(readMessageId({ userId: 'u', event: 'X', properties: { a: 2, b: [1, { c: 2 }] } }, 'track')).not.toBe(a);
    expect(readMessageId({ userId: 'u', event: 'X', properties: { a: 1, b: [1, { c: 2 }] } }, 'page')).not.toBe(a);
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: null }] })).toBe('{"a":[{"c":null,"d":1}],"b":1}');
  });
});

describe('mapping checks', () => {
  it('accepts the defaults and names every problem of a bad mapping by its path', () => {
    expect(mappingIssues(DEFAULT_TRACKING_MAPPING)).toEqual([]);
    const bad = {
      ...DEFAULT_TRACKING_MAPPING,
      events: [
        { event: 'Paid', type: 'Purchase', channel: 'e mail', valueFrom: [''], currencyFrom: null, numbers: [{ to: 'score', from: [] }] },
        { event: ' paid ', type: 'purchase', channel: null, valueFrom: [], currencyFrom: null, numbers: [] },
      ],
      groupAttribute: 'a\u0000',
    };
    expect(mappingIssues(bad)).toEqual([
      { path: 'events[0].type', message: '"Purchase" must be lowercase snake_case (letters, digits, _), starting with a letter' },
      { path: 'events[0].channel', message: '"e mail" must be lowercase snake_case (letters, digits, _), starting with a letter' },
      { path: 'events[0].valueFrom[0]', message: 'must be 1 to 256 characters' },
      { path: 'events[0].numbers[0].from', message: 'give at least one property' },
      { path: 'events[1].event', message: '" paid " is already mapped by events[0]' },
      { path: 'groupAttribute', message: 'contains a NUL character (\\u0000), which cannot be stored' },
    ]);
  });
});
