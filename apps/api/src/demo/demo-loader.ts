import type { Logger } from 'pino';
import type { Projector } from '../log';
import type { CampaignService } from '../modules/campaigns';
import type { CustomerService } from '../modules/customers';
import type { LifecycleService } from '../modules/lifecycle';
import type { SegmentService } from '../modules/segments';
import type { IngestService } from '../modules/touchpoints';
import { demoWindows } from './demo-plan';
import type { DemoPlan } from './demo-plan';
import type { DemoTouchpoint } from './demo-story';

/** The services the demo uses: the same ones the GraphQL mutations call. */
export type DemoServices = {
  ingest: IngestService;
  campaigns: CampaignService;
  segments: SegmentService;
  lifecycle: LifecycleService;
  customers: CustomerService;
  projector: Projector;
};

export type DemoLog = Pick<Logger, 'info' | 'warn' | 'error'>;

export type DemoLoadResult = {
  /** True when the load was stopped (shutdown) before it finished. */
  stopped: boolean;
  customers: number;
  touchpoints: number;
  batches: number;
  sweeps: number;
  campaigns: number;
  spendRows: number;
  segments: number;
  milliseconds: number;
};

/** Who the demo's segments are created by. */
export const DEMO_ACTOR = 'demo';

/**
 * Loads a demo plan through clm's public services, exactly as a client's
 * calls would go: campaigns and their spend (`createCampaign`,
 * `recordCampaignSpend`), every touchpoint through `IngestService.record`
 * (the `recordTouchpoints` mutation's validation, rules and transactions) in
 * two-week windows of batches of at most 1,000, the inactivity sweep at the end
 * of each window (so churn happens during the year and later purchases win
 * customers back), and the segments (`createSegment`) once the metrics
 * projection has caught up. Any refused item stops the load with its error.
 * `stopping` is asked between batches: a shutdown waits for one batch, not
 * for the whole load.
 */
export async function loadDemo(
  services: DemoServices,
  plan: DemoPlan,
  log: DemoLog,
  stopping: () => boolean = () => false,
): Promise<DemoLoadResult> {
  const started = Date.now();
  for (const campaign of plan.campaigns) {
    await services.campaigns.create({
      key: campaign.key,
      name: campaign.name,
      channel: campaign.channel,
      startsOn: campaign.startsOn,
      endsOn: campaign.endsOn,
    });
  }
  await services.campaigns.recordSpend(plan.spend);

  const windows = demoWindows(plan);
  const total = plan.touchpoints.length;
  let sent = 0;
  let batches = 0;
  let nextReport = 0.1;
  log.info(
    { customers: plan.customers.length, touchpoints: total, campaigns: plan.campaigns.length },
    'demo: loading a year of a demo business',
  );
  let stopped = false;
  for (const window of windows) {
    for (const batch of window.batches) {
      stopped = stopping();
      if (stopped) break;
      const offset = sent;
      const results = await services.ingest.record(batch.map(toSubmission), (index) => `demo.touchpoints[${offset + index}]`);
      const refused = results.find((result) => result.error !== null);
      if (refused) throw new Error(`demo: a touchpoint was refused: ${refused.error?.message ?? JSON.stringify(refused)}`);
      sent += batch.length;
      batches++;
      if (sent / total >= nextReport) {
        log.info(
          { touchpoints: sent, of: total, percent: Math.floor((sent / total) * 100), upTo: window.sweepAt.toISOString().slice(0, 10) },
          'demo: loading',
        );
        while (sent / total >= nextReport) nextReport += 0.1;
      }
    }
    if (stopped) break;
    await services.lifecycle.runInactivitySweep(window.sweepAt);
  }

  if (!stopped) {
    // NPS_SCORE reads the metrics projection: let it catch up before the segments are evaluated.
    await services.projector.catchUp(60_000);
    for (const segment of plan.segments) await services.segments.create(segment, DEMO_ACTOR, plan.today);
  }

  const result: DemoLoadResult = {
    stopped,
    customers: plan.customers.length,
    touchpoints: sent,
    batches,
    sweeps: windows.length,
    campaigns: plan.campaigns.length,
    spendRows: plan.spend.length,
    segments: stopped ? 0 : plan.segments.length,
    milliseconds: Date.now() - started,
  };
  log.info(result, stopped ? 'demo: load stopped by shutdown' : 'demo: loaded');
  return result;
}

/** A planned touchpoint as a client submits it. */
export function toSubmission(touchpoint: DemoTouchpoint) {
  const { messageId, customer, type, channel, occurredAt, value, currency, campaign, properties } = touchpoint;
  return { messageId, customer, type, channel, occurredAt: occurredAt.toISOString(), value, currency, campaign, properties };
}
