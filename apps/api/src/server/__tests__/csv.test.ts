import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { csvDecimal, csvField, csvRecord, csvTable } from '../csv';

/**
 * An RFC 4180 reader written for these tests only (independent of the
 * writer): records end with CRLF, quoted fields double their quotes.
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let at = 0;
  while (at < text.length) {
    if (text[at] === '"' && field === '') {
      at++;
      for (;;) {
        if (at >= text.length) throw new Error('unterminated quoted field');
        if (text[at] === '"' && text[at + 1] === '"') {
          field += '"';
          at += 2;
        } else if (text[at] === '"') {
          at++;
          break;
        } else field += text[at++];
      }
      if (text[at] !== ',' && !text.startsWith('\r\n', at)) throw new Error(`text after a closing quote at ${at}`);
    } else if (text[at] === ',') {
      fields.push(field);
      field = '';
      at++;
    } else if (text.startsWith('\r\n', at)) {
      fields.push(field);
      records.push(fields);
      fields = [];
      field = '';
      at += 2;
    } else {
      if (text[at] === '"' || text[at] === '\r' || text[at] === '\n') throw new Error(`unquoted ${JSON.stringify(text[at])} at ${at}`);
      field += text[at++];
    }
  }
  if (field !== '' || fields.length > 0) throw new Error('the last record does not end with CRLF');
  return records;
}

const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r'];

describe('csvField', () => {
  it('writes plain text as it is', () => {
    expect(csvField('Ada Lovelace')).toBe('Ada Lovelace');
    expect(csvField('')).toBe('');
  });

  it('quotes a field holding a comma, a quote, CR or LF and doubles its quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField('"')).toBe('""""');
  });

  it('prefixes text starting with = + - @ TAB or CR with a single quote', () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField('\r=1')).toBe('"\'\r=1"');
  });

  it('leaves those characters alone when they are not first', () => {
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField(' =1')).toBe(' =1');
    expect(csvField("'=1")).toBe("'=1");
  });

  it('writes numbers and exact decimals without a prefix, even when negative', () => {
    expect(csvField(-5)).toBe('-5');
    expect(csvField(0.25)).toBe('0.25');
    expect(csvField(12345678901234567890n)).toBe('12345678901234567890');
    expect(csvField(csvDecimal('-12.5000'))).toBe('-12.5000');
    expect(csvField(csvDecimal('99999999999999999999.0001'))).toBe('99999999999999999999.0001');
  });

  it('treats text that is not a decimal as text even when marked as one', () => {
    expect(csvField(csvDecimal('-1+2'))).toBe("'-1+2");
    expect(csvField(csvDecimal('=1'))).toBe("'=1");
  });

  it('writes null, undefined and non-finite numbers as an empty field', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(Number.POSITIVE_INFINITY)).toBe('');
  });

  it('writes booleans as true and false', () => {
    expect(csvField(true)).toBe('true');
    expect(csvField(false)).toBe('false');
  });
});

describe('csvRecord and csvTable', () => {
  it('separate fields by commas and end each record with CRLF', () => {
    expect(csvRecord(['a', 1, null, 'b,c'])).toBe('a,1,,"b,c"\r\n');
    expect(csvRecord([])).toBe('\r\n');
  });

  it('write the header first, then one record per row', () => {
    expect(
      csvTable(
        ['bucket_start', 'value'],
        [
          ['2026-01-01', 3],
          ['2026-01-02', null],
        ],
      ),
    ).toBe('bucket_start,value\r\n2026-01-01,3\r\n2026-01-02,\r\n');
  });
});

describe('CSV output under hostile input', () => {
  const hostileText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', "'", 'a', ' '), maxLength: 12 }),
  );

  it('reads back every text cell exactly, with the single quote added only before a formula start', () => {
    fc.assert(
      fc.property(fc.array(fc.array(hostileText, { minLength: 1, maxLength: 8 }), { maxLength: 20 }), (rows) => {
        const text = rows.map(csvRecord).join('');
        const expected = rows.map((row) => row.map((cell) => (FORMULA_STARTS.includes(cell[0] ?? '') ? `'${cell}` : cell)));
        expect(parseCsv(text)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('never writes a field that a spreadsheet would read as a formula', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(hostileText, fc.double(), fc.constant(null)), { minLength: 1, maxLength: 10 }), (cells) => {
        const [fields] = parseCsv(csvRecord(cells));
        fields.forEach((field, index) => {
          const cell = cells[index];
          if (typeof cell === 'string') expect(FORMULA_STARTS).not.toContain(field[0]);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('writes numbers so that they read back as the same number', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 10 }), (numbers) => {
        const [fields] = parseCsv(csvRecord(numbers));
        expect(fields.map(Number)).toEqual(numbers.map((value) => (Object.is(value, -0) ? 0 : value)));
      }),
    );
  });
});
