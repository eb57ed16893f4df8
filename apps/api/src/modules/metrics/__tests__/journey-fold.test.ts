import { foldTransitions } from '../journey-fold';
import type { FoldedTransition, MetricCustomer } from '../journey-fold';

const shape = { funnel: ['awareness', 'acquisition', 'engagement', 'retention', 'advocacy'], acquiredStage: 'acquisition' };
const at = (iso: string) => new Date(iso);
const move = (customerId: string, from: string | null, to: string, occurredAt: string, txId = '10'): FoldedTransition => ({
  customerId,
  from,
  to,
  occurredAt: at(occurredAt),
  touchpointId: '1',
  txId,
});

describe('folding transitions into the metrics read model', () => {
  it('dates the lifecycle entry, each first stage entry, each completed stay, the furthest stage and the acquisition', () => {
    const fold = foldTransitions(
      new Map(),
      [
        move('c1', null, 'awareness', '2026-01-01T00:00:00Z'),
        move('c1', 'awareness', 'acquisition', '2026-01-03T12:00:00Z'),
        move('c1', 'acquisition', 'at-risk', '2026-02-01T00:00:00Z'),
        move('c1', 'at-risk', 'acquisition', '2026-02-02T00:00:00Z'),
      ],
      shape,
    );
    expect(fold.customers).toEqual([
      {
        customerId: 'c1',
        stage: 'acquisition',
        stageSince: at('2026-02-02T00:00:00Z'),
        enteredAt: at('2026-01-01T00:00:00Z'),
        furthestStage: 'acquisition',
        acquiredAt: at('2026-01-03T12:00:00Z'),
        erased: false,
      },
    ]);
    // Entries: awareness at 0 s, acquisition 2.5 days = 216,000 s after entry, at-risk 31 days = 2,678,400 s; re-entering acquisition is not a first entry.
    expect(fold.entries.map((entry) => [entry.stage, entry.cohortDay, entry.secondsFromEntry])).toEqual([
      ['awareness', '2026-01-01', 0],
      ['acquisition', '2026-01-01', 216_000],
      ['at-risk', '2026-01-01', 2_678_400],
    ]);
    // Stays end on the day of the next move: awareness 2.5 days, acquisition 28.5 days = 2,462,400 s, at-risk 1 day.
    expect(fold.stays).toEqual([
      { day: '2026-01-03', stage: 'awareness', seconds: 216_000 },
      { day: '2026-02-01', stage: 'acquisition', seconds: 2_462_400 },
      { day: '2026-02-02', stage: 'at-risk', seconds: 86_400 },
    ]);
    // Awareness then acquisition: the cohort's row moves from awareness (+1 −1 = 0, dropped) to acquisition.
    expect(fold.funnel).toEqual([{ cohortDay: '2026-01-01', stage: 'acquisition', delta: 1 }]);
    expect(fold.acquisitions).toEqual([
      { customerId: 'c1', acquiredAt: at('2026-01-03T12:00:00Z'), stage: 'acquisition', touchpointId: '1', txId: '10' },
    ]);
  });

  it('continues from what the projection knew, never acquires twice, and ignores an erased customer', () => {
    const known = new Map<string, MetricCustomer>([
      [
        'c1',
        {
          customerId: 'c1',
          stage: 'acquisition',
          stageSince: at('2026-01-10T00:00:00Z'),
          enteredAt: at('2026-01-01T00:00:00Z'),
          furthestStage: 'acquisition',
          acquiredAt: at('2026-01-10T00:00:00Z'),
          erased: false,
        },
      ],
      [
        'gone',
        { customerId: 'gone', stage: 'awareness', stageSince: null, enteredAt: null, furthestStage: null, acquiredAt: null, erased: true },
      ],
    ]);
    const fold = foldTransitions(
      known,
      [move('c1', 'acquisition', 'retention', '2026-01-20T00:00:00Z'), move('gone', 'awareness', 'acquisition', '2026-01-20T00:00:00Z')],
      shape,
    );
    // A skip from acquisition to retention moves the cohort's row by two stages at once.
    expect(fold.funnel).toEqual([
      { cohortDay: '2026-01-01', stage: 'acquisition', delta: -1 },
      { cohortDay: '2026-01-01', stage: 'retention', delta: 1 },
    ]);
    expect(fold.stays).toEqual([{ day: '2026-01-20', stage: 'acquisition', seconds: 864_000 }]);
    expect(fold.acquisitions).toEqual([]);
    expect(fold.customers.find((customer) => customer.customerId === 'gone')).toMatchObject({ erased: true, stage: 'awareness' });
  });
});
