import { AT_RISK } from '@clm/schema';
import type { LifecycleModel } from '@clm/schema';
import type { PlaybookInput } from './playbook-definition';

/** A ready-made playbook from the seeds' strategies, for the current lifecycle model. */
export type PlaybookPreset = {
  key: string;
  name: string;
  description: string;
  /** What `createPlaybook` takes to turn it on (adjust any field first). */
  input: PlaybookInput & { preset: string };
};

export const PRESET_KEYS = ['welcome', 'post-purchase-survey', 'win-back', 'review-request', 'stuck-in-engagement'] as const;

/**
 * The presets, filled in for `model`: the welcome follows its acquired stage,
 * the nudge its engagement stage (or, in a model without one, the first
 * funnel stage after the acquired stage). Each is off until an admin creates
 * it enabled. Pure.
 */
export function playbookPresets(model: LifecycleModel): PlaybookPreset[] {
  const funnel = model.stages.map((stage) => stage.key);
  const afterAcquired = funnel[funnel.indexOf(model.acquiredStage) + 1] ?? model.acquiredStage;
  const engagement = funnel.includes('engagement') ? 'engagement' : afterAcquired;
  return [
    {
      key: 'welcome',
      name: 'Welcome on acquisition',
      description: `Starts the welcome series when a customer enters ${model.acquiredStage}.`,
      input: {
        preset: 'welcome',
        name: 'Welcome on acquisition',
        trigger: { kind: 'STAGE_ENTERED', stage: model.acquiredStage },
        delayHours: 0,
        // A customer who moved on since (engaged, bought) still gets the welcome.
        recheck: false,
        cooldownDays: 365,
        outcomeDays: 30,
      },
    },
    {
      key: 'post-purchase-survey',
      name: 'Survey 3 days after a purchase',
      description: 'Asks for feedback (CSAT, NPS) three days after each purchase, at most once a month per customer.',
      input: {
        preset: 'post-purchase-survey',
        name: 'Survey 3 days after a purchase',
        trigger: { kind: 'TOUCHPOINT', touchpointType: 'purchase' },
        delayHours: 72,
        cooldownDays: 30,
        outcomeDays: 30,
      },
    },
    {
      key: 'win-back',
      name: 'Win-back when at-risk',
      description: 'Sends the win-back offer when a customer becomes at-risk, if they still are when it fires.',
      input: {
        preset: 'win-back',
        name: 'Win-back when at-risk',
        trigger: { kind: 'STAGE_ENTERED', stage: AT_RISK },
        delayHours: 0,
        cooldownDays: 90,
        outcomeDays: 30,
      },
    },
    {
      key: 'review-request',
      name: 'Review request after the second purchase',
      description: 'Asks a repeat customer for a review two days after their second purchase.',
      input: {
        preset: 'review-request',
        name: 'Review request after the second purchase',
        trigger: { kind: 'TOUCHPOINT', touchpointType: 'purchase', nth: 2 },
        delayHours: 48,
        cooldownDays: 365,
        outcomeDays: 30,
      },
    },
    {
      key: 'stuck-in-engagement',
      name: `Nudge when stuck in ${engagement} for 14 days`,
      description: `Alerts when a customer has been in ${engagement} for 14 days without moving on.`,
      input: {
        preset: 'stuck-in-engagement',
        name: `Nudge when stuck in ${engagement} for 14 days`,
        trigger: { kind: 'STUCK_IN_STAGE', stage: engagement, days: 14 },
        delayHours: 0,
        cooldownDays: 30,
        outcomeDays: 14,
      },
    },
  ];
}
