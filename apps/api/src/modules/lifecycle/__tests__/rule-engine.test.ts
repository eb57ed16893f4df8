import { describe, expect, it } from '@jest/globals';
import { LIFECYCLE_PRESETS, classicPreset, purchaseFunnelPreset, reachToLoyaltyPreset, sixStagePreset } from '@clm/schema';
import type { JsonValue, LifecycleModel, PropertyCondition } from '@clm/schema';
import {
  AT_RISK_RULE_ID,
  CHURNED_RULE_ID,
  WIN_BACK_RULE_ID,
  applyInactivity,
  applyManualMove,
  applyTouchpoint,
  applyTouchpoints,
  enterLifecycle,
  matches,
  newCustomerState,
} from '../rule-engine';
import type { LifecycleEvent, LifecycleState, PlannedTransition, TransitionCause } from '../rule-engine';

function date(iso: string): Date {
  return new Date(iso);
}

function touchpoint(
  touchpointId: string,
  type: string,
  occurredAt: string,
  properties: Record<string, JsonValue> = {},
  channel = 'web',
): LifecycleEvent {
  return { touchpointId, type, channel, occurredAt: date(occurredAt), properties };
}

/** A customer in `stage` since `enteredAt`, last seen then too unless given. */
function customer(stage: string, enteredAt: string, extra: Partial<LifecycleState> = {}): LifecycleState {
  return { stage, stageEnteredAt: date(enteredAt), funnelStage: stage, typeCounts: {}, lastSeenAt: date(enteredAt), ...extra };
}

function byTouchpoint(from: string | null, to: string, at: string, ruleId: string | null, touchpointId: string): PlannedTransition {
  return { from, to, at: date(at), cause: 'touchpoint', ruleId, touchpointId };
}

function byEngine(from: string | null, to: string, at: string, cause: TransitionCause, ruleId: string | null): PlannedTransition {
  return { from, to, at: date(at), cause, ruleId, touchpointId: null };
}

/** The classic preset with `rules` added after its own. */
function classicWithRules(...rules: LifecycleModel['rules']): LifecycleModel {
  return { ...classicPreset, rules: [...classicPreset.rules, ...rules] };
}

