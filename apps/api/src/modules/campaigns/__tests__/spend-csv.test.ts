import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readCsvRecords, readSpendCsv } from '../spend-csv';

/** The rows of a valid spend CSV, as (campaign, day, amount text). */
function rowsOf(csv: string): Array<[string, string, string]> {
  const read = readSpendCsv(csv);
  if ('issues' in read) throw new Error(`expected rows, got ${JSON.stringify(read.issues)}`);
  return read.rows.map((row) => [row.campaign, row.day, row.amount.text]);
}

/** The issue messages of an invalid spend CSV. */
function problemsOf(csv: string): string[] {
  const read = readSpendCsv(csv);
  if (!('issues' in read)) throw new Error(`expected issues, got ${read.rows.length} rows`);
  return read.issues.map((found) => found.message);
}

describe('readCsvRecords', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and counts the lines each record starts on', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","two\nlines"\n\nlast,,\r';
    expect(readCsvRecords(text)).toEqual({
      records: [
        { line: 1, fields: ['a', 'b', 'c'], problem: null },
        { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'], problem: null },
        { line: 5, fields: ['last', '', ''], problem: null },
      ],
      fatal: null,
    });
  });

  it('skips a byte order mark and reads a lone CR as a line break', () => {
    expect(readCsvRecords('\uFEFFa,b\rc,d').records).toEqual([
      { line: 1, fields: ['a', 'b'], problem: null },
      { line: 2, fields: ['c', 'd'], problem: null },
    ]);
  });

  it('flags a quote inside an unquoted field and text after a closing quote, on that line only', () => {
    expect(readCsvRecords('ab"c,d\n"e"f,g\nh,i').records).toEqual([
      { line: 1, fields: ['ab"c', 'd'], problem: 'a " inside an unquoted field; quote the whole field and double the quote ("")' },
      { line: 2, fields: ['e', 'g'], problem: 'text after a closing quote; quote the whole field and double any quote inside it ("")' },
      { line: 3, fields: ['h', 'i'], problem: null },
    ]);
  });

  it('stops at a quote that is never closed, naming the line it opened on', () => {
    expect(readCsvRecords('a,b\n"open,\nstill open\n')).toEqual({
      records: [{ line: 1, fields: ['a', 'b'], problem: null }],
      fatal: { path: 'line 2', message: 'line 2: a quoted field is never closed (a " is missing)' },
    });
  });

  it('reads any text it is given into records that join back to it, for fields quoted the RFC 4180 way', () => {
    const field = fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', '\u0000', '\uD800', '😀'), maxLength: 8 });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 6 }), (table) => {
        const text = table.map((row) => row.map((cell) => `"${cell.replaceAll('"', '""')}"`).join(',')).join('\r\n');
        const read = readCsvRecords(text);
        expect(read.fatal).toBeNull();
        expect(read.records.map((record) => record.fields)).toEqual(table);
      }),
      { numRuns: 500 },
    );
  });
  it('reads back any table written as RFC 4180 CSV: fields quoted where they must be, CRLF or LF records, with or without a BOM', () => {
    const field = fc.string({
      unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r', '\r\n', '\u0000', '\uDC00', 'é', '😀'),
      maxLength: 6,
    });
    const quoted = (cell: string) => (/[",\r\n]/.test(cell) || cell === '' ? `"${cell.replaceAll('"', '""')}"` : cell);
    fc.assert(
      fc.property(
        fc.array(
          fc.array(field, { minLength: 1, maxLength: 4 }).filter((row) => row.join('') !== '' || row.length > 1), // a lone empty field is a blank line
          { minLength: 1, maxLength: 5 },
        ),
        fc.constantFrom('\r\n', '\n'),
        fc.boolean(),
        fc.boolean(),
        (table, lineEnd, bom, finalLineEnd) => {
          const text = (bom ? '\uFEFF' : '') + table.map((row) => row.map(quoted).join(',')).join(lineEnd) + (finalLineEnd ? lineEnd : '');
          const read = readCsvRecords(text);
          expect(read.fatal).toBeNull();
          expect(read.records.map((record) => record.fields)).toEqual(table);
          expect(read.records.every((record) => record.problem === null)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('readSpendCsv', () => {
  it('reads rows under a header in any column order and case, with CRLF and quoted fields', () => {
    expect(rowsOf(' Day ,AMOUNT,campaign\r\n2026-11-27,100.5,bf\r\n"2026-11-28","12","spring, ""26"""\r\n')).toEqual([
      ['bf', '2026-11-27', '100.5000'],
      ['spring, "26"', '2026-11-28', '12.0000'],
    ]);
  });

  it('accepts a header without rows (nothing to record)', () => {
    expect(rowsOf('campaign,day,amount\n')).toEqual([]);
  });

  it.each([
    ['', 'line 1: the header must name the columns campaign, day and amount (in any order); found an empty text'],
    ['bf,2026-11-27,10\n', 'line 1: the header must name the columns campaign, day and amount (in any order); found "bf,2026-11-27,10"'],
    ['campaign,day\n', 'line 1: the header must name the columns campaign, day and amount (in any order); found "campaign,day"'],
    ['campaign,day,day\n', 'line 1: the header must name the columns campaign, day and amount (in any order); found "campaign,day,day"'],
  ])('refuses a missing or wrong header: %p', (csv, message) => {
    expect(problemsOf(csv)).toEqual([message]);
  });

  it('names the line and column of every bad value, and badly shaped lines, in line order', () => {
    const csv = [
      'campaign,day,amount',
      'bf,2026-11-27,10',
      'bf,2026-02-30,abc',
      'bf,2026-11-28',
      'bf,2026-11-27,20',
      'b"f,2026-11-29,1',
      ',2026-11-30,-3',
      'bf,2026-12-01,1e309',
    ].join('\n');
    expect(problemsOf(csv)).toEqual([
      'line 3, day: "2026-02-30" is not a date; write YYYY-MM-DD, a real day in the years 0001–9999',
      'line 3, amount: not a number: "abc"; write a plain decimal like 1234.50',
      'line 4: expected 3 fields (campaign,day,amount), found 2',
      'line 5: the same campaign and day as line 2; give each campaign and day once',
      'line 6: a " inside an unquoted field; quote the whole field and double the quote ("")',
      'line 7, campaign: is required (the text your touchpoints carry in `campaign`)',
      'line 7, amount: must not be negative, got "-3"',
      'line 8, amount: not a number: "1e309"; write a plain decimal like 1234.50',
    ]);
  });

  it('names the line a record starts on when an earlier field spans lines', () => {
    expect(problemsOf('campaign,day,amount\n"multi\nline",2026-11-27,x\n')).toEqual([
      'line 2, amount: not a number: "x"; write a plain decimal like 1234.50',
    ]);
  });

  it('refuses NUL and lone surrogates in a key, and huge amounts', () => {
    expect(problemsOf('campaign,day,amount\n"a\u0000",2026-11-27,1\nb\uDC00,2026-11-27,1\nc,2026-11-27,12345678901234567890\n')).toEqual([
      'line 2, campaign: contains a NUL character (\\u0000), which cannot be stored',
      'line 3, campaign: contains a lone UTF-16 surrogate (half of a \\uD800–\\uDFFF pair), which is not valid Unicode',
      'line 4, amount: must be less than 10^15, got "12345678901234567890"',
    ]);
  });

  it('takes 10,000 rows and refuses 10,001', () => {
    const csv = (rows: number) =>
      ['campaign,day,amount', ...Array.from({ length: rows }, (_, i) => `c${i % 7},${dayAfter('2000-01-01', i)},${i}.25`)].join('\n');
    const read = readSpendCsv(csv(10_000));
    expect('rows' in read && read.rows.length).toBe(10_000);
    expect(problemsOf(csv(10_001))).toEqual(['csv: at most 10000 spend rows per import; this text has 10001']);
  });

  it('answers any text with rows or named problems, never by throwing', () => {
    const text = fc.string({
      unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', '-', '.', '1', '2', '0', '\u0000', '\uD800', 'e'),
      maxLength: 80,
    });
    fc.assert(
      fc.property(
        fc.oneof(
          text,
          text.map((body) => `campaign,day,amount\n${body}`),
        ),
        (csv) => {
          const read = readSpendCsv(csv);
          if ('issues' in read) {
            expect(read.issues.length).toBeGreaterThan(0);
            for (const found of read.issues) expect(found.message.startsWith(`${found.path}: `)).toBe(true);
            for (const found of read.issues) expect(found.path).toMatch(/^(line \d+(, (campaign|day|amount))?|csv)$/);
          } else {
            for (const row of read.rows) expect(row.amount.units >= 0n).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

/** The day `days` after `start`, `YYYY-MM-DD`. */
function dayAfter(start: string, days: number): string {
  return new Date(Date.parse(`${start}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
