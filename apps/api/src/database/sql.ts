/**
 * The one way clm composes parameterised SQL: a tagged template whose
 * interpolated values become numbered parameters, and whose interpolated
 * fragments are spliced in with their own parameters renumbered.
 *
 *     const stage = sql`c.stage = ${key}`;
 *     const query = sql`SELECT id FROM customers c WHERE ${stage} AND c.created_at < ${until}`;
 *     db.query(query.text, query.values); // "… c.stage = $1 AND c.created_at < $2", [key, until]
 *
 * Invariants: a value never becomes SQL text (only `sql.raw`, for text the
 * code itself wrote, such as a column chosen from a closed list); the
 * placeholders of a fragment are numbered only when it is rendered, so
 * fragments compose in any order and any depth. A value wrapped once with
 * `sql.value` and interpolated several times travels once: every occurrence
 * renders its one placeholder (a batch's ids used in several places).
 */
export class SqlFragment {
  /** @internal use the `sql` tag. */
  constructor(
    private readonly strings: readonly string[],
    private readonly parts: readonly unknown[],
  ) {}

  /** The statement's text, placeholders numbered `$1…$n` in order of appearance. */
  get text(): string {
    return this.render().text;
  }

  /** The parameters in placeholder order. */
  get values(): unknown[] {
    return this.render().values;
  }

  /** Text and parameters in one pass. */
  render(): { text: string; values: unknown[] } {
    const values: unknown[] = [];
    const text = this.write(values, new Map());
    return { text, values };
  }

  private write(values: unknown[], shared: Map<SharedValue, number>): string {
    let text = this.strings[0];
    for (let index = 0; index < this.parts.length; index++) {
      const part = this.parts[index];
      if (part instanceof SqlFragment) text += part.write(values, shared);
      else if (part instanceof SharedValue) {
        let number = shared.get(part);
        if (number === undefined) {
          values.push(part.value);
          number = values.length;
          shared.set(part, number);
        }
        text += `$${number}`;
      } else {
        values.push(part);
        text += `$${values.length}`;
      }
      text += this.strings[index + 1];
    }
    return text;
  }
}

/** A value that renders one placeholder wherever it is interpolated in one statement (`sql.value`). */
export class SharedValue {
  /** @internal use `sql.value`. */
  constructor(readonly value: unknown) {}
}

/** A fragment of SQL; `${value}` is a parameter, `${fragment}` is spliced in. */
export function sql(strings: TemplateStringsArray, ...parts: unknown[]): SqlFragment {
  return new SqlFragment(strings, parts);
}

/** Text the code itself wrote (never a value from a request): a column or operator picked from a closed list. */
sql.raw = (text: string): SqlFragment => new SqlFragment([text], []);

/** Fragments joined by a separator (`, ` unless given); no fragments give empty text. */
sql.join = (fragments: readonly SqlFragment[], separator: string = ', '): SqlFragment => {
  if (fragments.length === 0) return sql.empty;
  const strings = ['', ...fragments.slice(1).map(() => separator), ''];
  return new SqlFragment(strings, fragments);
};

/** A value to interpolate more than once as one parameter: every occurrence is the same `$n`. */
sql.value = (value: unknown): SharedValue => new SharedValue(value);

/** No SQL at all. */
sql.empty = new SqlFragment([''], []);