describe('journeys through each preset', () => {
  it('takes a classic customer from awareness to advocacy', () => {
    const events = [
      touchpoint('t1', 'page_view', '2026-01-01T10:00:00Z', { page: 'home' }),
      touchpoint('t2', 'signup', '2026-01-02T10:00:00Z'),
      touchpoint('t3', 'login', '2026-01-03T10:00:00Z'),
      touchpoint('t4', 'purchase', '2026-01-10T10:00:00Z', { amount: 40 }),
      touchpoint('t5', 'purchase', '2026-02-10T10:00:00Z', { amount: 55 }),
      touchpoint('t6', 'review', '2026-03-01T10:00:00Z', { rating: 5 }),
    ];
    const result = applyTouchpoints(classicPreset, newCustomerState(), events);
    expect(result.transitions).toEqual([
      byTouchpoint(null, 'awareness', '2026-01-01T10:00:00Z', null, 't1'),
      byTouchpoint('awareness', 'acquisition', '2026-01-02T10:00:00Z', 'acquired', 't2'),
      byTouchpoint('acquisition', 'engagement', '2026-01-03T10:00:00Z', 'engaged', 't3'),
      byTouchpoint('engagement', 'retention', '2026-02-10T10:00:00Z', 'retained-repeat-purchase', 't5'),
      byTouchpoint('retention', 'advocacy', '2026-03-01T10:00:00Z', 'advocate-review', 't6'),
    ]);
    expect(result.state).toEqual({
      stage: 'advocacy',
      stageEnteredAt: date('2026-03-01T10:00:00Z'),
      funnelStage: 'advocacy',
      typeCounts: { page_view: 1, signup: 1, login: 1, purchase: 2, review: 1 },
      lastSeenAt: date('2026-03-01T10:00:00Z'),
    });
  });

  it('takes a purchase-funnel customer from awareness to advocacy', () => {
    const events = [
      touchpoint('t1', 'page_view', '2026-01-01T10:00:00Z', { page: 'blog/ten-tips' }),
      touchpoint('t2', 'page_view', '2026-01-04T10:00:00Z', { page: 'pricing' }),
      touchpoint('t3', 'purchase', '2026-01-05T10:00:00Z', { amount: 99 }),
      touchpoint('t4', 'purchase', '2026-02-05T10:00:00Z', { amount: 99 }),
      touchpoint('t5', 'survey_response', '2026-02-20T10:00:00Z', { score: 10 }, 'email'),
    ];
    const result = applyTouchpoints(purchaseFunnelPreset, newCustomerState(), events);
    expect(result.transitions).toEqual([
      byTouchpoint(null, 'awareness', '2026-01-01T10:00:00Z', null, 't1'),
      byTouchpoint('awareness', 'consideration', '2026-01-04T10:00:00Z', 'considering-pricing', 't2'),
      byTouchpoint('consideration', 'purchase', '2026-01-05T10:00:00Z', 'purchased', 't3'),
      byTouchpoint('purchase', 'retention', '2026-02-05T10:00:00Z', 'retained', 't4'),
      byTouchpoint('retention', 'advocacy', '2026-02-20T10:00:00Z', 'advocate-promoter', 't5'),
    ]);
    expect(result.state).toEqual({
      stage: 'advocacy',
      stageEnteredAt: date('2026-02-20T10:00:00Z'),
      funnelStage: 'advocacy',
      typeCounts: { page_view: 2, purchase: 2, survey_response: 1 },
      lastSeenAt: date('2026-02-20T10:00:00Z'),
    });
  });

  it('takes a reach-to-loyalty customer from reach to loyalty', () => {
    const events = [
      touchpoint('t1', 'ad_click', '2026-01-01T10:00:00Z', { campaign: 'spring' }, 'ads'),
      touchpoint('t2', 'email_subscribe', '2026-01-02T10:00:00Z'),
      touchpoint('t3', 'purchase', '2026-01-15T10:00:00Z', { amount: 20 }),
      touchpoint('t4', 'subscription_renewed', '2026-02-15T10:00:00Z'),
      touchpoint('t5', 'referral', '2026-03-01T10:00:00Z', { referred: 'friend@example.com' }, 'referral'),
    ];
    const result = applyTouchpoints(reachToLoyaltyPreset, newCustomerState(), events);
    expect(result.transitions).toEqual([
      byTouchpoint(null, 'reach', '2026-01-01T10:00:00Z', null, 't1'),
      byTouchpoint('reach', 'acquisition', '2026-01-02T10:00:00Z', 'lead', 't2'),
      byTouchpoint('acquisition', 'conversion', '2026-01-15T10:00:00Z', 'converted', 't3'),
      byTouchpoint('conversion', 'retention', '2026-02-15T10:00:00Z', 'retained-renewal', 't4'),
      byTouchpoint('retention', 'loyalty', '2026-03-01T10:00:00Z', 'loyal-referral', 't5'),
    ]);
    expect(result.state).toEqual({
      stage: 'loyalty',
      stageEnteredAt: date('2026-03-01T10:00:00Z'),
      funnelStage: 'loyalty',
      typeCounts: { ad_click: 1, email_subscribe: 1, purchase: 1, subscription_renewed: 1, referral: 1 },
      lastSeenAt: date('2026-03-01T10:00:00Z'),
    });
  });

  it('takes a six-stage customer from awareness to advocacy and retention', () => {
    const events = [
      touchpoint('t1', 'brand_mention', '2026-01-01T10:00:00Z', {}, 'social'),
      touchpoint('t2', 'email_open', '2026-01-02T10:00:00Z', {}, 'email'),
      touchpoint('t3', 'demo_request', '2026-01-03T10:00:00Z', {}, 'sales'),
      touchpoint('t4', 'purchase', '2026-01-10T10:00:00Z', { amount: 500 }),
      touchpoint('t5', 'support_ticket', '2026-01-12T10:00:00Z', { topic: 'setup' }, 'support'),
      touchpoint('t6', 'purchase', '2026-02-10T10:00:00Z', { amount: 500 }),
    ];
    const result = applyTouchpoints(sixStagePreset, newCustomerState(), events);
    expect(result.transitions).toEqual([
      byTouchpoint(null, 'awareness', '2026-01-01T10:00:00Z', null, 't1'),
      byTouchpoint('awareness', 'engagement', '2026-01-02T10:00:00Z', 'engaged', 't2'),
      byTouchpoint('engagement', 'evaluation', '2026-01-03T10:00:00Z', 'evaluating', 't3'),
      byTouchpoint('evaluation', 'purchase', '2026-01-10T10:00:00Z', 'purchased', 't4'),
      byTouchpoint('purchase', 'post-purchase-support', '2026-01-12T10:00:00Z', 'supported', 't5'),
      byTouchpoint('post-purchase-support', 'advocacy-and-retention', '2026-02-10T10:00:00Z', 'retained', 't6'),
    ]);
    expect(result.state).toEqual({
      stage: 'advocacy-and-retention',
      stageEnteredAt: date('2026-02-10T10:00:00Z'),
      funnelStage: 'advocacy-and-retention',
      typeCounts: { brand_mention: 1, email_open: 1, demo_request: 1, purchase: 2, support_ticket: 1 },
      lastSeenAt: date('2026-02-10T10:00:00Z'),
    });
  });

  it.each(Object.entries(LIFECYCLE_PRESETS))('moves nobody in the %s preset on a touchpoint that matches no rule', (_name, model) => {
    const stage = model.stages[1].key;
    const before = customer(stage, '2026-01-01T00:00:00Z', { typeCounts: { signup: 1 } });
    const result = applyTouchpoint(model, before, touchpoint('t9', 'refund', '2026-01-05T00:00:00Z', { amount: 20 }));
    expect(result).toEqual({
      state: { ...before, typeCounts: { signup: 1, refund: 1 }, lastSeenAt: date('2026-01-05T00:00:00Z') },
      transitions: [],
    });
  });
});

