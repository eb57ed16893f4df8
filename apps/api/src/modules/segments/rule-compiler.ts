import type { JsonValue } from '@clm/schema';
import { TOUCHPOINTS_TABLE } from '../touchpoints';
import { JSON_NUMBER, SEGMENT_FIELDS } from './segment-fields';
import type { FieldRegistry, SegmentFieldDefinition } from './segment-fields';
import type { AcquisitionCondition, BehaviourCondition, FieldCondition, SegmentOperator, SegmentRule } from './segment-rule';

/*
 * The segment rule compiler: a validated rule → SQL over the customer row
 * `c`. Pure: no I/O, no clock (the evaluation time is an argument).
 *
 * Invariants:
 * - no value from the rule is ever part of the SQL text: every value, name
 *   and path travels as a parameter with an explicit cast, so the text
 *   depends only on the rule's shape (its kinds, fields and operators);
 * - the result is a LEFT JOIN list and a predicate. Touchpoint aggregates
 *   and lookups are joined once per condition as derived tables grouped by
 *   customer (hash joins, whatever the predicate's and/or/not shape),
 *   restricted to `customers` when evaluating a batch of customers;
 * - NULL means "does not match": a leaf may yield NULL (a missing value) and
 *   AND/OR treat it as false; NOT is `IS NOT TRUE`, so it turns NULL into a
 *   match as it does false.
 */

/** Positional parameters of one statement; each value is referred to as `$n::type`. */
export class SqlParameters {
  readonly values: unknown[];

  constructor(initial: readonly unknown[] = []) {
    this.values = [...initial];
  }

  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

export type CompileOptions = {
  /** The evaluation time: "now" for "the last 30 days" and "days since". */
  asOf: Date;
  /** SQL of a uuid[] of the customers being evaluated, or null for every customer. */
  customers: string | null;
  fields?: FieldRegistry;
};

/** `SELECT … FROM customers c ${joins} WHERE ${predicate}` selects the members. */
export type CompiledRule = { joins: string; predicate: string };

export function compileSegmentRule(rule: SegmentRule, parameters: SqlParameters, options: CompileOptions): CompiledRule {
  const compiler = new Compiler(parameters, options);
  const predicate = compiler.rule(rule);
  return { joins: compiler.joins.join('\n'), predicate };
}

/** Up to this many IN options on attributes are also written as containments the GIN index answers. */
const MAX_CONTAINMENT_OPTIONS = 20;

const COMPARISON_SQL: Partial<Record<SegmentOperator, string>> = { EQ: '=', NEQ: '<>', LT: '<', LTE: '<=', GT: '>', GTE: '>=' };
/** `days since t ≥ n` ⇔ `t ≤ asOf − n days`: the comparison on the time itself, so an index on it applies. */
const DURATION_SQL: Partial<Record<SegmentOperator, string>> = { LT: '>', LTE: '>=', GT: '<', GTE: '<=' };

class Compiler {
  readonly joins: string[] = [];
  private readonly fields: FieldRegistry;
  private readonly lookups = new Map<string, string>();
  private acquisitionJoined = false;
  private asOfParameter: string | null = null;

  constructor(
    private readonly parameters: SqlParameters,
    private readonly options: CompileOptions,
  ) {
    this.fields = options.fields ?? SEGMENT_FIELDS;
  }

  rule(rule: SegmentRule): string {
    if ('and' in rule) return `(${rule.and.map((child) => this.rule(child)).join(' AND ')})`;
    if ('or' in rule) return `(${rule.or.map((child) => this.rule(child)).join(' OR ')})`;
    if ('not' in rule) return `((${this.rule(rule.not)}) IS NOT TRUE)`;
    if ('field' in rule) return this.field(rule.field);
    if ('attribute' in rule) return this.json('c.attributes', rule.attribute.name, rule.attribute.operator, rule.attribute.value, true);
    if ('behaviour' in rule) return this.behaviour(rule.behaviour);
    return this.acquisition(rule.acquisition);
  }

