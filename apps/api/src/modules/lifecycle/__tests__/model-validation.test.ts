import { describe, expect, it } from '@jest/globals';
import { LIFECYCLE_PRESETS, classicPreset, defaultAcquiredStage, withAcquiredStage } from '@clm/schema';
import type { ConditionOperator, LifecycleModel, PropertyCondition, TouchpointMatch } from '@clm/schema';
import { validateLifecycleModel } from '../model-validation';

/** The classic preset with `change` applied to a deep copy. */
function classicWith(change: (model: LifecycleModel) => void): LifecycleModel {
  const model = structuredClone(classicPreset);
  change(model);
  return model;
}

/** The classic preset whose first rule ("acquired") matches `when`. */
function withFirstRuleMatching(when: TouchpointMatch): LifecycleModel {
  return classicWith((model) => {
    model.rules[0].when = when;
  });
}

/** The classic preset whose first rule ("acquired") also requires `condition`. */
function withCondition(condition: PropertyCondition): LifecycleModel {
  return withFirstRuleMatching({ types: ['signup'], conditions: [condition] });
}

describe('validateLifecycleModel', () => {
  it.each(Object.entries(LIFECYCLE_PRESETS))('finds nothing wrong with the %s preset', (_name, preset) => {
    expect(validateLifecycleModel(preset)).toEqual([]);
  });

  describe('the model', () => {
    it('rejects an empty name', () => {
      const model = classicWith((m) => {
        m.name = '  ';
      });
      expect(validateLifecycleModel(model)).toEqual([{ path: 'name', message: 'the model name is empty' }]);
    });

    it('rejects a model with fewer than 2 stages', () => {
      const model = classicWith((m) => {
        m.stages = m.stages.slice(0, 1);
        m.rules = [];
        m.inactivity.fromStage = 'awareness';
        m.winBack.to = null;
        m.acquiredStage = 'awareness';
      });
      expect(validateLifecycleModel(model)).toEqual([{ path: 'stages', message: 'a model needs at least 2 stages, this one has 1' }]);
    });
  });

  describe('stages', () => {
    it('rejects an empty stage key', () => {
      const model = classicWith((m) => {
        m.stages.push({ key: '', name: 'Nameless', description: '' });
      });
      expect(validateLifecycleModel(model)).toEqual([{ path: 'stages[5].key', message: 'stage 6 has an empty key' }]);
    });

    it('rejects a stage key that is not lowercase kebab-case', () => {
      const model = classicWith((m) => {
        m.stages.push({ key: 'Fan_Club', name: 'Fan club', description: '' });
      });
      expect(validateLifecycleModel(model)).toEqual([
        {
          path: 'stages[5].key',
          message: 'stage key "Fan_Club" must be lowercase kebab-case (a lowercase letter, then lowercase letters, digits or hyphens)',
        },
      ]);
    });

    it('rejects a stage key that starts with a digit', () => {
      const model = classicWith((m) => {
        m.stages.push({ key: '2nd-purchase', name: 'Second purchase', description: '' });
      });
      expect(validateLifecycleModel(model)).toEqual([
        {
          path: 'stages[5].key',
          message: 'stage key "2nd-purchase" must be lowercase kebab-case (a lowercase letter, then lowercase letters, digits or hyphens)',
        },
      ]);
    });

    it('rejects a stage key used twice, on its second use', () => {
      const model = classicWith((m) => {
        m.stages.push({ key: 'awareness', name: 'Awareness again', description: '' });
      });
      expect(validateLifecycleModel(model)).toEqual([
        { path: 'stages[5].key', message: 'stage key "awareness" is used by more than one stage' },
      ]);
    });

    it.each(['at-risk', 'churned'])('rejects the reserved stage key %s', (key) => {
      const model = classicWith((m) => {
        m.stages.push({ key, name: 'Reserved', description: '' });
      });
      expect(validateLifecycleModel(model)).toEqual([
        { path: 'stages[5].key', message: `stage key "${key}" is reserved for the off-path state every model has` },
      ]);
    });

    it('rejects an empty stage name', () => {
      const model = classicWith((m) => {
        m.stages[2].name = '';
      });
      expect(validateLifecycleModel(model)).toEqual([{ path: 'stages[2].name', message: 'stage "engagement" has an empty name' }]);
    });
  });

  describe('the acquired stage', () => {
    it.each([
      ['classic', 'acquisition'],
      ['purchase-funnel', 'purchase'],
      ['reach-to-loyalty', 'conversion'],
      ['six-stage', 'purchase'],
    ])('is set explicitly in the %s preset, to the first stage a purchase reaches (%s)', (name, stage) => {
      expect(LIFECYCLE_PRESETS[name].acquiredStage).toBe(stage);
      expect(defaultAcquiredStage(LIFECYCLE_PRESETS[name])).toBe(stage);
    });

    it('defaults to the first funnel stage, in funnel order, that a purchase rule moves to', () => {
      // The retention rule (a second purchase) comes first in rule order; acquisition comes first in the funnel.
      const model = classicWith((m) => {
        m.rules = [m.rules[2], m.rules[0]];
      });
      expect(model.rules.map((rule) => rule.to)).toEqual(['retention', 'acquisition']);
      const draft = { ...model, acquiredStage: undefined };
      expect(withAcquiredStage(draft).acquiredStage).toBe('acquisition');
      expect(withAcquiredStage({ ...draft, acquiredStage: null }).acquiredStage).toBe('acquisition');
    });

    it('defaults to the last funnel stage when no rule matches purchases', () => {
      const model = classicWith((m) => {
        m.rules = m.rules.filter((rule) => !rule.when.types?.includes('purchase'));
      });
      expect(defaultAcquiredStage(model)).toBe('advocacy');
    });

    it('ignores a purchase rule that moves to an off-path or unknown stage', () => {
      const model = classicWith((m) => {
        m.rules = [{ id: 'odd', description: '', to: 'churned', when: { types: ['purchase'] } }];
      });
      expect(defaultAcquiredStage(model)).toBe('advocacy');
    });

    it('keeps an acquired stage that is given', () => {
      const draft = { ...classicPreset, acquiredStage: undefined };
      expect(withAcquiredStage({ ...draft, acquiredStage: 'engagement' }).acquiredStage).toBe('engagement');
    });

    it.each([
      ['at-risk', 'the acquired stage must be a funnel stage, not "at-risk"'],
      ['churned', 'the acquired stage must be a funnel stage, not "churned"'],
      ['aquisition', 'the acquired stage "aquisition" is not a stage of this model'],
      ['', 'the acquired stage "" is not a stage of this model'],
    ])('rejects %p as the acquired stage', (stage, message) => {
      const model = classicWith((m) => {
        m.acquiredStage = stage;
      });
      expect(validateLifecycleModel(model)).toEqual([{ path: 'acquiredStage', message }]);
    });
  });

  describe('rules', () => {
    it('rejects an empty rule id', () => {
      const model = classicWith((m) => {
        m.rules[1].id = '';
      });
      expect(validateLifecycleModel(model)).toEqual([{ path: 'rules[1].id', message: 'rule 2 has an empty id' }]);
    });

    it('rejects a rule id that is not lowercase kebab-case', () => {
      const model = classicWith((m) => {
        m.rules[1].id = 'Engaged User';
      });
      expect(validateLifecycleModel(model)).toEqual([
        {
          path: 'rules[1].id',
          message: 'rule id "Engaged User" must be lowercase kebab-case (a lowercase letter, then lowercase letters, digits or hyphens)',
        },
      ]);
    });

    it('rejects a rule id used twice, on its second use', () => {
      const model = classicWith((m) => {
        m.rules[3].id = 'retained-repeat-purchase';
      });
      expect(validateLifecycleModel(model)).toEqual([
        { path: 'rules[3].id', message: 'rule id "retained-repeat-purchase" is used by more than one rule' },
      ]);
    });

    it.each(['win-back', 'inactivity-at-risk', 'inactivity-churned'])('rejects the engine rule id %s', (id) => {
      const model = classicWith((m) => {
        m.rules[0].id = id;
      });
      expect(validateLifecycleModel(model)).toEqual([
        { path: 'rules[0].id', message: `rule id "${id}" is reserved for the engine's own transitions` },
      ]);
    });

    it('rejects a rule that moves to an unknown stage', () => {
      const model = classicWith((m) => {
        m.rules[2].id = 'retained';
        m.rules[2].to = 'retension';
      });
      expect(validateLifecycleModel(model)).toEqual([
        { path: 'rules[2].to', message: 'rule "retained" moves to unknown stage "retension"' },
      ]);
    });

    it.each(['at-risk', 'churned'])('rejects a rule that moves to the off-path state %s', (stage) => {
      const model = classicWith((m) => {
        m.rules[0].to = stage;
      });
      expect(validateLifecycleModel(model)).toEqual([
        { path: 'rules[0].to', message: `rule "acquired" moves to "${stage}", which is not a funnel stage` },
      ]);
    });

    it('accepts from entries naming funnel stages and the off-path states', () => {
      const model = classicWith((m) => {
        m.rules[3].from = ['engagement', 'at-risk', 'churned'];
      });
      expect(validateLifecycleModel(model)).toEqual([]);
    });

    it('rejects a from entry naming an unknown stage', () => {
      const model = classicWith((m) => {
        m.rules[1].from = ['acquisition', 'aquisition'];
      });
      expect(validateLifecycleModel(model)).toEqual([
        { path: 'rules[1].from[1]', message: 'rule "engaged" starts from unknown stage "aquisition"' },
      ]);
    });

    it('rejects an empty from list, which would never fire', () => {
      const model = classicWith((m) => {
        m.rules[1].from = [];
      });
      expect(validateLifecycleModel(model)).toEqual([
        {
          path: 'rules[1].from',
          message: 'rule "engaged" has an empty "from" list, so it never fires; leave "from" out to allow every stage',
        },
      ]);
    });
  });

  describe('what a rule matches', () => {
    it('rejects a rule with no criteria', () => {
      expect(validateLifecycleModel(withFirstRuleMatching({}))).toEqual([
        { path: 'rules[0].when', message: 'rule "acquired" has no criteria: give at least one of types, channels or conditions' },
      ]);
    });

    it('counts an empty conditions list as no criterion', () => {
      expect(validateLifecycleModel(withFirstRuleMatching({ conditions: [] }))).toEqual([
        { path: 'rules[0].when', message: 'rule "acquired" has no criteria: give at least one of types, channels or conditions' },
      ]);
    });

    it('accepts a rule matching on channels alone', () => {
      expect(validateLifecycleModel(withFirstRuleMatching({ channels: ['sales'] }))).toEqual([]);
    });

    it('accepts a rule matching on conditions alone', () => {
      expect(validateLifecycleModel(withFirstRuleMatching({ conditions: [{ property: 'plan', operator: 'exists' }] }))).toEqual([]);
    });

    it('rejects empty types and channels lists, which would never fire', () => {
      expect(validateLifecycleModel(withFirstRuleMatching({ types: [], channels: [] }))).toEqual([
        {
          path: 'rules[0].when.types',
          message: 'rule "acquired" has an empty types list, so it never fires; leave types out to match any',
        },
        {
          path: 'rules[0].when.channels',
          message: 'rule "acquired" has an empty channels list, so it never fires; leave channels out to match any',
        },
      ]);
    });

    it.each([0, -1, 1.5])('rejects minCount %p', (minCount) => {
      expect(validateLifecycleModel(withFirstRuleMatching({ types: ['purchase'], minCount }))).toEqual([
        { path: 'rules[0].when.minCount', message: `rule "acquired" has minCount ${minCount}, which must be a whole number of at least 1` },
      ]);
    });

    it('rejects minCount without types to count', () => {
      expect(validateLifecycleModel(withFirstRuleMatching({ channels: ['web'], minCount: 3 }))).toEqual([
        { path: 'rules[0].when.minCount', message: 'rule "acquired" has minCount 3 but no types to count' },
      ]);
    });
  });

  describe('property conditions', () => {
    it('rejects an unknown operator', () => {
      // A stored model can carry an operator the type does not allow.
      const operator = 'between' as ConditionOperator;
      expect(validateLifecycleModel(withCondition({ property: 'score', operator, value: 9 }))).toEqual([
        {
          path: 'rules[0].when.conditions[0].operator',
          message:
            'rule "acquired" tests "score" with unknown operator "between"; use one of eq, neq, gt, gte, lt, lte, in, exists, contains',
        },
      ]);
    });

    it('rejects "in" with a value that is not a list', () => {
      expect(validateLifecycleModel(withCondition({ property: 'plan', operator: 'in', value: 'pro' }))).toEqual([
        {
          path: 'rules[0].when.conditions[0].value',
          message: 'rule "acquired" tests "plan" with "in", which needs a list value, but the value is "pro"',
        },
      ]);
    });

    it('accepts "in" with a list value', () => {
      expect(validateLifecycleModel(withCondition({ property: 'plan', operator: 'in', value: ['pro', 'team'] }))).toEqual([]);
    });

    it.each<ConditionOperator>(['gt', 'gte', 'lt', 'lte'])('rejects "%s" with a value that is not a number', (operator) => {
      expect(validateLifecycleModel(withCondition({ property: 'score', operator, value: '9' }))).toEqual([
        {
          path: 'rules[0].when.conditions[0].value',
          message: `rule "acquired" tests "score" with "${operator}", which needs a number value, but the value is "9"`,
        },
      ]);
    });

    it('rejects a numeric comparison with no value', () => {
      expect(validateLifecycleModel(withCondition({ property: 'score', operator: 'gte' }))).toEqual([
        {
          path: 'rules[0].when.conditions[0].value',
          message: 'rule "acquired" tests "score" with "gte", which needs a number value, but the value is missing',
        },
      ]);
    });

    it('rejects "exists" with a value', () => {
      expect(validateLifecycleModel(withCondition({ property: 'email', operator: 'exists', value: true }))).toEqual([
        {
          path: 'rules[0].when.conditions[0].value',
          message: 'rule "acquired" tests "email" with "exists", which takes no value, but the value is true',
        },
      ]);
    });

    it('rejects an empty property', () => {
      expect(validateLifecycleModel(withCondition({ property: '', operator: 'eq', value: 'pricing' }))).toEqual([
        { path: 'rules[0].when.conditions[0].property', message: 'rule "acquired" has a condition with an empty property' },
      ]);
    });

    it('points at the right condition when a later one is wrong', () => {
      const model = classicWith((m) => {
        m.rules[5].when.conditions = [
          { property: 'rating', operator: 'gte', value: 4 },
          { property: 'verified', operator: 'exists', value: 'yes' },
        ];
      });
      expect(validateLifecycleModel(model)).toEqual([
        {
          path: 'rules[5].when.conditions[1].value',
          message: 'rule "advocate-review" tests "verified" with "exists", which takes no value, but the value is "yes"',
        },
      ]);
    });
  });

  describe('inactivity', () => {
    it('rejects a fromStage that is not a stage', () => {
      const model = classicWith((m) => {
        m.inactivity.fromStage = 'aquisition';
      });
      expect(validateLifecycleModel(model)).toEqual([
        { path: 'inactivity.fromStage', message: 'inactivity starts from unknown stage "aquisition"' },
      ]);
    });

    it('rejects a fromStage that is an off-path state', () => {
      const model = classicWith((m) => {
        m.inactivity.fromStage = 'at-risk';
      });
      expect(validateLifecycleModel(model)).toEqual([
        { path: 'inactivity.fromStage', message: 'inactivity starts from "at-risk", which is not a funnel stage' },
      ]);
    });

    it.each([0, 2.5])('rejects atRiskAfterDays %p', (atRiskAfterDays) => {
      const model = classicWith((m) => {
        m.inactivity.atRiskAfterDays = atRiskAfterDays;
      });
      expect(validateLifecycleModel(model)).toEqual([
        {
          path: 'inactivity.atRiskAfterDays',
          message: `atRiskAfterDays is ${atRiskAfterDays}, but it must be a whole number of days, from 1 to 36500`,
        },
      ]);
    });

    it('rejects thresholds beyond a century, which would push sweep dates out of the calendar', () => {
      const model = classicWith((m) => {
        m.inactivity.atRiskAfterDays = 1_000_000;
        m.inactivity.churnedAfterDays = 2_000_000;
      });
      expect(validateLifecycleModel(model)).toEqual([
        {
          path: 'inactivity.atRiskAfterDays',
          message: 'atRiskAfterDays is 1000000, but it must be a whole number of days, from 1 to 36500',
        },
        { path: 'inactivity.churnedAfterDays', message: 'churnedAfterDays is 2000000, but it must be at most 36500 days' },
      ]);
    });

    it('rejects churnedAfterDays equal to atRiskAfterDays', () => {
      const model = classicWith((m) => {
        m.inactivity.churnedAfterDays = 60;
      });
      expect(validateLifecycleModel(model)).toEqual([
        {
          path: 'inactivity.churnedAfterDays',
          message: 'churnedAfterDays is 60, but it must be a whole number of days greater than atRiskAfterDays (60)',
        },
      ]);
    });

    it('rejects a churnedAfterDays that is not a whole number', () => {
      const model = classicWith((m) => {
        m.inactivity.churnedAfterDays = 90.5;
      });
      expect(validateLifecycleModel(model)).toEqual([
        {
          path: 'inactivity.churnedAfterDays',
          message: 'churnedAfterDays is 90.5, but it must be a whole number of days greater than atRiskAfterDays (60)',
        },
      ]);
    });

    it('accepts churnedAfterDays one day after atRiskAfterDays', () => {
      const model = classicWith((m) => {
        m.inactivity.churnedAfterDays = 61;
      });
      expect(validateLifecycleModel(model)).toEqual([]);
    });
  });

  describe('win-back', () => {
    it('accepts a null target, meaning the funnel stage held before', () => {
      const model = classicWith((m) => {
        m.winBack.to = null;
      });
      expect(validateLifecycleModel(model)).toEqual([]);
    });

    it('rejects a target that is not a stage', () => {
      const model = classicWith((m) => {
        m.winBack.to = 'retension';
      });
      expect(validateLifecycleModel(model)).toEqual([{ path: 'winBack.to', message: 'win-back moves to unknown stage "retension"' }]);
    });

    it('rejects a target that is an off-path state', () => {
      const model = classicWith((m) => {
        m.winBack.to = 'churned';
      });
      expect(validateLifecycleModel(model)).toEqual([
        { path: 'winBack.to', message: 'win-back moves to "churned", which is not a funnel stage' },
      ]);
    });

    it('rejects a win-back with no criteria', () => {
      const model = classicWith((m) => {
        m.winBack.when = {};
      });
      expect(validateLifecycleModel(model)).toEqual([
        { path: 'winBack.when', message: 'win-back has no criteria: give at least one of types, channels or conditions' },
      ]);
    });

    it('checks win-back conditions like rule conditions', () => {
      const model = classicWith((m) => {
        m.winBack.when = { types: ['purchase'], conditions: [{ property: 'amount', operator: 'gt', value: '100' }] };
      });
      expect(validateLifecycleModel(model)).toEqual([
        {
          path: 'winBack.when.conditions[0].value',
          message: 'win-back tests "amount" with "gt", which needs a number value, but the value is "100"',
        },
      ]);
    });
  });

  it('reports every problem at once, in field order', () => {
    const model = classicWith((m) => {
      m.name = '';
      m.stages[1].key = 'Acquisition';
      m.rules[0].to = 'acquisition';
      m.inactivity.atRiskAfterDays = 0;
    });
    expect(validateLifecycleModel(model)).toEqual([
      { path: 'name', message: 'the model name is empty' },
      {
        path: 'stages[1].key',
        message: 'stage key "Acquisition" must be lowercase kebab-case (a lowercase letter, then lowercase letters, digits or hyphens)',
      },
      { path: 'acquiredStage', message: 'the acquired stage "acquisition" is not a stage of this model' },
      { path: 'rules[0].to', message: 'rule "acquired" moves to unknown stage "acquisition"' },
      { path: 'rules[1].from[0]', message: 'rule "engaged" starts from unknown stage "acquisition"' },
      { path: 'rules[4].from[0]', message: 'rule "advocate-referral" starts from unknown stage "acquisition"' },
      { path: 'rules[5].from[0]', message: 'rule "advocate-review" starts from unknown stage "acquisition"' },
      { path: 'rules[6].from[0]', message: 'rule "advocate-promoter" starts from unknown stage "acquisition"' },
      { path: 'inactivity.fromStage', message: 'inactivity starts from unknown stage "acquisition"' },
      { path: 'inactivity.atRiskAfterDays', message: 'atRiskAfterDays is 0, but it must be a whole number of days, from 1 to 36500' },
    ]);
  });
});