describe('entering the lifecycle', () => {
  it('enters a new customer straight at the stage of the furthest rule their first touchpoint matches', () => {
    const result = applyTouchpoint(classicPreset, newCustomerState(), touchpoint('t1', 'signup', '2026-01-01T00:00:00Z'));
    expect(result.transitions).toEqual([byTouchpoint(null, 'acquisition', '2026-01-01T00:00:00Z', 'acquired', 't1')]);
  });

  it('puts a customer created without a touchpoint into the first stage', () => {
    const result = enterLifecycle(reachToLoyaltyPreset, newCustomerState(), date('2026-01-01T00:00:00Z'), 'created');
    expect(result.transitions).toEqual([byEngine(null, 'reach', '2026-01-01T00:00:00Z', 'created', null)]);
    expect(result.state).toEqual({
      stage: 'reach',
      stageEnteredAt: date('2026-01-01T00:00:00Z'),
      funnelStage: 'reach',
      typeCounts: {},
      lastSeenAt: null,
    });
  });

  it('leaves a customer already in the lifecycle where they are', () => {
    const before = customer('conversion', '2026-01-01T00:00:00Z');
    expect(enterLifecycle(reachToLoyaltyPreset, before, date('2026-02-01T00:00:00Z'), 'created')).toEqual({
      state: before,
      transitions: [],
    });
  });
});

describe('rules', () => {
  it('only move forward: a first-purchase rule does not pull a retention customer back', () => {
    const before = customer('retention', '2026-02-01T00:00:00Z', { typeCounts: { purchase: 2 } });
    const result = applyTouchpoint(classicPreset, before, touchpoint('t1', 'purchase', '2026-03-01T00:00:00Z'));
    expect(result.transitions).toEqual([]);
    expect(result.state.stage).toBe('retention');
    expect(result.state.typeCounts).toEqual({ purchase: 3 });
  });

  it('pick the furthest stage when several rules match one touchpoint', () => {
    const before = customer('awareness', '2026-01-01T00:00:00Z', { typeCounts: { purchase: 1 } });
    const result = applyTouchpoint(classicPreset, before, touchpoint('t2', 'purchase', '2026-01-05T00:00:00Z'));
    expect(result.transitions).toEqual([byTouchpoint('awareness', 'retention', '2026-01-05T00:00:00Z', 'retained-repeat-purchase', 't2')]);
  });

  it('send a fifth purchase straight to loyalty even when it also converts and retains', () => {
    const before = customer('acquisition', '2026-01-01T00:00:00Z', { typeCounts: { purchase: 4 } });
    const result = applyTouchpoint(reachToLoyaltyPreset, before, touchpoint('t5', 'purchase', '2026-01-05T00:00:00Z'));
    expect(result.transitions).toEqual([byTouchpoint('acquisition', 'loyalty', '2026-01-05T00:00:00Z', 'loyal-habit', 't5')]);
  });

  it('with a from list do not fire for a customer in another stage', () => {
    const before = customer('awareness', '2026-01-01T00:00:00Z');
    expect(applyTouchpoint(classicPreset, before, touchpoint('t1', 'login', '2026-01-02T00:00:00Z')).transitions).toEqual([]);
    expect(applyTouchpoint(classicPreset, before, touchpoint('t2', 'referral', '2026-01-02T00:00:00Z')).transitions).toEqual([]);
  });

  it('with a from list fire for a customer in one of its stages', () => {
    const before = customer('acquisition', '2026-01-01T00:00:00Z');
    const result = applyTouchpoint(classicPreset, before, touchpoint('t1', 'referral', '2026-01-02T00:00:00Z', {}, 'referral'));
    expect(result.transitions).toEqual([byTouchpoint('acquisition', 'advocacy', '2026-01-02T00:00:00Z', 'advocate-referral', 't1')]);
  });

  it('with a from list naming at-risk bring an at-risk customer back into the funnel', () => {
    const model = classicWithRules({
      id: 'reactivated',
      description: 'Logged in again',
      to: 'engagement',
      from: ['at-risk'],
      when: { types: ['login'] },
    });
    const before = customer('at-risk', '2026-03-02T00:00:00Z', { funnelStage: 'retention', lastSeenAt: date('2026-01-01T00:00:00Z') });
    const result = applyTouchpoint(model, before, touchpoint('t1', 'login', '2026-03-10T00:00:00Z'));
    expect(result.transitions).toEqual([byTouchpoint('at-risk', 'engagement', '2026-03-10T00:00:00Z', 'reactivated', 't1')]);
    expect(result.state.funnelStage).toBe('engagement');
  });

  it('without a from list never move an at-risk customer', () => {
    const model = classicWithRules({ id: 'engaged-anywhere', description: 'Logged in', to: 'engagement', when: { types: ['login'] } });
    const before = customer('at-risk', '2026-03-02T00:00:00Z', { funnelStage: 'acquisition' });
    expect(applyTouchpoint(model, before, touchpoint('t1', 'login', '2026-03-10T00:00:00Z')).transitions).toEqual([]);
  });

  it('pick the furthest stage for an off-path customer too when several rules from there match', () => {
    const model = classicWithRules(
      { id: 'reactivated', description: 'Logged in again', to: 'engagement', from: ['churned'], when: { types: ['login'] } },
      { id: 'reactivated-promoter', description: 'Came back as a fan', to: 'advocacy', from: ['churned'], when: { channels: ['web'] } },
    );
    const before = customer('churned', '2026-05-01T00:00:00Z', { funnelStage: 'engagement' });
    const result = applyTouchpoint(model, before, touchpoint('t1', 'login', '2026-06-01T00:00:00Z'));
    expect(result.transitions).toEqual([byTouchpoint('churned', 'advocacy', '2026-06-01T00:00:00Z', 'reactivated-promoter', 't1')]);
  });

  it('count touchpoints by type across calls, so the second purchase retains', () => {
    const engaged = customer('engagement', '2026-01-03T00:00:00Z', { typeCounts: { signup: 1, login: 1 } });
    const first = applyTouchpoint(classicPreset, engaged, touchpoint('p1', 'purchase', '2026-01-10T00:00:00Z'));
    expect(first.transitions).toEqual([]);
    expect(first.state.typeCounts).toEqual({ signup: 1, login: 1, purchase: 1 });
    const second = applyTouchpoint(classicPreset, first.state, touchpoint('p2', 'purchase', '2026-02-10T00:00:00Z'));
    expect(second.transitions).toEqual([byTouchpoint('engagement', 'retention', '2026-02-10T00:00:00Z', 'retained-repeat-purchase', 'p2')]);
    expect(second.state.typeCounts).toEqual({ signup: 1, login: 1, purchase: 2 });
  });
});

