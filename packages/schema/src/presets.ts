import type { LifecycleModel, TouchpointMatch } from './lifecycle';

/*
 * The four lifecycle presets. Their stages come from the source articles the
 * product was designed from; their rules encode the moves those articles
 * describe (first purchase, second purchase, NPS promoter, good review,
 * referral) in the vocabulary of touchpoint types clm documents.
 */

const secondPurchase: TouchpointMatch = { types: ['purchase'], minCount: 2 };
const goodReview: TouchpointMatch = { types: ['review'], conditions: [{ property: 'rating', operator: 'gte', value: 4 }] };
const npsPromoter: TouchpointMatch = { types: ['survey_response'], conditions: [{ property: 'score', operator: 'gte', value: 9 }] };
const referral: TouchpointMatch = { types: ['referral'] };
const purchase: TouchpointMatch = { types: ['purchase'] };

export const classicPreset: LifecycleModel = {
  name: 'classic',
  description: 'Awareness, acquisition, engagement, retention, advocacy.',
  stages: [
    { key: 'awareness', name: 'Awareness', description: 'Knows the brand: has been seen at least once.' },
    { key: 'acquisition', name: 'Acquisition', description: 'Signed up, started a trial or bought for the first time.' },
    { key: 'engagement', name: 'Engagement', description: 'Uses the product after acquisition.' },
    { key: 'retention', name: 'Retention', description: 'Came back: a second purchase or a renewal.' },
    { key: 'advocacy', name: 'Advocacy', description: 'Recommends the brand: referral, good review or NPS promoter.' },
  ],
  acquiredStage: 'acquisition',
  rules: [
    {
      id: 'acquired',
      description: 'Sign-up, trial or first purchase',
      to: 'acquisition',
      when: { types: ['signup', 'trial_started', 'purchase'] },
    },
    {
      id: 'engaged',
      description: 'Product use after acquisition',
      to: 'engagement',
      from: ['acquisition'],
      when: { types: ['login', 'feature_used', 'product_usage', 'email_click', 'webinar_attended'] },
    },
    { id: 'retained-repeat-purchase', description: 'Second purchase', to: 'retention', when: secondPurchase },
    { id: 'retained-renewal', description: 'Subscription renewed', to: 'retention', when: { types: ['subscription_renewed'] } },
    {
      id: 'advocate-referral',
      description: 'Referred someone',
      to: 'advocacy',
      from: ['acquisition', 'engagement', 'retention'],
      when: referral,
    },
    {
      id: 'advocate-review',
      description: 'Review rated 4 or more',
      to: 'advocacy',
      from: ['acquisition', 'engagement', 'retention'],
      when: goodReview,
    },
    {
      id: 'advocate-promoter',
      description: 'NPS score of 9 or 10',
      to: 'advocacy',
      from: ['acquisition', 'engagement', 'retention'],
      when: npsPromoter,
    },
  ],
  inactivity: { fromStage: 'acquisition', atRiskAfterDays: 60, churnedAfterDays: 120 },
  winBack: { when: purchase, to: 'retention' },
};

export const purchaseFunnelPreset: LifecycleModel = {
  name: 'purchase-funnel',
  description: 'Awareness, consideration, purchase, retention, advocacy.',
  stages: [
    { key: 'awareness', name: 'Awareness', description: 'Has come across the brand.' },
    { key: 'consideration', name: 'Consideration', description: 'Evaluating: pricing page, demo, trial or sign-up.' },
    { key: 'purchase', name: 'Purchase', description: 'Bought once.' },
    { key: 'retention', name: 'Retention', description: 'Bought again.' },
    { key: 'advocacy', name: 'Advocacy', description: 'Recommends the brand.' },
  ],
  acquiredStage: 'purchase',
  rules: [
    {
      id: 'considering-pricing',
      description: 'Viewed the pricing page',
      to: 'consideration',
      when: { types: ['page_view'], conditions: [{ property: 'page', operator: 'eq', value: 'pricing' }] },
    },
    {
      id: 'considering',
      description: 'Demo request, trial, sign-up or email click',
      to: 'consideration',
      when: { types: ['demo_request', 'trial_started', 'signup', 'email_click'] },
    },
    { id: 'purchased', description: 'First purchase', to: 'purchase', when: purchase },
    { id: 'retained', description: 'Second purchase', to: 'retention', when: secondPurchase },
    { id: 'advocate-referral', description: 'Referred someone', to: 'advocacy', from: ['purchase', 'retention'], when: referral },
    { id: 'advocate-review', description: 'Review rated 4 or more', to: 'advocacy', from: ['purchase', 'retention'], when: goodReview },
    { id: 'advocate-promoter', description: 'NPS score of 9 or 10', to: 'advocacy', from: ['purchase', 'retention'], when: npsPromoter },
  ],
  inactivity: { fromStage: 'purchase', atRiskAfterDays: 60, churnedAfterDays: 120 },
  winBack: { when: purchase, to: null },
};

