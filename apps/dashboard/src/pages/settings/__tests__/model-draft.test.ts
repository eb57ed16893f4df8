import { describe, expect, it } from 'vitest';
import type { LifecycleModelFieldsFragment, LifecycleModelInput } from '../../../gql/graphql';
import { issuesAt, keyFromName, modelToInput, wholeNumberIssues } from '../model-draft';

const model: LifecycleModelFieldsFragment = {
  name: 'classic',
  description: 'Awareness to advocacy',
  acquiredStage: 'acquisition',
  stages: [
    { key: 'awareness', name: 'Awareness', description: '' },
    { key: 'acquisition', name: 'Acquisition', description: 'Signed up' },
  ],
  rules: [
    {
      id: 'review-advocacy',
      description: 'A good review',
      from: ['acquisition'],
      to: 'advocacy',
      when: { types: ['review'], channels: null, minCount: null, conditions: [{ property: 'rating', operator: 'gte', value: 4 }] },
    },
  ],
  inactivity: { fromStage: 'acquisition', atRiskAfterDays: 30, churnedAfterDays: 90 },
  winBack: { to: null, when: { types: ['purchase'], channels: null, minCount: 2, conditions: null } },
};

describe('the lifecycle model draft', () => {
  it('is the input setLifecycleModel takes, field by field, without what only results carry', () => {
    const fromApi = { ...model, __typename: 'LifecycleModel', stages: model.stages.map((stage) => ({ ...stage, __typename: 'Stage' })) };
    // The fragment's fields are the input's fields: the input is the model, field for field, and nothing else.
    expect(modelToInput(fromApi)).toStrictEqual(model);
  });

  it('finds the issues at a path and inside it, not at a path that only starts the same', () => {
    const issues = [
      { path: 'rules[2].to', message: 'no such stage' },
      { path: 'rules[20].id', message: 'taken' },
      { path: 'rules[2]', message: 'never fires' },
    ];
    expect(issuesAt(issues, 'rules[2]')).toEqual(['no such stage', 'never fires']);
  });

  it('makes a stage key from a name', () => {
    expect(keyFromName('  Post-purchase Support! ')).toBe('post-purchase-support');
    expect(keyFromName('Advocacy & Retention')).toBe('advocacy-retention');
  });

  it('names number fields that do not hold a whole number, which the API could not be sent', () => {
    const input = modelToInput(model);
    const draft: LifecycleModelInput = {
      ...input,
      inactivity: { ...input.inactivity, atRiskAfterDays: Number.NaN },
      rules: input.rules.map((rule) => ({ ...rule, when: { ...rule.when, minCount: 1.5 } })),
    };
    expect(wholeNumberIssues(draft)).toEqual([
      { path: 'inactivity.atRiskAfterDays', message: 'Give a whole number of days.' },
      { path: 'rules[0].when.minCount', message: 'Give a whole number, or leave it empty for the first.' },
    ]);
    expect(wholeNumberIssues(input)).toEqual([]);
  });
});