describe('property conditions', () => {
  const state = newCustomerState();
  function holds(condition: PropertyCondition, properties: Record<string, JsonValue>): boolean {
    return matches({ conditions: [condition] }, state, touchpoint('t1', 'survey_response', '2026-01-01T00:00:00Z', properties));
  }

  it('compare numeric strings as numbers', () => {
    const promoter: PropertyCondition = { property: 'score', operator: 'gte', value: 9 };
    expect(holds(promoter, { score: '9' })).toBe(true);
    expect(holds(promoter, { score: '10' })).toBe(true);
    expect(holds(promoter, { score: '8' })).toBe(false);
    expect(holds(promoter, { score: 'nine' })).toBe(false);
    expect(holds(promoter, { score: '' })).toBe(false);
    expect(holds({ property: 'score', operator: 'lt', value: 7 }, { score: '6.5' })).toBe(true);
    expect(holds({ property: 'score', operator: 'gt', value: 9 }, { score: '9' })).toBe(false);
    expect(holds({ property: 'score', operator: 'lte', value: 6 }, { score: 6 })).toBe(true);
  });

  it('make an NPS answer of "9" from a form a promoter', () => {
    const before = customer('engagement', '2026-01-01T00:00:00Z');
    const result = applyTouchpoint(
      classicPreset,
      before,
      touchpoint('t1', 'survey_response', '2026-01-02T00:00:00Z', { score: '9' }, 'email'),
    );
    expect(result.transitions).toEqual([byTouchpoint('engagement', 'advocacy', '2026-01-02T00:00:00Z', 'advocate-promoter', 't1')]);
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'survey.constructor'])(
    'never see the inherited %s of a properties object as a property that exists',
    (property) => {
      expect(holds({ property, operator: 'exists' }, { survey: {} })).toBe(false);
      expect(holds({ property, operator: 'contains', value: 'function' }, {})).toBe(false);
    },
  );

  it('do not move a customer to advocacy on a page_view whose rule tests an inherited name', () => {
    const model = classicWithRules({
      id: 'odd',
      description: 'tests constructor',
      to: 'advocacy',
      when: { types: ['page_view'], conditions: [{ property: 'constructor', operator: 'exists' }] },
    });
    const result = applyTouchpoint(
      model,
      customer('engagement', '2026-01-01T00:00:00Z'),
      touchpoint('t1', 'page_view', '2026-01-02T00:00:00Z', {}),
    );
    expect(result.transitions).toEqual([]);
  });

  it('read nested properties through dot paths', () => {
    const condition: PropertyCondition = { property: 'survey.nps.score', operator: 'gte', value: 9 };
    expect(holds(condition, { survey: { nps: { score: 10 } } })).toBe(true);
    expect(holds(condition, { survey: { nps: { score: 3 } } })).toBe(false);
    expect(holds(condition, { survey: { nps: 10 } })).toBe(false);
    expect(holds(condition, { survey: [{ nps: { score: 10 } }] })).toBe(false);
    expect(holds(condition, {})).toBe(false);
  });

  it('read a list index in a path as the 0-based element, and anything else in a list as absent', () => {
    const properties = { tags: ['vip', 'beta'], seats: { '1': 'one' } };
    expect(holds({ property: 'tags.0', operator: 'eq', value: 'vip' }, properties)).toBe(true);
    expect(holds({ property: 'tags.1', operator: 'eq', value: 'beta' }, properties)).toBe(true);
    expect(holds({ property: 'tags.1', operator: 'in', value: ['beta', 'gold'] }, properties)).toBe(true);
    expect(holds({ property: 'tags.1', operator: 'neq', value: 'beta' }, properties)).toBe(false);
    expect(holds({ property: 'tags.2', operator: 'exists' }, properties)).toBe(false);
    expect(holds({ property: 'tags.2', operator: 'neq', value: 'beta' }, properties)).toBe(true);
    for (const loose of ['-1', '01', '+1', ' 1', '1.0', 'length'])
      expect(holds({ property: `tags.${loose}`, operator: 'exists' }, properties)).toBe(false);
    // In an object the same part is a key.
    expect(holds({ property: 'seats.1', operator: 'eq', value: 'one' }, properties)).toBe(true);
  });

  it('read as numbers only texts PostgreSQL reads as numbers too, never a full-width space, 400 digits or NaN', () => {
    const over = { property: 'score', operator: 'gt', value: 0 } as const;
    expect(holds(over, { score: ' 7 ' })).toBe(true);
    expect(holds(over, { score: '1e3' })).toBe(true);
    for (const score of ['7\u3000', '\uff17', '9'.repeat(400), 'NaN', 'Infinity', '0x10', '1_000', '1e999', '1e-400', '1e1000'])
      expect(holds(over, { score })).toBe(false);
    expect(holds({ property: 'score', operator: 'lt', value: 0 }, { score: '-1e-300' })).toBe(true);
  });

  it('compare objects by their keys whatever the order, as jsonb does', () => {
    expect(holds({ property: 'plan', operator: 'eq', value: { a: 1, b: 2 } }, { plan: { b: 2, a: 1 } })).toBe(true);
    expect(holds({ property: 'plan', operator: 'eq', value: { a: 1 } }, { plan: { a: 1, b: 2 } })).toBe(false);
  });

  it('match "in" when the property equals one of the listed values', () => {
    const condition: PropertyCondition = { property: 'plan', operator: 'in', value: ['pro', 'team'] };
    expect(holds(condition, { plan: 'team' })).toBe(true);
    expect(holds(condition, { plan: 'free' })).toBe(false);
    expect(holds(condition, {})).toBe(false);
  });

  it('match "eq" and "neq" on exact values, a missing property being unequal', () => {
    expect(holds({ property: 'page', operator: 'eq', value: 'pricing' }, { page: 'pricing' })).toBe(true);
    expect(holds({ property: 'page', operator: 'eq', value: 'pricing' }, { page: 'pricing/team' })).toBe(false);
    expect(holds({ property: 'page', operator: 'neq', value: 'pricing' }, { page: 'home' })).toBe(true);
    expect(holds({ property: 'page', operator: 'neq', value: 'pricing' }, { page: 'pricing' })).toBe(false);
    expect(holds({ property: 'page', operator: 'neq', value: 'pricing' }, {})).toBe(true);
  });

  it('match "exists" on any present value but null', () => {
    const condition: PropertyCondition = { property: 'coupon', operator: 'exists' };
    expect(holds(condition, { coupon: 'SPRING' })).toBe(true);
    expect(holds(condition, { coupon: false })).toBe(true);
    expect(holds(condition, { coupon: 0 })).toBe(true);
    expect(holds(condition, { coupon: null })).toBe(false);
    expect(holds(condition, {})).toBe(false);
  });

  it('match "contains" on substrings and on list items', () => {
    expect(holds({ property: 'comment', operator: 'contains', value: 'love' }, { comment: 'I love it' })).toBe(true);
    expect(holds({ property: 'comment', operator: 'contains', value: 'hate' }, { comment: 'I love it' })).toBe(false);
    expect(holds({ property: 'tags', operator: 'contains', value: 'vip' }, { tags: ['beta', 'vip'] })).toBe(true);
    expect(holds({ property: 'tags', operator: 'contains', value: 'gold' }, { tags: ['beta', 'vip'] })).toBe(false);
    expect(holds({ property: 'tags', operator: 'contains', value: 'vip' }, {})).toBe(false);
  });

  it('require every condition, the type and the channel to hold', () => {
    const match = { types: ['review'], channels: ['web'], conditions: [{ property: 'rating', operator: 'gte' as const, value: 4 }] };
    expect(matches(match, state, touchpoint('t1', 'review', '2026-01-01T00:00:00Z', { rating: 5 }))).toBe(true);
    expect(matches(match, state, touchpoint('t2', 'review', '2026-01-01T00:00:00Z', { rating: 5 }, 'email'))).toBe(false);
    expect(matches(match, state, touchpoint('t3', 'purchase', '2026-01-01T00:00:00Z', { rating: 5 }))).toBe(false);
    expect(matches(match, state, touchpoint('t4', 'review', '2026-01-01T00:00:00Z', { rating: 3 }))).toBe(false);
  });
});

