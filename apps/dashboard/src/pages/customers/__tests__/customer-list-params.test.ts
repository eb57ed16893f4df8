import { describe, expect, it } from 'vitest';
import { listVariables, parseAttributeFilter, readListParams, writeListParams } from '../customer-list-params';

describe("the customer list's URL", () => {
  it('reads the state from the URL, ignoring a sort the API would refuse', () => {
    expect(readListParams(new URLSearchParams('q=ada&sort=BOGUS&dir=ASC&stage=retention'))).toEqual({
      search: 'ada',
      stage: 'retention',
      segment: '',
      attributes: '',
      metric: null,
      sort: 'CREATED_AT',
      direction: 'ASC',
      after: null,
      before: null,
    });
  });

  it('writes only what differs from the defaults', () => {
    const params = readListParams(new URLSearchParams('sort=REVENUE&after=c1'));
    expect(writeListParams(params).toString()).toBe('sort=REVENUE&after=c1');
    expect(writeListParams(readListParams(new URLSearchParams())).toString()).toBe('');
  });

  it('keeps the customers behind a number in the URL and asks the API for them', () => {
    const query = 'stage=retention&behind=FUNNEL_REACHED&m.from=2026-01-01&m.to=2026-03-31&m.stage=engagement';
    const params = readListParams(new URLSearchParams(query));
    expect(params.metric).toEqual({ membership: 'FUNNEL_REACHED', from: '2026-01-01', to: '2026-03-31', stage: 'engagement' });
    expect(writeListParams(params).toString()).toBe(query);
    expect(listVariables(params).filter).toEqual({ stages: ['retention'], metric: params.metric });
  });

  it('parses attribute filters as JSON where they read as JSON', () => {
    expect(parseAttributeFilter('plan=pro, seats=5, trial=true, code="5", note=')).toEqual({
      value: { plan: 'pro', seats: 5, trial: true, code: '5', note: '' },
      error: null,
    });
    expect(parseAttributeFilter('plan')).toEqual({ value: null, error: '"plan" is not name=value' });
    expect(parseAttributeFilter(' , ')).toEqual({ value: null, error: null });
  });

  it('asks for the page before a cursor when paging backwards', () => {
    const params = readListParams(new URLSearchParams('q= ada &before=c9&attributes=plan=pro'));
    expect(listVariables(params)).toEqual({
      filter: { search: 'ada', attributes: { plan: 'pro' } },
      orderBy: { field: 'CREATED_AT', direction: 'DESC' },
      first: null,
      after: null,
      last: 25,
      before: 'c9',
    });
  });
});
