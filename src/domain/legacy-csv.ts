/** CSV as the old service desk exports it: ";" or "," separated, quoted fields with doubled quotes and line breaks. */

export interface CsvRecord {
  line: number;
  fields: string[];
}

/** Splits CSV text into records, keeping the physical line where each record starts. */
export function splitCsv(text: string, sep: string): { records: CsvRecord[]; unterminatedAt?: number } {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = 0;
  const n = text.length;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0].trim() === '')) records.push({ line: start, fields });
    fields = [];
    field = '';
  };
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === sep) {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else field += c;
    i++;
  }
  if (quoted) return { records, unterminatedAt: start };
  if (field !== '' || fields.length) endRecord();
  return { records };
}

/** ";" or ",": whichever appears more often outside quotes on the header line. */
export function detectSeparator(headerLine: string): ';' | ',' {
  let semi = 0;
  let comma = 0;
  let quoted = false;
  for (const c of headerLine) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ';') semi++;
    else if (!quoted && c === ',') comma++;
  }
  return semi > comma ? ';' : ',';
}
