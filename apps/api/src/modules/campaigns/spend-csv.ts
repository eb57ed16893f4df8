import { issue, MAX_SPEND_ROWS, quote, validateSpend } from './campaign-validation';
import type { Issue, SpendNamer, SpendRow, SpendSubmission } from './campaign-validation';

/*
 * Spend as CSV text: a header line naming the columns campaign, day and
 * amount (any order, any case), then one line per campaign and day.
 *
 * The CSV dialect is RFC 4180's, read leniently where that is safe: fields are
 * separated by commas; a field may be quoted ("…"), and then holds commas,
 * line breaks and doubled quotes (""); lines end with CRLF, LF or CR; a UTF-8
 * byte order mark and empty lines are skipped. A quote inside an unquoted
 * field, or text after a closing quote, is refused (that line only); a quote
 * that is never closed ends the reading, since nothing after it can be told
 * apart. Problems name the line a record starts on, and the column.
 *
 * Pure: no I/O. Invariant: either every row is valid and returned, or the
 * issues are returned and no row is.
 */

/** One record of the text: the line it starts on, its fields, and what is wrong with its syntax (if anything). */
export type CsvRecord = { line: number; fields: string[]; problem: string | null };

/** The records of `text`, or the one problem that stopped the reading. */
export type CsvReading = { records: CsvRecord[]; fatal: Issue | null };

const COLUMNS = ['campaign', 'day', 'amount'] as const;
type Column = (typeof COLUMNS)[number];

/** Reads CSV records. Stops only at a quote that is never closed. */
export function readCsvRecords(text: string): CsvReading {
  const reader = new Reader(text.startsWith('\uFEFF') ? text.slice(1) : text);
  const records: CsvRecord[] = [];
  while (!reader.done()) {
    const line = reader.line;
    const fields: string[] = [];
    let problem: string | null = null;
    for (;;) {
      const field = reader.field();
      if (field.unclosed) return { records, fatal: issue(`line ${line}`, 'a quoted field is never closed (a " is missing)') };
      problem ??= field.problem;
      fields.push(field.value);
      if (!reader.comma()) break;
    }
    reader.lineBreak();
    const blank = fields.length === 1 && fields[0] === '' && problem === null;
    if (!blank) records.push({ line, fields, problem });
  }
  return { records, fatal: null };
}

/** A cursor over CSV text, counting lines (CRLF, LF and CR each end one). */
class Reader {
  private at = 0;
  line = 1;

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.at >= this.text.length;
  }

  /** Reads one field, quoted or not, up to (not including) the comma or line break after it. */
  field(): { value: string; problem: string | null; unclosed: boolean } {
    if (this.text[this.at] !== '"') {
      const start = this.at;
      while (!this.done() && !this.atSeparator()) this.at++;
      const value = this.text.slice(start, this.at);
      const problem = value.includes('"') ? 'a " inside an unquoted field; quote the whole field and double the quote ("")' : null;
      return { value, problem, unclosed: false };
    }
    this.at++;
    let value = '';
    for (;;) {
      const next = this.text.indexOf('"', this.at);
      if (next === -1) return { value, problem: null, unclosed: true };
      value += this.countingLines(this.text.slice(this.at, next));
      this.at = next + 1;
      if (this.text[this.at] !== '"') break;
      value += '"';
      this.at++;
    }
    if (this.done() || this.atSeparator()) return { value, problem: null, unclosed: false };
    while (!this.done() && !this.atSeparator()) this.at++;
    return { value, problem: 'text after a closing quote; quote the whole field and double any quote inside it ("")', unclosed: false };
  }

  /** Consumes a comma, if one is next. */
  comma(): boolean {
    if (this.text[this.at] !== ',') return false;
    this.at++;
    return true;
  }

  /** Consumes the line break that ends a record, if one is next. */
  lineBreak(): void {
    if (this.text[this.at] === '\r') this.at++;
    if (this.text[this.at] === '\n') this.at++;
    this.line++;
  }

  private atSeparator(): boolean {
    const char = this.text[this.at];
    return char === ',' || char === '\n' || char === '\r';
  }

  /** Counts the line breaks inside a quoted field's text, and returns it unchanged. */
  private countingLines(chunk: string): string {
    this.line += chunk.match(/\r\n|\r|\n/g)?.length ?? 0;
    return chunk;
  }
}

/** Spend rows named by line and column: `line 4, amount`. */
function lineNamer(records: readonly CsvRecord[]): SpendNamer {
  return (index, field) => `line ${records[index].line}${field === null ? '' : `, ${field}`}`;
}

/**
 * Reads a spend CSV: its rows, or every problem found (syntax, header, field
 * counts, then each bad value), each naming its line (and column).
 */
export function readSpendCsv(text: string): { rows: SpendRow[]; lines: SpendNamer } | { issues: Issue[] } {
  const { records, fatal } = readCsvRecords(text);
  if (fatal !== null) return { issues: [fatal] };
  const [header, ...data] = records;
  const columns = header === undefined ? null : columnsOf(header);
  if (header === undefined || columns === null) {
    const found = header === undefined ? 'an empty text' : quote(header.fields.join(','));
    return {
      issues: [
        issue(`line ${header?.line ?? 1}`, `the header must name the columns campaign, day and amount (in any order); found ${found}`),
      ],
    };
  }
  if (data.length > MAX_SPEND_ROWS) {
    return { issues: [issue('csv', `at most ${MAX_SPEND_ROWS} spend rows per import; this text has ${data.length}`)] };
  }
  const shapeProblems = new Map<CsvRecord, string>();
  for (const record of data) {
    if (record.problem !== null) shapeProblems.set(record, record.problem);
    else if (record.fields.length !== COLUMNS.length) {
      shapeProblems.set(record, `expected ${COLUMNS.length} fields (${columns.join(',')}), found ${record.fields.length}`);
    }
  }
  const wellShaped = data.filter((record) => !shapeProblems.has(record));
  const submissions = wellShaped.map((record): SpendSubmission => {
    const value = (column: Column) => record.fields[columns.indexOf(column)];
    return { campaign: value('campaign'), day: value('day'), amount: value('amount') };
  });
  const lines = lineNamer(wellShaped);
  const result = validateSpend(submissions, lines);
  if (shapeProblems.size === 0 && 'rows' in result) return { rows: result.rows, lines };
  // Every problem, in line order: the badly shaped lines, and the bad values of the others.
  const found = [
    ...[...shapeProblems].map(([record, problem]) => ({ line: record.line, issue: issue(`line ${record.line}`, problem) })),
    ...('issues' in result ? result.issues : []).map((bad) => ({
      line: wellShaped[bad.index].line,
      issue: { path: bad.path, message: bad.message },
    })),
  ];
  return { issues: found.sort((a, b) => a.line - b.line).map((entry) => entry.issue) };
}

/** The header's columns in order, or null unless it names campaign, day and amount once each. */
function columnsOf(header: CsvRecord): Column[] | null {
  if (header.problem !== null) return null;
  const names = header.fields.map((field) => field.trim().toLowerCase());
  const known = (name: string): name is Column => (COLUMNS as readonly string[]).includes(name);
  if (names.length !== COLUMNS.length || !names.every(known) || new Set(names).size !== COLUMNS.length) return null;
  return names.filter(known);
}
