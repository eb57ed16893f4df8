import { describe, expect, it } from '@jest/globals';
import { getOperationAST, parse } from 'graphql';
import { workKindOf } from '../work-scope';

const kindOf = (source: string) => {
  const operation = getOperationAST(parse(source));
  if (!operation) throw new Error('no operation');
  return workKindOf(operation);
};

describe('the kind of work of an operation', () => {
  it('is chosen by its root fields, the heaviest kind winning, inline fragments included', () => {
    expect({
      reads: kindOf('{ customers { totalCount } viewer { name } }'),
      metrics: kindOf('query ($r: SegmentRuleInput!) { previewSegment(rule: $r) { count } }'),
      mixed: kindOf('{ customers { totalCount } m: metrics(from: "2026-01-01", to: "2026-01-02") { __typename } }'),
      fragment: kindOf('{ ... on Query { previewSegment(rule: {}) { count } } }'),
      ingest: kindOf('mutation { recordTouchpoints(touchpoints: []) { accepted } }'),
      segmentWrite: kindOf('mutation { createSegment(input: {}) { id } }'),
      sweep: kindOf('mutation { recordTouchpoint(touchpoint: {}) { status } runInactivitySweep { examined } }'),
      smallWrite: kindOf('mutation { revokeApiKey(id: "x") { id } }'),
    }).toEqual({
      reads: 'read',
      metrics: 'metrics',
      mixed: 'metrics',
      fragment: 'metrics',
      ingest: 'ingest',
      segmentWrite: 'metrics',
      sweep: 'sweep',
      smallWrite: 'read',
    });
  });
});
