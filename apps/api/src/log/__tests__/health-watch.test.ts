import { describe, expect, it } from '@jest/globals';
import { HealthWatch } from '../projection-health';
import type { ProjectionHealth, ProjectionState } from '../projection-health';

const health = (projection: string, state: ProjectionState): ProjectionHealth => ({
  projection,
  log: 'touchpoints',
  state,
  rowsBehind: state === 'ok' ? 0 : 10,
  secondsBehind: 0,
  secondsSinceProgress: 0,
  failedRows: 0,
});

describe('the projection health watch', () => {
  it('reports each change of state once, not once ever and not on every check', async () => {
    const script: ProjectionState[][] = [
      ['ok', 'ok'],
      ['lagging', 'ok'],
      ['lagging', 'ok'],
      ['stalled', 'ok'],
      ['stalled', 'stalled'],
      ['ok', 'stalled'],
      ['stalled', 'ok'],
    ];
    let check = 0;
    const changes: string[] = [];
    const watch = new HealthWatch(
      async () => script[check++].map((state, index) => health(`p${index}`, state)),
      (now, previous) => changes.push(`${check}:${now.projection} ${previous}→${now.state}`),
      (error) => {
        throw error;
      },
    );
    for (let i = 0; i < script.length; i++) await watch.check();
    expect(changes).toEqual([
      '2:p0 ok→lagging',
      '4:p0 lagging→stalled',
      '5:p1 ok→stalled',
      '6:p0 stalled→ok',
      '7:p0 ok→stalled',
      '7:p1 stalled→ok',
    ]);
  });
});
