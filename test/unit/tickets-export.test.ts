/**
 * The tickets CSV: RFC 4180 quoting, formula-injection safety, the date range on the Bogotá
 * calendar, and the export CLI writing the same file as the supervisors' command.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { runExportCli } from '../../src/cli/export-tickets';
import { csvCell, toCsv } from '../../src/domain/reports/csv';
import { DateRangeError, parseDateRange } from '../../src/domain/reports/tickets-export';
import { DEFAULT_CALENDAR } from '../../src/domain/sla';
import { migrate, openDb } from '../../src/storage/db';
import { SqliteSql } from '../../src/storage/engines/sqlite';
import { SqlTicketRepository } from '../../src/storage/tickets';

const bog = (local: string) => new Date(`${local.replace(' ', 'T')}:00-05:00`);

/** Minimal RFC 4180 reader, to check that what we write reads back to the same cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  if (cell || row.length) throw new Error('the last record does not end with CRLF');
  return rows;
}

describe('CSV cells', () => {
  it('quotes commas, quotes and line breaks and doubles inner quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('dijo "hola"')).toBe('"dijo ""hola"""');
    expect(csvCell('línea 1\nlínea 2')).toBe('"línea 1\nlínea 2"');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(5)).toBe('5');
  });

  it('defuses cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://x","clic")')).toBe(`"'=HYPERLINK(""http://x"",""clic"")"`);
    for (const s of ['+57 300', '-1+1', '@SUM(A1)', '\tcmd']) expect(csvCell(s).replace(/^"/, '').startsWith("'")).toBe(true);
  });

  it('ends every record with CRLF and reads back to the same cells', () => {
    const rows = [['a', 'b,c', 'x "y"', 'l1\r\nl2', '=1+2']];
    expect(parseCsv(toCsv(rows))).toEqual([['a', 'b,c', 'x "y"', 'l1\r\nl2', "'=1+2"]]);
  });
});

describe('the date range', () => {
  it('covers whole Bogotá days, both ends included', () => {
    expect(parseDateRange('2026-11-01', '2026-11-30', DEFAULT_CALENDAR)).toEqual({ start: bog('2026-11-01 00:00'), end: bog('2026-12-01 00:00') });
  });

  it.each([
    ['2026-02-30', '2026-03-01', 'invalid_date'],
    ['2026-11-30', '2026-11-01', 'reversed'],
    ['2025-01-01', '2026-12-31', 'too_long'],
    ['ayer', '2026-11-01', 'invalid_date'],
  ])('refuses %s .. %s (%s)', (from, to, reason) => {
    let err: unknown;
    try {
      parseDateRange(from, to, DEFAULT_CALENDAR);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DateRangeError);
    expect((err as DateRangeError).reason).toBe(reason);
  });
});

describe('npm run export-tickets', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-export-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function seed(dbPath: string) {
    const db = openDb(dbPath);
    migrate(db);
    const repo = new SqlTicketRepository(new SqliteSql(db));
    const file = (createdAt: Date, description: string) =>
      repo.create(
        {
          submissionKey: randomUUID(), requester: { oid: 'o1', tenantId: 't', name: 'Ana, Empleada', email: 'ana@x.co', department: 'Talento Humano' },
          locale: 'es', contactChannel: 'teams', categoryId: 'mesa-servicio-primer-nivel', serviceId: 'acceso-remoto', templateId: 'falla-conexion-vpn',
          fieldValues: {}, description, priority: 'high', createdAt,
          sla: { firstResponseMinutes: 120, resolutionMinutes: 480, firstResponseDueAt: new Date(createdAt.getTime() + 7_200_000), firstResponseWarnAt: createdAt, resolutionDueAt: new Date(createdAt.getTime() + 28_800_000), resolutionWarnAt: createdAt },
        },
        'MDA', 2026, () => [],
      );
    await file(bog('2026-10-31 23:59'), 'antes del rango');
    await file(bog('2026-11-01 00:00'), '=cmd|"/c calc"!A1');
    await file(bog('2026-11-30 23:59'), 'Línea 1\nLínea 2, con coma');
    await file(bog('2026-12-01 00:00'), 'después del rango');
    db.close();
  }

  it('writes the tickets created in the range to EXPORT_DIR and prints the file and the row count', async () => {
    const dbPath = path.join(dir, 'db.sqlite');
    await seed(dbPath);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runExportCli(['--from', '2026-11-01', '--to=2026-11-30'], { DB_PATH: dbPath, EXPORT_DIR: path.join(dir, 'exports') }, (l) => out.push(l), (l) => err.push(l), bog('2026-12-02 10:00'));
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const m = /^2 tickets -> (.+\.csv)$/.exec(out[0]);
    expect(m).not.toBeNull();
    expect(path.dirname(m![1])).toBe(path.join(dir, 'exports'));
    const text = fs.readFileSync(m![1], 'utf8');
    expect(text.startsWith('\ufeff')).toBe(true);
    const rows = parseCsv(text.slice(1));
    expect(rows).toHaveLength(3);
    const header = rows[0];
    expect(header.slice(0, 4)).toEqual(['Radicado', 'Creado', 'Estado', 'Prioridad']);
    const col = (name: string) => header.indexOf(name);
    expect(rows.map((r) => r[col('Radicado')])).toEqual(['Radicado', 'MDA-2026-000002', 'MDA-2026-000003']);
    expect(rows[1][col('Creado')]).toBe('2026-11-01 00:00');
    expect(rows[1][col('Descripción')]).toBe(`'=cmd|"/c calc"!A1`);
    expect(rows[2][col('Descripción')]).toBe('Línea 1\nLínea 2, con coma');
    expect(rows[1][col('Solicitante')]).toBe('Ana, Empleada');
    expect(rows[1][col('Servicio')]).toBe('Acceso remoto');
    expect(rows[1][col('Solución antes de')]).toBe('2026-11-01 08:00');
    // Not resolved, due time passed at export time: the resolution target was missed.
    expect(rows[1][col('Cumple ANS solución')]).toBe('No');
  });

  it('gives two exports of the same second two files, the later with "-2" before ".csv"', async () => {
    const dbPath = path.join(dir, 'db.sqlite');
    await seed(dbPath);
    const now = bog('2026-12-02 10:00');
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out: string[] = [];
      expect(await runExportCli(['--from', '2026-11-01', '--to', '2026-11-30'], { DB_PATH: dbPath, EXPORT_DIR: path.join(dir, 'exports') }, (l) => out.push(l), () => {}, now)).toBe(0);
      paths.push(/-> (.+\.csv)$/.exec(out[0])![1]);
    }
    expect(paths.map((p) => path.basename(p))).toEqual([
      'casos_2026-11-01_2026-11-30_20261202T150000.csv',
      'casos_2026-11-01_2026-11-30_20261202T150000-2.csv',
      'casos_2026-11-01_2026-11-30_20261202T150000-3.csv',
    ]);
    for (const p of paths) expect(fs.readFileSync(p, 'utf8')).toContain('MDA-2026-000002');
    // Nothing else is left in the folder (no temporary files).
    expect(fs.readdirSync(path.join(dir, 'exports')).sort()).toEqual(paths.map((p) => path.basename(p)).sort());
  });

  it('refuses a missing database with exit 2 and creates neither it nor its folder', async () => {
    const dbPath = path.join(dir, 'no-such-folder', 'mesa-ayuda.db');
    const out: string[] = [];
    const err: string[] = [];
    expect(await runExportCli(['--from', '2026-11-01', '--to', '2026-11-30'], { DB_PATH: dbPath, EXPORT_DIR: path.join(dir, 'exports') }, (l) => out.push(l), (l) => err.push(l))).toBe(2);
    expect(out).toEqual([]);
    expect(err.join('\n')).toContain(`No database at ${dbPath} (DB_PATH)`);
    expect(fs.existsSync(path.join(dir, 'no-such-folder'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'exports'))).toBe(false);
  });

  it('explains a bad range or missing arguments and exits with 2', async () => {
    const err: string[] = [];
    expect(await runExportCli(['--from', '2026-11-30', '--to', '2026-11-01'], { DB_PATH: path.join(dir, 'db.sqlite'), EXPORT_DIR: dir }, () => {}, (l) => err.push(l))).toBe(2);
    expect(err.join('\n')).toContain('invalid date range');
    expect(await runExportCli(['--from', '2026-11-01'], {}, () => {}, (l) => err.push(l))).toBe(2);
    expect(err.join('\n')).toContain('--from and --to are required');
  });
});