describe('win-back', () => {
  it('moves an at-risk classic customer who buys to retention', () => {
    const before = customer('at-risk', '2026-03-02T00:00:00Z', {
      funnelStage: 'engagement',
      typeCounts: { purchase: 1 },
      lastSeenAt: date('2026-01-01T00:00:00Z'),
    });
    const result = applyTouchpoint(classicPreset, before, touchpoint('t1', 'purchase', '2026-03-20T00:00:00Z'));
    expect(result.transitions).toEqual([byTouchpoint('at-risk', 'retention', '2026-03-20T00:00:00Z', WIN_BACK_RULE_ID, 't1')]);
    expect(result.state).toEqual({
      stage: 'retention',
      stageEnteredAt: date('2026-03-20T00:00:00Z'),
      funnelStage: 'retention',
      typeCounts: { purchase: 2 },
      lastSeenAt: date('2026-03-20T00:00:00Z'),
    });
  });

  it('moves a churned classic customer who buys to retention', () => {
    const before = customer('churned', '2026-05-01T00:00:00Z', { funnelStage: 'advocacy', lastSeenAt: date('2026-01-01T00:00:00Z') });
    const result = applyTouchpoint(classicPreset, before, touchpoint('t1', 'purchase', '2026-07-01T00:00:00Z'));
    expect(result.transitions).toEqual([byTouchpoint('churned', 'retention', '2026-07-01T00:00:00Z', WIN_BACK_RULE_ID, 't1')]);
  });

  it('returns an at-risk purchase-funnel customer to the funnel stage they held', () => {
    const before = customer('at-risk', '2026-03-02T00:00:00Z', { funnelStage: 'retention', lastSeenAt: date('2026-01-01T00:00:00Z') });
    const result = applyTouchpoint(purchaseFunnelPreset, before, touchpoint('t1', 'purchase', '2026-03-05T00:00:00Z'));
    expect(result.transitions).toEqual([byTouchpoint('at-risk', 'retention', '2026-03-05T00:00:00Z', WIN_BACK_RULE_ID, 't1')]);
  });

  it('returns a purchase-funnel customer who churned from purchase to purchase', () => {
    const bought = applyTouchpoint(
      purchaseFunnelPreset,
      customer('consideration', '2025-12-20T00:00:00Z'),
      touchpoint('p1', 'purchase', '2026-01-01T00:00:00Z'),
    );
    const swept = applyInactivity(purchaseFunnelPreset, bought.state, date('2026-06-01T00:00:00Z'));
    expect(swept.transitions).toEqual([
      byEngine('purchase', 'at-risk', '2026-03-02T00:00:00Z', 'inactivity', AT_RISK_RULE_ID),
      byEngine('at-risk', 'churned', '2026-05-01T00:00:00Z', 'inactivity', CHURNED_RULE_ID),
    ]);
    const back = applyTouchpoint(purchaseFunnelPreset, swept.state, touchpoint('p2', 'purchase', '2026-06-10T00:00:00Z'));
    expect(back.transitions).toEqual([byTouchpoint('churned', 'purchase', '2026-06-10T00:00:00Z', WIN_BACK_RULE_ID, 'p2')]);
    expect(back.state.funnelStage).toBe('purchase');
  });

  it('leaves an at-risk customer at-risk on a touchpoint that is not a win-back', () => {
    const before = customer('at-risk', '2026-03-02T00:00:00Z', { funnelStage: 'engagement', lastSeenAt: date('2026-01-01T00:00:00Z') });
    const result = applyTouchpoint(classicPreset, before, touchpoint('t1', 'login', '2026-03-10T00:00:00Z'));
    expect(result).toEqual({
      state: { ...before, typeCounts: { login: 1 }, lastSeenAt: date('2026-03-10T00:00:00Z') },
      transitions: [],
    });
  });
});

