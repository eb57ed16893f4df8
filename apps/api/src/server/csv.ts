/*
 * CSV writing for the export routes. Pure: values in, text out.
 *
 * Invariants:
 * - Output follows RFC 4180: records end with CRLF; a field holding a comma,
 *   a double quote, CR or LF is enclosed in double quotes, and a double quote
 *   inside it is written twice. Any other field is written as it is.
 * - Formula injection: a text cell that starts with `=`, `+`, `-`, `@`, TAB or
 *   CR would be run as a formula by a spreadsheet that opens the file, so it
 *   is written with a single quote in front (`=1+1` becomes `'=1+1`). Numbers
 *   are never prefixed: a number or a decimal's exact text (`csvDecimal`) is
 *   something clm computed, and `-5` must stay a number for a BI tool.
 * - `null` and `undefined` are an empty field.
 */

/** An exact decimal number as text (revenue, amounts): written as it is, never prefixed. */
export type CsvDecimal = { readonly decimal: string };

/** One field: text (defended against formula injection), a number, an exact decimal, or empty. */
export type CsvCell = string | number | bigint | boolean | CsvDecimal | null | undefined;

const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** Marks exact decimal text (PostgreSQL's numeric output) as a number; anything else stays text and is defended as such. */
export function csvDecimal(text: string): CsvCell {
  return DECIMAL_TEXT.test(text) ? { decimal: text } : text;
}

/** One field as CSV text, without the separator. */
export function csvField(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  if (typeof cell === 'bigint' || typeof cell === 'boolean') return String(cell);
  if (typeof cell === 'object') return cell.decimal;
  const text = FORMULA_START.test(cell) ? `'${cell}` : cell;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record: the fields separated by commas, ended by CRLF. */
export function csvRecord(cells: readonly CsvCell[]): string {
  let line = '';
  for (let index = 0; index < cells.length; index++) {
    if (index > 0) line += ',';
    line += csvField(cells[index]);
  }
  return `${line}\r\n`;
}

/** A whole (small) table: the header, then each row. Large tables are streamed record by record instead. */
export function csvTable(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  return csvRecord(header) + rows.map(csvRecord).join('');
}
