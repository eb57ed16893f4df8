import { sql } from '../../../database/sql';
import { inLogRange, WebhookSources } from '../webhook-source';
import type { WebhookEventSource } from '../webhook-source';

const source = (name: string, eventTypes: string[]): WebhookEventSource => ({
  log: { name, table: name },
  eventTypes,
  events: (range) => sql`SELECT * FROM ${sql.raw(name)} e WHERE ${inLogRange(range)}`,
});

describe('the registry of webhook event sources', () => {
  it('lists the event types of every source in registration order', () => {
    const sources = new WebhookSources().register(source('a_log', ['a.happened', 'a.undone'])).register(source('b_log', ['b.fired']));
    expect(sources.eventTypes()).toEqual(['a.happened', 'a.undone', 'b.fired']);
    expect(sources.list().map((known) => known.log.name)).toEqual(['a_log', 'b_log']);
  });

  it('refuses a second source on the same log', () => {
    const sources = new WebhookSources().register(source('a_log', ['a.happened']));
    expect(() => sources.register(source('a_log', ['c.happened']))).toThrow('a webhook source already follows the log a_log');
  });

  it('refuses an event type another source already produces', () => {
    const sources = new WebhookSources().register(source('a_log', ['a.happened']));
    expect(() => sources.register(source('b_log', ['a.happened']))).toThrow('two webhook sources produce the event type a.happened');
  });

  it('refuses an event type that is not noun.verb in lower case', () => {
    for (const type of ['happened', 'A.happened', 'a.', 'a..b', 'a.b c'])
      expect(() => new WebhookSources().register(source('a_log', [type]))).toThrow(`webhook event type "${type}"`);
  });

  it('bounds a stretch by position and by transaction id, with numbered parameters', () => {
    const fragment = inLogRange({ after: { txId: 10n, id: 5n }, upTo: { txId: 12n, id: 9n } });
    expect(fragment.values).toEqual(['10', '5', '12', '9', '10', '12']);
    expect(fragment.text.replace(/\s+/g, ' ')).toBe(
      '(e.tx_id, e.id) > ($1::xid8, $2::bigint) AND (e.tx_id, e.id) <= ($3::xid8, $4::bigint) AND e.tx_id >= $5::xid8 AND e.tx_id <= $6::xid8',
    );
  });
});
