import { describe, expect, it } from 'vitest';
import { applyTransition, EMPTY_LIVE_BOARD, FEED_LENGTH, withLiveCounts } from '../live-board';
import { stageToneClasses } from '../stage-tone';
import type { StageOverview, StageTransition } from '../types';

function move(id: string, from: string | null, to: string): StageTransition {
  return { id, from, to, occurredAt: '2026-11-24T10:00:00Z', cause: 'TOUCHPOINT', ruleId: null, customer: null };
}

const overview: StageOverview = {
  cursor: 'c0',
  total: 10,
  stages: [
    { stage: 'awareness', name: 'Awareness', offPath: false, count: 6 },
    { stage: 'acquisition', name: 'Acquisition', offPath: false, count: 4 },
    { stage: 'at-risk', name: 'At risk', offPath: true, count: 0 },
  ],
};

describe('the live board', () => {
  it('moves a customer between stages and counts entries into the lifecycle', () => {
    const state = [move('1', null, 'awareness'), move('2', 'awareness', 'acquisition'), move('3', 'acquisition', 'at-risk')].reduce(
      applyTransition,
      EMPTY_LIVE_BOARD,
    );
    expect(state.countChanges).toEqual({ awareness: 0, acquisition: 0, 'at-risk': 1 });
    expect(state.entered).toBe(1);
    expect(state.feed.map((transition) => transition.id)).toEqual(['3', '2', '1']);
    expect(withLiveCounts(overview, state)).toEqual({
      ...overview,
      total: 11,
      stages: [
        { stage: 'awareness', name: 'Awareness', offPath: false, count: 6 },
        { stage: 'acquisition', name: 'Acquisition', offPath: false, count: 4 },
        { stage: 'at-risk', name: 'At risk', offPath: true, count: 1 },
      ],
    });
  });

  it('never shows a negative count when a move out raced the overview', () => {
    const state = applyTransition(EMPTY_LIVE_BOARD, move('1', 'at-risk', 'awareness'));
    expect(withLiveCounts(overview, state).stages.map((stage) => stage.count)).toEqual([7, 4, 0]);
  });

  it(`keeps the newest ${FEED_LENGTH} moves in the feed`, () => {
    let state = EMPTY_LIVE_BOARD;
    for (let n = 1; n <= FEED_LENGTH + 5; n++) state = applyTransition(state, move(String(n), 'awareness', 'acquisition'));
    expect(state.feed).toHaveLength(FEED_LENGTH);
    expect(state.feed[0].id).toBe(String(FEED_LENGTH + 5));
    expect(state.feed[FEED_LENGTH - 1].id).toBe('6');
  });

  it('colours funnel stages by position (six tones, then again) and the off-path states by name', () => {
    const funnel = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((stage) => ({ stage, offPath: false }));
    const tones = stageToneClasses([...funnel, { stage: 'at-risk', offPath: true }, { stage: 'churned', offPath: true }]);
    expect([...tones.values()]).toEqual([
      'stage-tone--funnel-0',
      'stage-tone--funnel-1',
      'stage-tone--funnel-2',
      'stage-tone--funnel-3',
      'stage-tone--funnel-4',
      'stage-tone--funnel-5',
      'stage-tone--funnel-0',
      'stage-tone--at-risk',
      'stage-tone--churned',
    ]);
  });
});
