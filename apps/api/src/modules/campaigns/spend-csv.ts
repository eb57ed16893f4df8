import { CsvError, parse } from 'csv-parse/sync';
import type { Options } from 'csv-parse/sync';
import { issue, MAX_SPEND_ROWS, quote, validateSpend } from './campaign-validation';
import type { Issue, SpendNamer, SpendRow, SpendSubmission } from './campaign-validation';

/*
 * Spend as CSV text: a header line naming the columns campaign, day and
 * amount (any order, any case), then one line per campaign and day.
 *
 * The CSV dialect is RFC 4180's, read (by csv-parse) leniently where that is
 * safe: fields are separated by commas; a field may be quoted ("…"), and then
 * holds commas, line breaks and doubled quotes (""); lines end with CRLF, LF
 * or CR; a UTF-8 byte order mark and empty lines are skipped. A quote inside an unquoted
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

const QUOTE_INSIDE_UNQUOTED = 'a " inside an unquoted field; quote the whole field and double the quote ("")';
const TEXT_AFTER_CLOSING_QUOTE = 'text after a closing quote; quote the whole field and double any quote inside it ("")';

/**
 * csv-parse, told the dialect above: a record ends at CRLF, LF or CR, every
 * line is a record (blank ones are dropped afterwards, so that each record's
 * line can be counted from the ones before it), records may differ in length,
 * and quotes are read leniently so that a bad field spoils its own record only.
 */
const LENIENT = {
  bom: true,
  record_delimiter: ['\r\n', '\n', '\r'],
  relax_column_count: true,
  relax_quotes: true,
  raw: true,
} satisfies Options;

/** Reads CSV records. Stops only at a quote that is never closed. */
export function readCsvRecords(text: string): CsvReading {
  const unreadable = standIns(text);
  const records: CsvRecord[] = [];
  // The line the next record starts on: csv-parse counts a CRLF inside a quoted field as two lines, so the lines are counted here.
  let line = 1;
  try {
    parse(unreadable.hide(text), {
      ...LENIENT,
      on_record: (read: unknown) => {
        if (!isRawRecord(read)) throw new Error('csv-parse gave a record without its raw text');
        const record = recordOf(line, read.record.map(unreadable.restore), read.raw);
        if (!(record.fields.length === 1 && record.fields[0] === '' && record.problem === null)) records.push(record);
        line += 1 + record.fields.reduce((breaks, field) => breaks + lineBreaks(field), 0);
        return null;
      },
    });
  } catch (error) {
    if (error instanceof CsvError && error.code === 'CSV_QUOTE_NOT_CLOSED') {
      return { records, fatal: issue(`line ${line}`, 'a quoted field is never closed (a " is missing)') };
    }
    throw error;
  }
  return { records, fatal: null };
}

/** A record as csv-parse gives it with `raw: true`. */
function isRawRecord(value: unknown): value is { record: string[]; raw: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'record' in value &&
    Array.isArray(value.record) &&
    'raw' in value &&
    typeof value.raw === 'string'
  );
}

/**
 * Characters csv-parse does not read as themselves, swapped for private-use
 * characters the text does not hold (one for each that occurs) and swapped
 * back in every field: a lone UTF-16 surrogate cannot exist in the UTF-8 it
 * reads (it would come back as U+FFFD, yet validation must see it to name it),
 * and it takes a NUL after a closing quote for the end of the field.
 */
function standIns(text: string): { hide: (text: string) => string; restore: (field: string) => string } {
  // eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
  const unreadable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
  const found = [...new Set(text.match(unreadable) ?? [])];
  if (found.length === 0) return { hide: (whole) => whole, restore: (field) => field };
  const free: string[] = [];
  for (let code = 0xe000; free.length < found.length; code++) {
    const char = String.fromCharCode(code);
    if (!text.includes(char)) free.push(char);
  }
  const toStandIn = new Map(found.map((char, index) => [char, free[index]]));
  const toOriginal = new Map(found.map((char, index) => [free[index], char]));
  const standIn = new RegExp(`[${free.join('')}]`, 'g');
  return {
    hide: (whole) => whole.replace(unreadable, (char) => toStandIn.get(char) ?? char),
    restore: (field) => field.replace(standIn, (char) => toOriginal.get(char) ?? char),
  };
}

/**
 * One record as read leniently, with what strict RFC 4180 says is wrong with
 * it: a quote inside an unquoted field, or text after a closing quote. The
 * lenient reading keeps a field of the second kind whole, quotes and all; its
 * value here is what precedes the first quote after the opening one, which is
 * the quoted part unless that held a doubled quote (the lenient reading has
 * undoubled it by then). Only the message naming a bad header shows it.
 */
function recordOf(line: number, fields: string[], raw: string): CsvRecord {
  if (fields.every((field) => !field.includes('"'))) return { line, fields, problem: null };
  const problem = strictProblem(raw);
  if (problem === null) return { line, fields, problem };
  const quoted = quotedFields(raw);
  const value = (field: string, index: number) =>
    quoted[index] && field.startsWith('"') && field.indexOf('"', 1) > 0 ? field.slice(1, field.indexOf('"', 1)) : field;
  return { line, fields: fields.map(value), problem };
}

/** Which fields of one record's text open with a quote (asked only of a refused record: csv-parse's `cast` is slow). */
function quotedFields(raw: string): boolean[] {
  const quoted: boolean[] = [];
  parse(raw, {
    ...LENIENT,
    bom: false,
    cast: (value, context) => {
      if (context.records === 0) quoted.push(context.quoting);
      return value;
    },
  });
  return quoted;
}

/** What a strict reading of one record's text refuses first, if anything. */
function strictProblem(raw: string): string | null {
  try {
    parse(raw, { ...LENIENT, bom: false, relax_quotes: false });
    return null;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    if (error.code === 'INVALID_OPENING_QUOTE') return QUOTE_INSIDE_UNQUOTED;
    if (error.code === 'CSV_INVALID_CLOSING_QUOTE') return TEXT_AFTER_CLOSING_QUOTE;
    throw error;
  }
}

/** Line breaks in a field's text: CRLF, LF and CR each end one line. */
function lineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
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
