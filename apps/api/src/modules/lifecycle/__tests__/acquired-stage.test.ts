import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { classicPreset } from '@clm/schema';
import { startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';

/** The acquired stage through GraphQL: read, defaulted when a submitted model leaves it out, and validated with its path. */
describe('the acquired stage over GraphQL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  /** The classic preset as a LifecycleModelInput, without its acquired stage unless `acquiredStage` is given. */
  const classicInput = (acquiredStage?: string) => ({
    name: 'mine',
    stages: classicPreset.stages,
    rules: classicPreset.rules,
    inactivity: classicPreset.inactivity,
    winBack: classicPreset.winBack,
    ...(acquiredStage !== undefined && { acquiredStage }),
  });
  const SET = `mutation ($m: LifecycleModelInput!) { setLifecycleModel(model: $m) { name acquiredStage } }`;
  const VALIDATE = `query ($m: LifecycleModelInput!) { validateLifecycleModel(model: $m) { valid issues { path message } } }`;

  it('reads the acquired stage of the active model and of every preset', async () => {
    const response = await server.graphql(`{ lifecycleModel { acquiredStage } lifecyclePresets { name acquiredStage } }`);
    expect(response).toEqual({
      data: {
        lifecycleModel: { acquiredStage: 'acquisition' },
        lifecyclePresets: [
          { name: 'classic', acquiredStage: 'acquisition' },
          { name: 'purchase-funnel', acquiredStage: 'purchase' },
          { name: 'reach-to-loyalty', acquiredStage: 'conversion' },
          { name: 'six-stage', acquiredStage: 'purchase' },
        ],
      },
    });
  });

  it('stores a submitted model without an acquired stage with the default, and one with it as given', async () => {
    expect(await server.graphql(SET, { m: classicInput() })).toEqual({
      data: { setLifecycleModel: { name: 'mine', acquiredStage: 'acquisition' } },
    });
    expect(await server.graphql(SET, { m: classicInput('engagement') })).toEqual({
      data: { setLifecycleModel: { name: 'mine', acquiredStage: 'engagement' } },
    });
  });

  it('names acquiredStage when it is not a funnel stage', async () => {
    expect(await server.graphql(VALIDATE, { m: classicInput('at-risk') })).toEqual({
      data: {
        validateLifecycleModel: {
          valid: false,
          issues: [{ path: 'acquiredStage', message: 'the acquired stage must be a funnel stage, not "at-risk"' }],
        },
      },
    });
    const refused = await server.graphql(SET, { m: classicInput('loyalty') });
    expect(refused.errors?.[0]).toMatchObject({
      message: 'invalid lifecycle model: acquiredStage: the acquired stage "loyalty" is not a stage of this model',
      extensions: {
        code: 'BAD_USER_INPUT',
        issues: [{ path: 'acquiredStage', message: 'the acquired stage "loyalty" is not a stage of this model' }],
      },
    });
  });
});
