import { describe, expect, it } from 'vitest';
import { readDoor } from '../../../lib/metric-door';
import { funnelDoors, kpiDoor } from '../metric-doors';

const range = { from: '2026-01-01', to: '2026-03-31' };
const doorOf = (href: string) => readDoor(new URL(href, 'http://clm.test').searchParams);

describe('the doors of the Metrics page', () => {
  it('opens new customers and CAC onto the new customers, with the page’s filter', () => {
    const filter = { segment: 's1', channel: 'web', campaign: null };
    expect(doorOf(kpiDoor('newCustomers', range, filter, 'acquisition')!.href)).toEqual({
      membership: 'NEW_CUSTOMERS',
      ...range,
      segment: 's1',
      channel: 'web',
    });
    expect(doorOf(kpiDoor('cac', range, null, 'acquisition')!.href)).toEqual({ membership: 'NEW_CUSTOMERS', ...range });
  });

  it('opens conversion onto the funnel step of the acquired stage, and active customers onto theirs', () => {
    expect(doorOf(kpiDoor('conversionRate', range, null, 'purchase')!.href)).toEqual({
      membership: 'FUNNEL_REACHED',
      ...range,
      stage: 'purchase',
    });
    expect(doorOf(kpiDoor('activeCustomers', range, null, 'purchase')!.href)).toEqual({ membership: 'ACTIVE_CUSTOMERS', ...range });
  });

  it('has no door for a KPI that counts no customers', () => {
    expect(kpiDoor('sales', range, null, 'acquisition')).toBeUndefined();
    expect(kpiDoor('nps', range, null, 'acquisition')).toBeUndefined();
  });

  it('opens a funnel step onto who reached it and who stopped there', () => {
    const doors = funnelDoors('engagement', range, { campaign: 'spring' });
    expect(doorOf(doors.reached)).toEqual({ membership: 'FUNNEL_REACHED', ...range, stage: 'engagement', campaign: 'spring' });
    expect(doorOf(doors.dropped)).toEqual({ membership: 'FUNNEL_DROPPED', ...range, stage: 'engagement', campaign: 'spring' });
  });
});
