import { describe, expect, it } from '@jest/globals';
import { classicPreset } from '@clm/schema';
import fc from 'fast-check';
import { toTenThousandths } from '../../../core/money';
import { applyTouchpointEvents } from '../journey';
import type { Journey, JourneyEvent, TransitionToWrite } from '../journey';
import { applyTouchpoints, newCustomerState } from '../rule-engine';
import type { LifecycleState } from '../rule-engine';

const CUSTOMER_ID = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';

function date(iso: string): Date {
  return new Date(iso);
}

function event(touchpointId: string, type: string, occurredAt: string, value: number | null = null): JourneyEvent {
  return { touchpointId, type, channel: 'web', occurredAt: date(occurredAt), properties: {}, value };
}

function journey(lifecycle: LifecycleState = newCustomerState(), rollups: Partial<Journey> = {}): Journey {
  return { customerId: CUSTOMER_ID, lifecycle, firstSeenAt: null, orders: 0, revenueDelta: 0n, ...rollups };
}

function byTouchpoint(from: string | null, to: string, at: string, ruleId: string | null, touchpointId: string): TransitionToWrite {
  return { from, to, at: date(at), cause: 'touchpoint', ruleId, touchpointId, customerId: CUSTOMER_ID, actor: null, reason: null };
}

describe('applyTouchpointEvents', () => {
  it('moves a new customer through the classic preset and rolls up first seen, orders and revenue', () => {
    const events = [
      event('t1', 'page_view', '2026-01-05T10:00:00Z'),
      event('t2', 'purchase', '2026-01-10T10:00:00Z', 40),
      event('t3', 'refund', '2026-01-12T10:00:00Z', -15),
      event('t4', 'purchase', '2026-01-03T10:00:00Z', null),
    ];
    expect(applyTouchpointEvents(classicPreset, journey(), events)).toEqual({
      journey: {
        customerId: CUSTOMER_ID,
        lifecycle: {
          stage: 'retention',
          stageEnteredAt: date('2026-01-10T10:00:00Z'),
          funnelStage: 'retention',
          typeCounts: { page_view: 1, purchase: 2, refund: 1 },
          lastSeenAt: date('2026-01-12T10:00:00Z'),
        },
        // The earliest event, though it arrived last.
        firstSeenAt: date('2026-01-03T10:00:00Z'),
        orders: 2,
        // 40 + 0 (a purchase without a value) − |−15| = 25, in ten-thousandths
        revenueDelta: 250_000n,
      },
      transitions: [
        byTouchpoint(null, 'acquisition', '2026-01-03T10:00:00Z', 'acquired', 't4'),
        byTouchpoint('acquisition', 'retention', '2026-01-10T10:00:00Z', 'retained-repeat-purchase', 't2'),
      ],
    });
  });

  it('subtracts a refund by its size whether it is sent positive or negative', () => {
    const events = [event('r1', 'refund', '2026-02-01T00:00:00Z', 15), event('r2', 'refund', '2026-02-02T00:00:00Z', -10)];
    expect(applyTouchpointEvents(classicPreset, journey(), events).journey.revenueDelta).toBe(-250_000n);
  });

  it('counts a purchase without a value as an order that adds no revenue, and ignores refunds without a value', () => {
    const events = [event('p1', 'purchase', '2026-02-01T00:00:00Z'), event('r1', 'refund', '2026-02-02T00:00:00Z')];
    const { journey: after } = applyTouchpointEvents(classicPreset, journey(), events);
    expect([after.orders, after.revenueDelta]).toEqual([1, 0n]);
  });

  it('adds to the rollups already held and moves first seen back only for an earlier event', () => {
    const retained: LifecycleState = {
      stage: 'retention',
      stageEnteredAt: date('2026-02-01T00:00:00Z'),
      funnelStage: 'retention',
      typeCounts: { purchase: 3 },
      lastSeenAt: date('2026-02-01T00:00:00Z'),
    };
    const before = journey(retained, { firstSeenAt: date('2026-01-01T00:00:00Z'), orders: 3, revenueDelta: 75_000n });

    const later = applyTouchpointEvents(classicPreset, before, [event('p4', 'purchase', '2026-03-01T00:00:00Z', 20)]);
    expect(later.journey).toMatchObject({ firstSeenAt: date('2026-01-01T00:00:00Z'), orders: 4, revenueDelta: 275_000n });

    const earlier = applyTouchpointEvents(classicPreset, before, [event('v0', 'page_view', '2025-12-24T00:00:00Z')]);
    expect(earlier.journey).toMatchObject({ firstSeenAt: date('2025-12-24T00:00:00Z'), orders: 3, revenueDelta: 75_000n });
    expect(earlier.transitions).toEqual([]);
  });

  it('gives every transition the customer, and no actor or reason', () => {
    const events = [
      event('t1', 'signup', '2026-01-01T00:00:00Z'),
      event('t2', 'login', '2026-01-02T00:00:00Z'),
      { ...event('t3', 'review', '2026-01-03T00:00:00Z'), properties: { rating: 5 } },
    ];
    expect(applyTouchpointEvents(classicPreset, journey(), events).transitions).toEqual([
      byTouchpoint(null, 'acquisition', '2026-01-01T00:00:00Z', 'acquired', 't1'),
      byTouchpoint('acquisition', 'engagement', '2026-01-02T00:00:00Z', 'engaged', 't2'),
      byTouchpoint('engagement', 'advocacy', '2026-01-03T00:00:00Z', 'advocate-review', 't3'),
    ]);
  });

  it('changes nothing for no events', () => {
    const before = journey(newCustomerState(), { firstSeenAt: date('2026-01-01T00:00:00Z'), orders: 2, revenueDelta: 50_000n });
    expect(applyTouchpointEvents(classicPreset, before, [])).toEqual({ journey: before, transitions: [] });
  });

  it('does not mutate the journey it is given', () => {
    const before = journey(newCustomerState(), { firstSeenAt: date('2026-01-05T00:00:00Z') });
    const copy = structuredClone(before);
    applyTouchpointEvents(classicPreset, before, [event('p1', 'purchase', '2026-01-01T00:00:00Z', 10)]);
    expect(before).toEqual(copy);
  });

  it('for any events keeps the rule engine’s state and moves, and rolls up exactly', () => {
    const events = fc
      .array(
        fc.record({
          type: fc.constantFrom('purchase', 'refund', 'signup', 'login', 'page_view', 'review'),
          // Amounts with up to 4 decimals, up to the largest a touchpoint accepts.
          value: fc.option(
            fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }).map((units) => Number(units) / 10_000),
            { nil: null },
          ),
          occurredAt: fc.date({ min: date('2026-01-01T00:00:00Z'), max: date('2026-12-31T00:00:00Z'), noInvalidDate: true }),
        }),
        { maxLength: 12 },
      )
      .map((drawn) => drawn.map((item, index) => ({ ...item, touchpointId: `t${index}`, channel: 'web', properties: {} })));
    const firstSeen = fc.option(fc.date({ min: date('2026-01-01T00:00:00Z'), max: date('2026-12-31T00:00:00Z'), noInvalidDate: true }), {
      nil: null,
    });

    fc.assert(
      fc.property(events, firstSeen, fc.nat(100), (drawn, firstSeenAt, orders) => {
        const before = journey(newCustomerState(), { firstSeenAt, orders, revenueDelta: 30_000n });
        const change = applyTouchpointEvents(classicPreset, before, drawn);
        const engine = applyTouchpoints(classicPreset, before.lifecycle, drawn);
        const times = [firstSeenAt, ...drawn.map((item) => item.occurredAt)].filter((time) => time !== null).map((time) => time.getTime());
        // Exact: each value as PostgreSQL stores it (4 decimals), summed in ten-thousandths.
        const sum = (type: string, size: (value: number) => number) =>
          drawn.filter((item) => item.type === type).reduce((total, item) => total + toTenThousandths(size(item.value ?? 0)), 0n);

        expect(change.journey).toEqual({
          customerId: CUSTOMER_ID,
          lifecycle: engine.state,
          firstSeenAt: times.length === 0 ? null : new Date(Math.min(...times)),
          orders: orders + drawn.filter((item) => item.type === 'purchase').length,
          revenueDelta: 30_000n + sum('purchase', (value) => value) - sum('refund', Math.abs),
        });
        expect(change.transitions).toEqual(
          engine.transitions.map((transition) => ({ ...transition, customerId: CUSTOMER_ID, actor: null, reason: null })),
        );
      }),
      { numRuns: 300 },
    );
  });
});