export const reachToLoyaltyPreset: LifecycleModel = {
  name: 'reach-to-loyalty',
  description: 'Reach, acquisition, conversion, retention, loyalty.',
  stages: [
    { key: 'reach', name: 'Reach', description: 'Reached by a channel: ad, post, mention or visit.' },
    { key: 'acquisition', name: 'Acquisition', description: 'Became a lead: sign-up, subscription or demo request.' },
    { key: 'conversion', name: 'Conversion', description: 'Bought for the first time.' },
    { key: 'retention', name: 'Retention', description: 'Bought again or renewed.' },
    { key: 'loyalty', name: 'Loyalty', description: 'Refers others, promotes the brand, or buys habitually.' },
  ],
  acquiredStage: 'conversion',
  rules: [
    {
      id: 'lead',
      description: 'Sign-up, newsletter subscription, lead form or demo request',
      to: 'acquisition',
      when: { types: ['signup', 'email_subscribe', 'lead_form', 'demo_request'] },
    },
    { id: 'converted', description: 'First purchase', to: 'conversion', when: purchase },
    { id: 'retained', description: 'Second purchase', to: 'retention', when: secondPurchase },
    { id: 'retained-renewal', description: 'Subscription renewed', to: 'retention', when: { types: ['subscription_renewed'] } },
    { id: 'loyal-habit', description: 'Fifth purchase', to: 'loyalty', when: { types: ['purchase'], minCount: 5 } },
    { id: 'loyal-referral', description: 'Referred someone', to: 'loyalty', from: ['conversion', 'retention'], when: referral },
    { id: 'loyal-promoter', description: 'NPS score of 9 or 10', to: 'loyalty', from: ['conversion', 'retention'], when: npsPromoter },
  ],
  inactivity: { fromStage: 'conversion', atRiskAfterDays: 90, churnedAfterDays: 180 },
  winBack: { when: purchase, to: 'retention' },
};

export const sixStagePreset: LifecycleModel = {
  name: 'six-stage',
  description: 'Awareness, engagement, evaluation, purchase, post-purchase support, advocacy and retention.',
  stages: [
    { key: 'awareness', name: 'Awareness', description: 'Has come across the brand.' },
    { key: 'engagement', name: 'Engagement', description: 'Interacts with content: emails, social, downloads, webinars.' },
    { key: 'evaluation', name: 'Evaluation', description: 'Compares options: demo, trial, pricing, sales conversation.' },
    { key: 'purchase', name: 'Purchase', description: 'Bought once.' },
    { key: 'post-purchase-support', name: 'Post-purchase support', description: 'Onboarding or support after buying.' },
    { key: 'advocacy-and-retention', name: 'Advocacy & retention', description: 'Bought again, or recommends the brand.' },
  ],
  acquiredStage: 'purchase',
  rules: [
    {
      id: 'engaged',
      description: 'Opened or clicked an email, engaged on social, downloaded content or attended a webinar',
      to: 'engagement',
      when: { types: ['email_open', 'email_click', 'social_engagement', 'content_download', 'webinar_attended'] },
    },
    {
      id: 'evaluating-pricing',
      description: 'Viewed the pricing page',
      to: 'evaluation',
      when: { types: ['page_view'], conditions: [{ property: 'page', operator: 'eq', value: 'pricing' }] },
    },
    {
      id: 'evaluating',
      description: 'Demo request, trial or a sales conversation',
      to: 'evaluation',
      when: { types: ['demo_request', 'trial_started', 'sales_call'] },
    },
    { id: 'purchased', description: 'First purchase', to: 'purchase', when: purchase },
    {
      id: 'supported',
      description: 'Support ticket or onboarding after purchase',
      to: 'post-purchase-support',
      from: ['purchase'],
      when: { types: ['support_ticket', 'onboarding_completed'] },
    },
    { id: 'retained', description: 'Second purchase', to: 'advocacy-and-retention', when: secondPurchase },
    {
      id: 'advocate-referral',
      description: 'Referred someone',
      to: 'advocacy-and-retention',
      from: ['purchase', 'post-purchase-support'],
      when: referral,
    },
    {
      id: 'advocate-review',
      description: 'Review rated 4 or more',
      to: 'advocacy-and-retention',
      from: ['purchase', 'post-purchase-support'],
      when: goodReview,
    },
    {
      id: 'advocate-promoter',
      description: 'NPS score of 9 or 10',
      to: 'advocacy-and-retention',
      from: ['purchase', 'post-purchase-support'],
      when: npsPromoter,
    },
  ],
  inactivity: { fromStage: 'purchase', atRiskAfterDays: 60, churnedAfterDays: 120 },
  winBack: { when: purchase, to: 'advocacy-and-retention' },
};

/** Every preset by name; `classic` is the default model of a new installation. */
export const LIFECYCLE_PRESETS: Readonly<Record<string, LifecycleModel>> = {
  classic: classicPreset,
  'purchase-funnel': purchaseFunnelPreset,
  'reach-to-loyalty': reachToLoyaltyPreset,
  'six-stage': sixStagePreset,
};

export const DEFAULT_PRESET = 'classic';