describe('late events', () => {
  it('move a customer forward but date the move when the current stage was entered, never earlier', () => {
    const before = customer('acquisition', '2026-03-10T00:00:00Z', { typeCounts: { signup: 1 } });
    const result = applyTouchpoint(classicPreset, before, touchpoint('t1', 'login', '2026-03-05T00:00:00Z'));
    expect(result.transitions).toEqual([byTouchpoint('acquisition', 'engagement', '2026-03-10T00:00:00Z', 'engaged', 't1')]);
    expect(result.state).toEqual({
      stage: 'engagement',
      stageEnteredAt: date('2026-03-10T00:00:00Z'),
      funnelStage: 'engagement',
      typeCounts: { signup: 1, login: 1 },
      lastSeenAt: date('2026-03-10T00:00:00Z'),
    });
  });

  it('never rewind a customer past a stage entered later', () => {
    const before = customer('retention', '2026-03-10T00:00:00Z', { typeCounts: { purchase: 2 } });
    const result = applyTouchpoint(classicPreset, before, touchpoint('t1', 'signup', '2026-01-01T00:00:00Z'));
    expect(result.transitions).toEqual([]);
    expect(result.state.stage).toBe('retention');
  });

  it('do not win back a customer with a purchase dated before they went at-risk', () => {
    const before = customer('at-risk', '2026-03-02T00:00:00Z', {
      funnelStage: 'engagement',
      typeCounts: { purchase: 1 },
      lastSeenAt: date('2026-01-01T00:00:00Z'),
    });
    const result = applyTouchpoint(classicPreset, before, touchpoint('t1', 'purchase', '2026-02-15T00:00:00Z'));
    expect(result).toEqual({
      state: { ...before, typeCounts: { purchase: 2 }, lastSeenAt: date('2026-02-15T00:00:00Z') },
      transitions: [],
    });
  });

  it('never move the last-seen time back', () => {
    const before = customer('engagement', '2026-03-10T00:00:00Z');
    const result = applyTouchpoint(classicPreset, before, touchpoint('t1', 'page_view', '2026-03-01T00:00:00Z'));
    expect(result.state.lastSeenAt).toEqual(date('2026-03-10T00:00:00Z'));
  });
});

