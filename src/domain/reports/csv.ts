/**
 * CSV as RFC 4180 (comma separator, CRLF line ends, fields with a comma, quote, CR or LF quoted
 * and inner quotes doubled), safe to open in a spreadsheet: a cell that starts with = + - @ (or a
 * tab or carriage return) is prefixed with an apostrophe so it is never evaluated as a formula.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'number' ? String(value) : value;
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows to CSV text; every record, the last one included, ends with CRLF. */
export function toCsv(rows: (string | number | null | undefined)[][]): string {
  return rows.map((r) => r.map(csvCell).join(',') + '\r\n').join('');
}
