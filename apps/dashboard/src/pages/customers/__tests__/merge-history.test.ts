import { describe, expect, it } from 'vitest';
import { describeMerge } from '../merge-history';

const merge = {
  id: 'm-1',
  intoId: 'ann',
  fromId: 'bo',
  cause: 'IDENTIFY',
  actor: null,
  reason: 'identify id-1: anonymousId "visitor-1" linked them',
  unmergedAt: null,
  touchpointsMoved: 2,
  identitiesMoved: ['visitor-1'],
};

describe('describeMerge', () => {
  it('tells the survivor which customer was merged into it, how, and what moved, and offers to undo it', () => {
    expect(describeMerge(merge, 'ann')).toEqual({
      text: 'Customer bo merged into this one by an identify message: identify id-1: anonymousId "visitor-1" linked them. Moved 2 touchpoints, identities visitor-1.',
      undoable: true,
    });
  });

  it('tells the merged customer where it went, names the admin, and offers nothing once undone', () => {
    expect(
      describeMerge(
        { ...merge, cause: 'MANUAL', actor: 'ops', touchpointsMoved: 1, identitiesMoved: [], unmergedAt: '2026-03-02T00:00:00Z' },
        'bo',
      ),
    ).toEqual({
      text: 'Merged into customer ann by hand (ops): identify id-1: anonymousId "visitor-1" linked them. Moved 1 touchpoint — undone.',
      undoable: false,
    });
  });
});
