import fc from 'fast-check';
import { endpointIssues, MAX_FILTER_SEGMENTS, MAX_FILTER_STAGES, urlProblem } from '../endpoint-validation';

const RULES = { eventTypes: ['customer.stage_changed', 'segment.entered'], stages: ['awareness', 'acquisition', 'at-risk'] };
const valid = { url: 'https://hooks.example.com/clm', eventTypes: ['segment.entered'] };

describe('webhook endpoint validation', () => {
  it('accepts a plain https or http URL with a path, query and port', () => {
    for (const url of ['https://hooks.example.com/clm?token=abc', 'http://example.com:8080/in', 'https://[2001:db8::1]/x'])
      expect(urlProblem(url)).toBeNull();
  });

  it('names what is wrong with a URL', () => {
    expect(urlProblem('')).toBe('must not be empty');
    expect(urlProblem('example.com/hook')).toBe('is not an absolute URL');
    expect(urlProblem('ftp://example.com/')).toBe('must use https (or http), not ftp');
    expect(urlProblem('file:///etc/passwd')).toBe('must use https (or http), not file');
    expect(urlProblem('https://user:pass@example.com/')).toMatch(/^must not carry a user name or password/);
    expect(urlProblem('https://example.com/#frag')).toMatch(/^must not have a fragment/);
    expect(urlProblem('https://example.com/a b')).toBe('must not contain spaces or control characters');
    expect(urlProblem('https://example.com/\u0000')).toMatch(/NUL/);
    expect(urlProblem('https://example.com/\uD800')).toMatch(/lone UTF-16 surrogate/);
    expect(urlProblem(`https://example.com/${'a'.repeat(2100)}`)).toBe('must be at most 2048 characters, got 2120');
  });

  it('refuses any string that is not an http(s) URL, naming input.url', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const issues = endpointIssues({ ...valid, url: text }, RULES, true);
        const parsed = URL.canParse(text) ? new URL(text) : null;
        if (parsed === null || !['http:', 'https:'].includes(parsed.protocol))
          expect(issues.map((issue) => issue.path)).toEqual(['input.url']);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses oversized filters with one issue naming the list and its limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MAX_FILTER_STAGES + 1, max: 5000 }),
        fc.integer({ min: MAX_FILTER_SEGMENTS + 1, max: 5000 }),
        (stageCount, segmentCount) => {
          const issues = endpointIssues(
            { ...valid, stages: new Array<string>(stageCount).fill('awareness'), segmentIds: new Array<string>(segmentCount).fill('x') },
            RULES,
            true,
          );
          expect(issues).toEqual([
            { path: 'input.stages', message: `at most ${MAX_FILTER_STAGES} stages, got ${stageCount}` },
            { path: 'input.segmentIds', message: `at most ${MAX_FILTER_SEGMENTS} segments, got ${segmentCount}` },
          ]);
        },
      ),
    );
  });

  it('names each unknown stage, bad segment id, unknown event type and repeat by its index', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 80 }), { maxLength: MAX_FILTER_STAGES }), (stages) => {
        const issues = endpointIssues({ ...valid, stages }, RULES, true);
        const expected = stages.flatMap((stage, index) =>
          RULES.stages.includes(stage) && stages.indexOf(stage) === index ? [] : [`input.stages[${index}]`],
        );
        expect(issues.map((issue) => issue.path)).toEqual(expected);
      }),
    );
    expect(
      endpointIssues(
        {
          url: valid.url,
          eventTypes: ['segment.entered', 'order.placed', 'segment.entered'],
          segmentIds: ['6f1c1e62-9d2a-4c55-8d7e-5a1f3b1e2c3d', 'seg-1'],
        },
        RULES,
        true,
      ),
    ).toEqual([
      { path: 'input.eventTypes[1]', message: '"order.placed" is not an event type; one of customer.stage_changed, segment.entered' },
      { path: 'input.eventTypes[2]', message: '"segment.entered" is listed twice' },
      { path: 'input.segmentIds[1]', message: '"seg-1" is not a segment id' },
    ]);
  });

  it('requires a URL and event types when creating, not when updating', () => {
    expect(endpointIssues({}, RULES, true)).toEqual([
      { path: 'input.url', message: 'is required' },
      { path: 'input.eventTypes', message: 'is required' },
    ]);
    expect(endpointIssues({}, RULES, false)).toEqual([]);
    expect(endpointIssues({ ...valid, eventTypes: [] }, RULES, true)).toEqual([
      { path: 'input.eventTypes', message: 'must name at least one event type' },
    ]);
  });
});