describe('the inactivity sweep', () => {
  const lastSeen = '2026-01-01T00:00:00Z';
  const engaged = customer('engagement', '2025-12-20T00:00:00Z', { lastSeenAt: date(lastSeen) });

  it('makes a classic customer at-risk exactly 60 days after they were last seen', () => {
    const result = applyInactivity(classicPreset, engaged, date('2026-03-02T00:00:00Z'));
    expect(result.transitions).toEqual([byEngine('engagement', 'at-risk', '2026-03-02T00:00:00Z', 'inactivity', AT_RISK_RULE_ID)]);
    expect(result.state).toEqual({ ...engaged, stage: 'at-risk', stageEnteredAt: date('2026-03-02T00:00:00Z'), funnelStage: 'engagement' });
  });

  it('moves nobody a millisecond before the threshold', () => {
    expect(applyInactivity(classicPreset, engaged, date('2026-03-01T23:59:59.999Z'))).toEqual({ state: engaged, transitions: [] });
  });

  it('dates the at-risk move at the threshold, not at the sweep', () => {
    const result = applyInactivity(classicPreset, engaged, date('2026-04-15T00:00:00Z'));
    expect(result.transitions).toEqual([byEngine('engagement', 'at-risk', '2026-03-02T00:00:00Z', 'inactivity', AT_RISK_RULE_ID)]);
  });

  it('takes a long-silent customer straight to churned through at-risk', () => {
    const result = applyInactivity(classicPreset, engaged, date('2026-09-01T00:00:00Z'));
    expect(result.transitions).toEqual([
      byEngine('engagement', 'at-risk', '2026-03-02T00:00:00Z', 'inactivity', AT_RISK_RULE_ID),
      byEngine('at-risk', 'churned', '2026-05-01T00:00:00Z', 'inactivity', CHURNED_RULE_ID),
    ]);
    expect(result.state).toEqual({ ...engaged, stage: 'churned', stageEnteredAt: date('2026-05-01T00:00:00Z'), funnelStage: 'engagement' });
  });

  it('churns an at-risk customer once the churn threshold passes', () => {
    const atRisk = customer('at-risk', '2026-03-02T00:00:00Z', { funnelStage: 'retention', lastSeenAt: date(lastSeen) });
    expect(applyInactivity(classicPreset, atRisk, date('2026-04-30T23:59:59.999Z'))).toEqual({ state: atRisk, transitions: [] });
    expect(applyInactivity(classicPreset, atRisk, date('2026-05-01T00:00:00Z')).transitions).toEqual([
      byEngine('at-risk', 'churned', '2026-05-01T00:00:00Z', 'inactivity', CHURNED_RULE_ID),
    ]);
  });

  it('never sweeps a customer before the policy stage (classic awareness)', () => {
    const aware = customer('awareness', '2025-01-01T00:00:00Z');
    expect(applyInactivity(classicPreset, aware, date('2027-01-01T00:00:00Z'))).toEqual({ state: aware, transitions: [] });
  });

  it('never sweeps a churned customer again', () => {
    const churned = customer('churned', '2026-05-01T00:00:00Z', { funnelStage: 'engagement', lastSeenAt: date(lastSeen) });
    expect(applyInactivity(classicPreset, churned, date('2027-01-01T00:00:00Z'))).toEqual({ state: churned, transitions: [] });
  });

  it('never sweeps a customer who is not in the lifecycle or was never seen', () => {
    expect(applyInactivity(classicPreset, newCustomerState(), date('2027-01-01T00:00:00Z')).transitions).toEqual([]);
    const unseen = customer('retention', '2026-01-01T00:00:00Z', { lastSeenAt: null });
    expect(applyInactivity(classicPreset, unseen, date('2027-01-01T00:00:00Z')).transitions).toEqual([]);
  });

  it.each(Object.entries(LIFECYCLE_PRESETS))('in the %s preset sweeps the policy stage and every later one', (_name, model) => {
    const { fromStage, atRiskAfterDays } = model.inactivity;
    const threshold = new Date(date(lastSeen).getTime() + atRiskAfterDays * 86_400_000);
    const later = model.stages.slice(model.stages.findIndex((stage) => stage.key === fromStage)).map((stage) => stage.key);
    for (const stage of later) {
      const result = applyInactivity(model, customer(stage, '2025-12-01T00:00:00Z', { lastSeenAt: date(lastSeen) }), threshold);
      expect(result.transitions).toEqual([
        { from: stage, to: 'at-risk', at: threshold, cause: 'inactivity', ruleId: AT_RISK_RULE_ID, touchpointId: null },
      ]);
    }
  });

  it('uses each preset’s own thresholds (reach-to-loyalty: 90 and 180 days)', () => {
    const converted = customer('conversion', '2025-12-20T00:00:00Z', { lastSeenAt: date(lastSeen) });
    expect(applyInactivity(reachToLoyaltyPreset, converted, date('2026-09-01T00:00:00Z')).transitions).toEqual([
      byEngine('conversion', 'at-risk', '2026-04-01T00:00:00Z', 'inactivity', AT_RISK_RULE_ID),
      byEngine('at-risk', 'churned', '2026-06-30T00:00:00Z', 'inactivity', CHURNED_RULE_ID),
    ]);
  });
});

