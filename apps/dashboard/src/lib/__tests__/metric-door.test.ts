import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeDoor, doorHref, monthAfter, readDoor, withoutDoor, writeDoor } from '../metric-door';
import type { MetricDoor } from '../metric-door';

const names = { stage: (key: string) => key.toUpperCase(), segment: (id: string) => `«${id}»` };

describe('a door from a number to the customers behind it', () => {
  it('is the customers list with the membership in behind and m.* parameters', () => {
    expect(doorHref({ membership: 'FUNNEL_DROPPED', from: '2026-01-01', to: '2026-03-31', stage: 'acquisition', channel: 'web' })).toBe(
      '/customers?behind=FUNNEL_DROPPED&m.from=2026-01-01&m.to=2026-03-31&m.channel=web&m.stage=acquisition',
    );
  });

  it('reads back every door it writes, beside the list’s own parameters', () => {
    const text = fc.string({ minLength: 1, maxLength: 12 });
    const day = fc
      .date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
      .map((date) => date.toISOString().slice(0, 10));
    const door: fc.Arbitrary<MetricDoor> = fc.record(
      {
        membership: fc.constantFrom('NEW_CUSTOMERS', 'ACTIVE_CUSTOMERS', 'FUNNEL_REACHED', 'FUNNEL_DROPPED', 'COHORT', 'FLOW'),
        from: day,
        to: day,
        segment: text,
        channel: text,
        campaign: text,
        attribution: fc.constantFrom('FIRST_TOUCH', 'LAST_TOUCH'),
        stage: text,
        fromStage: text,
        cohort: text,
        month: fc.nat({ max: 120 }),
      },
      { requiredKeys: ['membership', 'from', 'to'] },
    );
    fc.assert(
      fc.property(door, (written) => {
        const query = writeDoor(written, new URLSearchParams('q=ann&stage=retention'));
        expect(readDoor(new URLSearchParams(query.toString()))).toEqual(written);
        expect(withoutDoor(query).toString()).toBe('q=ann&stage=retention');
      }),
    );
  });

  it('is no door without a known membership and two days', () => {
    expect(readDoor(new URLSearchParams('behind=EVERYONE&m.from=2026-01-01&m.to=2026-01-02'))).toBeNull();
    expect(readDoor(new URLSearchParams('behind=NEW_CUSTOMERS&m.from=2026-01-01'))).toBeNull();
    expect(readDoor(new URLSearchParams('behind=NEW_CUSTOMERS&m.from=yesterday&m.to=2026-01-02'))).toBeNull();
  });

  it('says in words which customers it lists', () => {
    const range = { from: '2026-01-01', to: '2026-03-31' };
    expect(describeDoor({ membership: 'NEW_CUSTOMERS', ...range }, names)).toBe('New customers acquired 2026-01-01 to 2026-03-31');
    expect(describeDoor({ membership: 'FUNNEL_REACHED', ...range, stage: 'engagement', segment: 's1' }, names)).toBe(
      'Customers who entered 2026-01-01 to 2026-03-31 and reached ENGAGEMENT, segment «s1»',
    );
    expect(
      describeDoor({ membership: 'FUNNEL_DROPPED', ...range, stage: 'awareness', attribution: 'LAST_TOUCH', campaign: 'x' }, names),
    ).toBe('Customers who entered 2026-01-01 to 2026-03-31, reached AWARENESS and went no further, campaign x, credited by last touch');
    expect(describeDoor({ membership: 'FLOW', ...range, fromStage: 'at-risk', stage: 'churned' }, names)).toBe(
      'Customers who moved from AT-RISK to CHURNED 2026-01-01 to 2026-03-31',
    );
    expect(describeDoor({ membership: 'FLOW', ...range, stage: 'awareness' }, names)).toBe(
      'Customers who entered the lifecycle at AWARENESS 2026-01-01 to 2026-03-31',
    );
    expect(describeDoor({ membership: 'COHORT', ...range, cohort: '2025-11', month: 2 }, names)).toBe(
      'Customers acquired in 2025-11 and active in 2026-01 (month 2)',
    );
  });

  it('counts months across year ends', () => {
    expect(monthAfter('2025-11', 0)).toBe('2025-11');
    expect(monthAfter('2025-11', 2)).toBe('2026-01');
    expect(monthAfter('2025-12', 13)).toBe('2027-01');
  });
});
