import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Scope } from '../../core/principal';
import { startTestServer } from '../../testing';
import type { TestServer } from '../../testing';

const HEALTH = `{ projectionHealth { projection log state rowsBehind secondsBehind failedRows } }`;
const FAILURES = `query ($projection: String, $first: Int) { projectionFailures(projection: $projection, first: $first) { projection log row error attempts } }`;
const RETRY = `mutation ($projection: String) { retryProjectionFailures(projection: $projection) { retried applied } }`;
const MEMBERS = `query ($segment: ID!) { customers(first: 10, filter: { segment: $segment }) { edges { node { externalId } } } }`;

/*
 * Projections on a running server: a row the segments projection cannot
 * apply is skipped and shown to an admin, applied by a retry once its cause
 * is gone, and a projection that stops moving turns /readyz to 503.
 */
describe('projection health and skipped rows', () => {
  let server: TestServer;
  let baseUrl: string;

  const record = async (messageId: string, externalId: string, attributes: Record<string, unknown>) => {
    const [result] = await server.services.ingest.record(
      [{ messageId, customer: { externalId, attributes }, type: 'page_view', channel: 'web', occurredAt: new Date().toISOString() }],
      (index) => `touchpoints[${index}]`,
    );
    expect(result.status).toBe('ACCEPTED');
  };
  const members = async (segment: string) =>
    (
      await server.graphql<{ customers: { edges: Array<{ node: { externalId: string } }> } }>(MEMBERS, { segment })
    ).data?.customers.edges.map((edge) => edge.node.externalId);

  beforeAll(async () => {
    server = await startTestServer();
    baseUrl = server.httpUrl.replace(/\/graphql$/, '');
  });
  afterAll(async () => {
    await server.close();
  });

  it('answer /healthz and /readyz with 200 and a bare body, and every projection ok, when all are caught up', async () => {
    await record('h1', 'ann', { plan: 'pro' });
    await server.services.projector.catchUp();
    const health = await fetch(`${baseUrl}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok', database: 'reachable' }]);
    const ready = await fetch(`${baseUrl}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', database: 'reachable' }]);
    const response = await server.graphql<{ projectionHealth: unknown[] }>(HEALTH);
    expect(response.data?.projectionHealth).toEqual(
      [
        ['metrics', 'stage_transitions'],
        ['metrics', 'touchpoints'],
        ['metrics', 'customer_erasures'],
        ['segments', 'touchpoints'],
        ['segments', 'stage_transitions'],
        ['segments', 'customer_creations'],
        ['webhooks', 'stage_transitions'],
        ['webhooks', 'segment_membership_changes'],
        ['webhooks', 'customer_merges'],
        ['webhooks', 'playbook_firings'],
        ['playbooks', 'stage_transitions'],
        ['playbooks', 'touchpoints'],
        ['playbooks', 'segment_membership_changes'],
      ].map(([projection, log]) => ({ projection, log, state: 'ok', rowsBehind: 0, secondsBehind: 0, failedRows: 0 })),
    );
  });

  it('skip a row the segments projection cannot apply, show it to an admin only, and apply it on a retry once the cause is gone', async () => {
    const created = await server.graphql<{ createSegment: { id: string } }>(
      `mutation { createSegment(input: { name: "Pro", rule: { attribute: { name: "plan", operator: EQ, value: "pro" } } }) { id } }`,
    );
    const segment = created.data?.createSegment.id ?? '';
    expect(await members(segment)).toEqual(['ann']);
    // A cause outside the row (as a bug or a bad deployment would be): no new member can be stored.
    await server.db.query(`ALTER TABLE segment_members ADD CONSTRAINT test_no_new_members CHECK (customer_id IS NULL) NOT VALID`);
    // Paused while recording, so bob's creation is applied after his touchpoint (it is then left to the touchpoint log).
    await server.services.projector.whilePaused(async () => {
      await record('h2', 'bob', { plan: 'pro' });
      await record('h3', 'cy', { plan: 'free' });
    });
    await server.services.projector.catchUp();

    const failures = await server.graphql<{
      projectionFailures: Array<{ projection: string; log: string; error: string; attempts: number }>;
    }>(FAILURES, { projection: 'segments' });
    // bob's touchpoint and his entry into the lifecycle (a transition); cy's rows went through.
    expect(failures.data?.projectionFailures.map(({ projection, log, attempts }) => ({ projection, log, attempts }))).toEqual([
      { projection: 'segments', log: 'touchpoints', attempts: 1 },
      { projection: 'segments', log: 'stage_transitions', attempts: 1 },
    ]);
    expect(failures.data?.projectionFailures[0].error).toMatch(/violates check constraint "test_no_new_members" \(SQLSTATE 23514\)$/);
    const readKey = await server.createKey([Scope.READ]);
    expect((await server.graphql(FAILURES, {}, readKey)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await members(segment)).toEqual(['ann']);

    await server.db.query(`ALTER TABLE segment_members DROP CONSTRAINT test_no_new_members`);
    expect((await server.graphql(RETRY, { projection: 'segments' })).data).toEqual({ retryProjectionFailures: { retried: 2, applied: 2 } });
    expect(new Set(await members(segment))).toEqual(new Set(['ann', 'bob']));
    expect((await server.graphql(FAILURES, {})).data).toEqual({ projectionFailures: [] });
  });

  it('refuse a bad projection name or page size with BAD_USER_INPUT naming the argument', async () => {
    const unknown = await server.graphql(FAILURES, { projection: 'predictions' });
    expect(unknown.errors?.[0]).toMatchObject({
      message: 'projection: "predictions" is not a projection; one of metrics, segments, webhooks, playbooks',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const tooMany = await server.graphql(FAILURES, { first: 5000 });
    expect(tooMany.errors?.[0]).toMatchObject({
      message: 'first: must be a whole number from 1 to 1000, got 5000',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('turn /readyz to 503 naming the projections that stopped moving while rows wait, /healthz staying 200', async () => {
    // Caught up first, so the only rows waiting are the new event's: its touchpoint, transition and customer
    // (no projection runs to turn it into segment membership changes).
    await server.services.projector.catchUp();
    await server.services.projector.stop();
    await record('h4', 'dee', { plan: 'pro' });
    await server.db.query(
      `UPDATE projection_positions SET updated_at = now() - interval '1 hour', caught_up_at = now() - interval '1 hour'`,
    );
    const ready = await fetch(`${baseUrl}/readyz`);
    const body = (await ready.json()) as { status: string; projections: Array<{ projection: string; log: string; state: string }> };
    expect(ready.status).toBe(503);
    expect(body.status).toBe(
      'projection stalled: metrics (stage_transitions), metrics (touchpoints), segments (touchpoints), segments (stage_transitions), segments (customer_creations), webhooks (stage_transitions), playbooks (stage_transitions), playbooks (touchpoints)',
    );
    expect(body.projections.map(({ projection, log, state }) => [projection, log, state])).toEqual([
      ['metrics', 'stage_transitions', 'stalled'],
      ['metrics', 'touchpoints', 'stalled'],
      ['segments', 'touchpoints', 'stalled'],
      ['segments', 'stage_transitions', 'stalled'],
      ['segments', 'customer_creations', 'stalled'],
      ['webhooks', 'stage_transitions', 'stalled'],
      ['playbooks', 'stage_transitions', 'stalled'],
      ['playbooks', 'touchpoints', 'stalled'],
    ]);
    const health = await fetch(`${baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'degraded', database: 'reachable' });
  });
});
