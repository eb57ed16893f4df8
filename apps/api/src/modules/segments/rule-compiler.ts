import type { JsonValue } from '@clm/schema';
import { isListIndex } from '../../core/json-values';
import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
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
 *   and path travels as a parameter (the `sql` tag) with an explicit cast, so
 *   the text depends only on the rule's shape (its kinds, fields and
 *   operators);
 * - the result is a LEFT JOIN list and a predicate. Touchpoint aggregates
 *   and lookups are joined once per condition as derived tables grouped by
 *   customer (hash joins, whatever the predicate's and/or/not shape),
 *   restricted to `customers` when evaluating a batch of customers;
 * - NULL means "does not match": a leaf may yield NULL (a missing value) and
 *   AND/OR treat it as false; NOT is `IS NOT TRUE`, so it turns NULL into a
 *   match as it does false.
 */

/**
 * What segment rules read of the modules above this one, handed in by the
 * composition root (server/services.ts), so this module names none of their
 * tables. Both are the metrics projection's:
 * - `acquisitions`: one row per acquired customer, with `customer_id`,
 *   `channel`, `campaign` (last touch) and `first_touch_channel`,
 *   `first_touch_campaign`;
 * - `customerScores`: one row per customer, score kind and UTC day (that
 *   day's latest score), with `kind`, `customer_id`, `day`, `score`, keyed
 *   (kind, customer_id, day).
 */
export type SegmentRelations = { acquisitions: SqlFragment; customerScores: SqlFragment };

export type CompileOptions = {
  /** The evaluation time: "now" for "the last 30 days" and "days since". */
  asOf: Date;
  /** A uuid[] of the customers being evaluated (e.g. sql`${ids}::uuid[]`), or null for every customer. */
  customers: SqlFragment | null;
  relations: SegmentRelations;
  fields?: FieldRegistry;
};

/** `SELECT … FROM customers c ${joins} WHERE ${predicate}` selects the members. */
export type CompiledRule = { joins: SqlFragment; predicate: SqlFragment };

export function compileSegmentRule(rule: SegmentRule, options: CompileOptions): CompiledRule {
  const compiler = new Compiler(options);
  const predicate = compiler.rule(rule);
  return { joins: sql.join(compiler.joins, '\n'), predicate };
}

/** What PostgreSQL's `#>` takes for a list index (blanks, a sign, leading zeros); only `isListIndex` parts are one in clm. */
const LOOSE_INTEGER = /^\s*[-+]?[0-9]+$/;

/** Up to this many IN options on attributes are also written as containments the GIN index answers. */
const MAX_CONTAINMENT_OPTIONS = 20;

const COMPARISON_SQL: Partial<Record<SegmentOperator, string>> = { EQ: '=', NEQ: '<>', LT: '<', LTE: '<=', GT: '>', GTE: '>=' };
/** `days since t ≥ n` ⇔ `t ≤ asOf − n days`: the comparison on the time itself, so an index on it applies. */
const DURATION_SQL: Partial<Record<SegmentOperator, string>> = { LT: '>', LTE: '>=', GT: '<', GTE: '<=' };

class Compiler {
  readonly joins: SqlFragment[] = [];
  private readonly fields: FieldRegistry;
  private readonly lookups = new Map<string, SqlFragment>();
  private acquisitionJoined = false;

  constructor(private readonly options: CompileOptions) {
    this.fields = options.fields ?? SEGMENT_FIELDS;
  }

  rule(rule: SegmentRule): SqlFragment {
    if ('and' in rule)
      return sql`(${sql.join(
        rule.and.map((child) => this.rule(child)),
        ' AND ',
      )})`;
    if ('or' in rule)
      return sql`(${sql.join(
        rule.or.map((child) => this.rule(child)),
        ' OR ',
      )})`;
    if ('not' in rule) return sql`((${this.rule(rule.not)}) IS NOT TRUE)`;
    if ('field' in rule) return this.field(rule.field);
    if ('attribute' in rule) return this.json(sql`c.attributes`, rule.attribute.name, rule.attribute.operator, rule.attribute.value, true);
    if ('behaviour' in rule) return this.behaviour(rule.behaviour);
    return this.acquisition(rule.acquisition);
  }

  private field(condition: FieldCondition): SqlFragment {
    const definition = this.fields[condition.field];
    const value = this.fieldValue(condition.field, definition);
    const { operator } = condition;
    if (operator === 'EXISTS') return sql`(${value} IS NOT NULL)`;
    switch (definition.kind) {
      case 'text':
        if (operator === 'IN') return sql`(${value} = ANY (${condition.value}::text[]))`;
        if (operator === 'NEQ') return sql`(${value} IS DISTINCT FROM ${condition.value}::text)`;
        if (operator === 'CONTAINS') return sql`(strpos(${value}, ${condition.value}::text) > 0)`;
        return sql`(${value} = ${condition.value}::text)`;
      case 'number':
        if (operator === 'IN') return sql`(${value} = ANY (${condition.value}::numeric[]))`;
        if (operator === 'NEQ') return sql`(${value} IS DISTINCT FROM ${condition.value}::numeric)`;
        return sql`(${value} ${comparison(operator)} ${condition.value}::numeric)`;
      case 'time':
        return sql`(${value} ${comparison(operator)} ${condition.value}::timestamptz)`;
      case 'duration':
        return sql`(${value} ${durationComparison(operator)} ${this.daysBefore(sql`${condition.value}::float8`)})`;
    }
  }

  /** The SQL of a field's value, joining its lookup once. */
  private fieldValue(name: string, definition: SegmentFieldDefinition): SqlFragment {
    if ('sql' in definition) return sql.raw(definition.sql);
    let value = this.lookups.get(name);
    if (value === undefined) {
      const alias = `f${this.lookups.size + 1}`;
      value = sql.raw(`${alias}.value`);
      this.lookups.set(name, value);
      const lookup = definition.lookup(this.options.customers, this.options.relations);
      this.joins.push(sql`LEFT JOIN (${lookup}) ${sql.raw(alias)} ON ${sql.raw(alias)}.customer_id = c.id`);
    }
    return value;
  }

  /**
   * A condition on a JSON document's value at a dot path (attributes or
   * touchpoint properties), read as `readJsonPath` reads it (core/json-values.ts):
   * a list index part (`tags.1`) indexes a list, 0-based. With
   * `containment`, EQ (and IN with a few options) is also written as `@>`
   * on the whole document, which the GIN index on attributes answers, when
   * the path goes through objects only (containment cannot say "the element
   * at index 1"); the number of options shapes the SQL, their values never do.
   */
  private json(
    document: SqlFragment,
    path: string,
    operator: SegmentOperator,
    expected: JsonValue | undefined,
    containment: boolean,
  ): SqlFragment {
    const parts = path.split('.');
    const value = this.jsonPath(document, parts);
    const contain = containment && !parts.some(isListIndex);
    switch (operator) {
      case 'EXISTS':
        return sql`(jsonb_typeof(${value}) <> 'null')`;
      case 'EQ': {
        const exact = sql`${value} = ${JSON.stringify(expected)}::jsonb`;
        if (!contain) return sql`(${exact})`;
        return sql`(${document} @> ${JSON.stringify(nest(parts, expected ?? null))}::jsonb AND ${exact})`;
      }
      case 'NEQ':
        return sql`(${value} IS DISTINCT FROM ${JSON.stringify(expected)}::jsonb)`;
      case 'IN': {
        const options = Array.isArray(expected) ? expected : [];
        const exact = sql`${value} = ANY (${options.map((option) => JSON.stringify(option))}::jsonb[])`;
        if (!contain || options.length > MAX_CONTAINMENT_OPTIONS) return sql`(${exact})`;
        // One containment per option (a bitmap OR on the GIN index), then the exact comparison.
        const contained = options.map((option) => sql`${document} @> ${JSON.stringify(nest(parts, option))}::jsonb`);
        return sql`((${sql.join(contained, ' OR ')}) AND ${exact})`;
      }
      case 'CONTAINS':
        return sql`segment_json_contains(${value}, ${JSON.stringify(expected)}::jsonb)`;
      case 'LT':
      case 'LTE':
      case 'GT':
      case 'GTE':
        return sql`(${sql.raw(JSON_NUMBER)}(${value}) ${comparison(operator)} ${expected}::numeric)`;
    }
  }

  /**
   * The value at `parts` in `document`, NULL when absent. PostgreSQL's `#>`
   * indexes a list by any text its integer parser accepts (` 1`, `01`, `-1`
   * from the end); such a part is read with `->` on text, which finds an
   * object's key and nothing in a list, so only a list index part indexes.
   */
  private jsonPath(document: SqlFragment, parts: readonly string[]): SqlFragment {
    let value = document;
    let run: string[] = [];
    const flush = () => {
      if (run.length > 0) value = sql`(${value} #> ${run}::text[])`;
      run = [];
    };
    for (const part of parts) {
      if (!LOOSE_INTEGER.test(part) || isListIndex(part)) {
        run.push(part);
        continue;
      }
      flush();
      value = sql`(${value} -> ${part}::text)`;
    }
    flush();
    return value;
  }

  private behaviour(condition: BehaviourCondition): SqlFragment {
    const alias = sql.raw(`b${this.joins.length + 1}`);
    const filters: SqlFragment[] = [];
    if (this.options.customers !== null) filters.push(sql`t.customer_id = ANY (${this.options.customers})`);
    if (condition.types) filters.push(sql`t.type = ANY (${condition.types}::text[])`);
    if (condition.channels) filters.push(sql`t.channel = ANY (${condition.channels}::text[])`);
    if (condition.campaigns) filters.push(sql`t.campaign = ANY (${condition.campaigns}::text[])`);
    if (condition.withinDays !== undefined) {
      filters.push(sql`t.occurred_at > ${this.daysBefore(sql`${condition.withinDays}::float8`)}`, sql`t.occurred_at <= ${this.asOf()}`);
    }
    if (condition.from !== undefined) filters.push(sql`t.occurred_at >= ${condition.from}::timestamptz`);
    if (condition.to !== undefined) filters.push(sql`t.occurred_at < ${condition.to}::timestamptz`);
    for (const property of condition.properties ?? [])
      filters.push(this.json(sql`t.properties`, property.property, property.operator, property.value, false));
    const aggregate = condition.aggregate === 'SUM' ? sql`sum(t.value)` : sql`count(*)`;
    this.joins.push(
      sql`LEFT JOIN (SELECT t.customer_id, ${aggregate} AS value FROM ${sql.raw(TOUCHPOINTS_TABLE)} t
                   WHERE ${filters.length === 0 ? sql`TRUE` : sql.join(filters, ' AND ')}
                   GROUP BY t.customer_id) ${alias} ON ${alias}.customer_id = c.id`,
    );
    // A customer without any matching touchpoint has a count (and a sum) of 0.
    return sql`(coalesce(${alias}.value, 0) ${comparison(condition.operator)} ${condition.value}::numeric)`;
  }

  private acquisition(condition: AcquisitionCondition): SqlFragment {
    if (!this.acquisitionJoined) {
      this.acquisitionJoined = true;
      this.joins.push(sql`LEFT JOIN ${this.options.relations.acquisitions} acq ON acq.customer_id = c.id`);
    }
    const [channel, campaign] =
      condition.touch === 'FIRST' ? [sql`acq.first_touch_channel`, sql`acq.first_touch_campaign`] : [sql`acq.channel`, sql`acq.campaign`];
    const parts = [sql`acq.customer_id IS NOT NULL`];
    if (condition.channels) parts.push(sql`${channel} = ANY (${condition.channels}::text[])`);
    if (condition.campaigns) parts.push(sql`${campaign} = ANY (${condition.campaigns}::text[])`);
    return sql`(${sql.join(parts, ' AND ')})`;
  }

  /** `asOf − days`, with `days` a typed parameter. */
  private daysBefore(days: SqlFragment): SqlFragment {
    return sql`(${this.asOf()} - ${days} * interval '1 day')`;
  }

  /** The evaluation time, one parameter however often a rule uses it. */
  private readonly asOfValue = sql.value(this.options.asOf.toISOString());

  private asOf(): SqlFragment {
    return sql`${this.asOfValue}::timestamptz`;
  }
}

/** `{"a": {"b": value}}` for the path a.b: a document that contains `value` at the path. */
function nest(parts: readonly string[], value: JsonValue): JsonValue {
  return parts.reduceRight<JsonValue>((inner, part) => ({ [part]: inner }), value);
}

function comparison(operator: SegmentOperator): SqlFragment {
  const text = COMPARISON_SQL[operator];
  if (text === undefined) throw new Error(`${operator} is not a comparison (the rule was not validated)`);
  return sql.raw(text);
}

function durationComparison(operator: SegmentOperator): SqlFragment {
  const text = DURATION_SQL[operator];
  if (text === undefined) throw new Error(`${operator} does not apply to a duration (the rule was not validated)`);
  return sql.raw(text);
}