  private field(condition: FieldCondition): string {
    const definition = this.fields[condition.field];
    const value = this.fieldValue(condition.field, definition);
    const { operator } = condition;
    if (operator === 'EXISTS') return `(${value} IS NOT NULL)`;
    switch (definition.kind) {
      case 'text':
        if (operator === 'IN') return `(${value} = ANY (${this.add(condition.value, 'text[]')}))`;
        if (operator === 'NEQ') return `(${value} IS DISTINCT FROM ${this.add(condition.value, 'text')})`;
        if (operator === 'CONTAINS') return `(strpos(${value}, ${this.add(condition.value, 'text')}) > 0)`;
        return `(${value} = ${this.add(condition.value, 'text')})`;
      case 'number':
        if (operator === 'IN') return `(${value} = ANY (${this.add(condition.value, 'numeric[]')}))`;
        if (operator === 'NEQ') return `(${value} IS DISTINCT FROM ${this.add(condition.value, 'numeric')})`;
        return `(${value} ${comparison(operator)} ${this.add(condition.value, 'numeric')})`;
      case 'time':
        return `(${value} ${comparison(operator)} ${this.add(condition.value, 'timestamptz')})`;
      case 'duration':
        return `(${value} ${durationComparison(operator)} ${this.daysBefore(this.add(condition.value, 'float8'))})`;
    }
  }

  /** The SQL of a field's value, joining its lookup once. */
  private fieldValue(name: string, definition: SegmentFieldDefinition): string {
    if ('sql' in definition) return definition.sql;
    let alias = this.lookups.get(name);
    if (alias === undefined) {
      alias = `f${this.lookups.size + 1}`;
      this.lookups.set(name, alias);
      this.joins.push(`LEFT JOIN (${definition.lookup(this.options.customers)}) ${alias} ON ${alias}.customer_id = c.id`);
    }
    return `${alias}.value`;
  }

  /**
   * A condition on a JSON document's value at a dot path (attributes or
   * touchpoint properties). With `containment`, EQ (and IN with a few
   * options) is also written as `@>` on the whole document, which the GIN
   * index on attributes answers; the number of options shapes the SQL, their
   * values never do.
   */
  private json(document: string, path: string, operator: SegmentOperator, expected: JsonValue | undefined, containment: boolean): string {
    const parts = path.split('.');
    const value = `(${document} #> ${this.add(parts, 'text[]')})`;
    switch (operator) {
      case 'EXISTS':
        return `(jsonb_typeof(${value}) <> 'null')`;
      case 'EQ': {
        const exact = `${value} = ${this.add(JSON.stringify(expected), 'jsonb')}`;
        if (!containment) return `(${exact})`;
        return `(${document} @> ${this.add(JSON.stringify(nest(parts, expected ?? null)), 'jsonb')} AND ${exact})`;
      }
      case 'NEQ':
        return `(${value} IS DISTINCT FROM ${this.add(JSON.stringify(expected), 'jsonb')})`;
      case 'IN': {
        const options = Array.isArray(expected) ? expected : [];
        const exact = `${value} = ANY (${this.add(
          options.map((option) => JSON.stringify(option)),
          'jsonb[]',
        )})`;
        if (!containment || options.length > MAX_CONTAINMENT_OPTIONS) return `(${exact})`;
        // One containment per option (a bitmap OR on the GIN index), then the exact comparison.
        const contained = options.map((option) => `${document} @> ${this.add(JSON.stringify(nest(parts, option)), 'jsonb')}`);
        return `((${contained.join(' OR ')}) AND ${exact})`;
      }
      case 'CONTAINS':
        return `segment_json_contains(${value}, ${this.add(JSON.stringify(expected), 'jsonb')})`;
      case 'LT':
      case 'LTE':
      case 'GT':
      case 'GTE':
        return `(${JSON_NUMBER}(${value}) ${comparison(operator)} ${this.add(expected, 'numeric')})`;
    }
  }

