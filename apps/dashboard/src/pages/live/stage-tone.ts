import type { StageCount } from './types';

type StageKey = Pick<StageCount, 'stage' | 'offPath'>;

/** How many distinct funnel colours styles.css defines (`stage-tone--funnel-0` …). */
const FUNNEL_PALETTE_SIZE = 6;

const CHURNED = 'churned';

/**
 * The CSS class that colours a stage: funnel stages by position, at-risk amber,
 * churned grey-red. Keys differ between lifecycle models, positions do not.
 */
export function stageToneClass(stage: StageKey, funnelIndex: number): string {
  if (stage.offPath) return stage.stage === CHURNED ? 'stage-tone--churned' : 'stage-tone--at-risk';
  return `stage-tone--funnel-${funnelIndex % FUNNEL_PALETTE_SIZE}`;
}

/** The tone class of every stage in an overview, by stage key. */
export function stageToneClasses(stages: readonly StageKey[]): ReadonlyMap<string, string> {
  let funnelIndex = 0;
  return new Map(stages.map((stage) => [stage.stage, stageToneClass(stage, stage.offPath ? -1 : funnelIndex++)] as const));
}