describe('manual moves', () => {
  const retained = customer('retention', '2026-02-01T00:00:00Z', { typeCounts: { purchase: 2 } });

  it('move a customer back to any funnel stage', () => {
    const result = applyManualMove(classicPreset, retained, 'awareness', date('2026-03-01T00:00:00Z'));
    expect(result.transitions).toEqual([byEngine('retention', 'awareness', '2026-03-01T00:00:00Z', 'manual', null)]);
    expect(result.state).toEqual({
      ...retained,
      stage: 'awareness',
      stageEnteredAt: date('2026-03-01T00:00:00Z'),
      funnelStage: 'awareness',
    });
  });

  it('move a customer off the funnel, keeping the funnel stage they held', () => {
    const result = applyManualMove(classicPreset, retained, 'churned', date('2026-03-01T00:00:00Z'));
    expect(result.transitions).toEqual([byEngine('retention', 'churned', '2026-03-01T00:00:00Z', 'manual', null)]);
    expect(result.state).toEqual({ ...retained, stage: 'churned', stageEnteredAt: date('2026-03-01T00:00:00Z'), funnelStage: 'retention' });
  });

  it('reject a stage the model does not have', () => {
    expect(() => applyManualMove(classicPreset, retained, 'loyalty', date('2026-03-01T00:00:00Z'))).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_STAGE', message: 'to: "loyalty" is not a stage of the lifecycle model "classic"' }),
    );
  });

  it('to the current stage change nothing', () => {
    expect(applyManualMove(classicPreset, retained, 'retention', date('2026-03-01T00:00:00Z'))).toEqual({
      state: retained,
      transitions: [],
    });
  });
});

describe('applyTouchpoints', () => {
  it('applies touchpoints in event-time order whatever order they arrive in', () => {
    const events = [
      touchpoint('t6', 'review', '2026-03-01T10:00:00Z', { rating: 5 }),
      touchpoint('t3', 'login', '2026-01-03T10:00:00Z'),
      touchpoint('t5', 'purchase', '2026-02-10T10:00:00Z'),
      touchpoint('t1', 'page_view', '2026-01-01T10:00:00Z'),
      touchpoint('t4', 'purchase', '2026-01-10T10:00:00Z'),
      touchpoint('t2', 'signup', '2026-01-02T10:00:00Z'),
    ];
    const result = applyTouchpoints(classicPreset, newCustomerState(), events);
    expect(result.transitions).toEqual([
      byTouchpoint(null, 'awareness', '2026-01-01T10:00:00Z', null, 't1'),
      byTouchpoint('awareness', 'acquisition', '2026-01-02T10:00:00Z', 'acquired', 't2'),
      byTouchpoint('acquisition', 'engagement', '2026-01-03T10:00:00Z', 'engaged', 't3'),
      byTouchpoint('engagement', 'retention', '2026-02-10T10:00:00Z', 'retained-repeat-purchase', 't5'),
      byTouchpoint('retention', 'advocacy', '2026-03-01T10:00:00Z', 'advocate-review', 't6'),
    ]);
    expect(result.state.lastSeenAt).toEqual(date('2026-03-01T10:00:00Z'));
  });

  it('keeps arrival order for touchpoints at the same instant', () => {
    const events = [touchpoint('t1', 'signup', '2026-01-01T10:00:00Z'), touchpoint('t2', 'login', '2026-01-01T10:00:00Z')];
    expect(applyTouchpoints(classicPreset, newCustomerState(), events).transitions).toEqual([
      byTouchpoint(null, 'acquisition', '2026-01-01T10:00:00Z', 'acquired', 't1'),
      byTouchpoint('acquisition', 'engagement', '2026-01-01T10:00:00Z', 'engaged', 't2'),
    ]);
  });

  it('does not mutate the state it is given', () => {
    const before = customer('acquisition', '2026-01-01T00:00:00Z', { typeCounts: { signup: 1 } });
    const copy = structuredClone(before);
    applyTouchpoints(classicPreset, before, [touchpoint('t1', 'login', '2026-01-02T00:00:00Z')]);
    expect(before).toEqual(copy);
  });
});