  private behaviour(condition: BehaviourCondition): string {
    const alias = `b${this.joins.length + 1}`;
    const filters: string[] = [];
    if (this.options.customers !== null) filters.push(`t.customer_id = ANY (${this.options.customers})`);
    if (condition.types) filters.push(`t.type = ANY (${this.add(condition.types, 'text[]')})`);
    if (condition.channels) filters.push(`t.channel = ANY (${this.add(condition.channels, 'text[]')})`);
    if (condition.campaigns) filters.push(`t.campaign = ANY (${this.add(condition.campaigns, 'text[]')})`);
    if (condition.withinDays !== undefined) {
      filters.push(`t.occurred_at > ${this.daysBefore(this.add(condition.withinDays, 'float8'))}`, `t.occurred_at <= ${this.asOf()}`);
    }
    if (condition.from !== undefined) filters.push(`t.occurred_at >= ${this.add(condition.from, 'timestamptz')}`);
    if (condition.to !== undefined) filters.push(`t.occurred_at < ${this.add(condition.to, 'timestamptz')}`);
    for (const property of condition.properties ?? [])
      filters.push(this.json('t.properties', property.property, property.operator, property.value, false));
    const aggregate = condition.aggregate === 'SUM' ? 'sum(t.value)' : 'count(*)';
    this.joins.push(
      `LEFT JOIN (SELECT t.customer_id, ${aggregate} AS value FROM ${TOUCHPOINTS_TABLE} t
                   WHERE ${filters.length === 0 ? 'TRUE' : filters.join(' AND ')}
                   GROUP BY t.customer_id) ${alias} ON ${alias}.customer_id = c.id`,
    );
    // A customer without any matching touchpoint has a count (and a sum) of 0.
    return `(coalesce(${alias}.value, 0) ${comparison(condition.operator)} ${this.add(condition.value, 'numeric')})`;
  }

  private acquisition(condition: AcquisitionCondition): string {
    if (!this.acquisitionJoined) {
      this.acquisitionJoined = true;
      this.joins.push('LEFT JOIN customer_acquisitions acq ON acq.customer_id = c.id');
    }
    const [channel, campaign] =
      condition.touch === 'FIRST' ? ['acq.first_touch_channel', 'acq.first_touch_campaign'] : ['acq.channel', 'acq.campaign'];
    const parts = ['acq.customer_id IS NOT NULL'];
    if (condition.channels) parts.push(`${channel} = ANY (${this.add(condition.channels, 'text[]')})`);
    if (condition.campaigns) parts.push(`${campaign} = ANY (${this.add(condition.campaigns, 'text[]')})`);
    return `(${parts.join(' AND ')})`;
  }

  /** `asOf − days`, with `days` already a parameter. */
  private daysBefore(days: string): string {
    return `(${this.asOf()} - ${days} * interval '1 day')`;
  }

  private asOf(): string {
    this.asOfParameter ??= this.add(this.options.asOf.toISOString(), 'timestamptz');
    return this.asOfParameter;
  }

  private add(value: unknown, type: string): string {
    return this.parameters.add(value, type);
  }
}

/** `{"a": {"b": value}}` for the path a.b: a document that contains `value` at the path. */
function nest(parts: readonly string[], value: JsonValue): JsonValue {
  return parts.reduceRight<JsonValue>((inner, part) => ({ [part]: inner }), value);
}

function comparison(operator: SegmentOperator): string {
  const sql = COMPARISON_SQL[operator];
  if (sql === undefined) throw new Error(`${operator} is not a comparison (the rule was not validated)`);
  return sql;
}

function durationComparison(operator: SegmentOperator): string {
  const sql = DURATION_SQL[operator];
  if (sql === undefined) throw new Error(`${operator} does not apply to a duration (the rule was not validated)`);
  return sql;
}
