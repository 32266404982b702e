/**
 * Old cases from the previous service desk: `npm run import-legacy` on a generated 1,000-row export
 * (BOM, ";" separator, quoted fields with separators, quotes and line breaks, dd/mm/yyyy and ISO
 * dates, malformed lines), then the requesters ask for them over HTTP, and a new filing gets a
 * radicado that does not collide with the imported ones.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { main } from '../../src/cli/import-legacy';
import { bogotaYear } from '../../src/domain/tickets/radicado';
import { cardAction, cardText, invokeCard, message, press, startHarness, TENANT, USERS, type Harness, type TestUser } from '../helpers/harness';
import { channelAnswer, registerQueue } from '../helpers/desk';
import { databaseEnv, sql, sqlValue } from '../helpers/engine';
import { openStorage, type Storage } from '../../src/storage';

const YEAR = bogotaYear(new Date());
const HIGH = `MDA-${YEAR}-000500`;

interface Sample {
  csv: string;
  rows: number;
  /** Line number → reason code expected in the report. */
  bad: Map<number, string>;
  good: number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * 1,000 data rows. Every 50th row is malformed in one of eight ways; a few descriptions carry
 * quotes, separators and line breaks, so physical lines and records differ.
 */
function generateSample(): Sample {
  const header = 'Radicado;Fecha de creación;Fecha de cierre;Correo solicitante;Nombre solicitante;Servicio;Estado;Descripción;Solución';
  const lines: string[] = [header];
  const bad = new Map<number, string>();
  let line = 2;
  let good = 0;
  const states = ['Cerrada', 'Resuelta', 'Abierta', 'En curso', 'Cancelada'];
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  for (let i = 1; i <= 1000; i++) {
    const day = (i % 28) + 1;
    const month = (i % 12) + 1;
    let radicado = `PN-2019-${pad(i, 5)}`;
    if (i === 7) radicado = 'MDA-2025-123'; // the bot's own format, an earlier year, short number
    if (i === 8) radicado = HIGH; // the bot's own format, this year: the counter must move past it
    const isoDate = i % 2 === 0;
    let created = isoDate ? `2024-${pad(month)}-${pad(day)}T09:${pad(i % 60)}:00` : `${pad(day)}/${pad(month)}/2024 10:${pad(i % 60)}`;
    // Ana (in the directory) owns rows 1..20, Jorge 21..40 (all closed), the rest are unknown people.
    let email = i <= 20 ? USERS.employee.email : i <= 40 ? USERS.manager.email : `persona${i}@entidad.gov.co`;
    const name = i <= 20 ? USERS.employee.name : i <= 40 ? USERS.manager.name : `Persona ${i}`;
    let state = i > 20 && i <= 40 ? 'Cerrada' : states[i % states.length];
    if (i === 8) state = 'Cerrada';
    let description = `Caso antiguo número ${i}: la impresora del piso ${i % 9} no imprime.`;
    if (i % 97 === 0) description = `Dice "error 809"; luego se cae.\nSegunda línea del caso ${i}.`;
    const closed = ['Cerrada', 'Resuelta', 'Cancelada'].includes(state) ? `${pad(day)}/${pad(month)}/2024` : '';
    let fields: string[] | null = null;
    const kind = i % 50 === 0 ? (i / 50) % 8 : -1;
    let reason = '';
    switch (kind) {
      case 0:
        fields = [radicado, created, closed, email, name, 'Impresoras'];
        reason = 'número de columnas';
        break;
      case 1:
        created = '31/02/2024';
        reason = 'fecha inválida';
        break;
      case 2:
        email = 'sin-correo';
        reason = 'correo del solicitante inválido';
        break;
      case 3:
        state = 'Extraviada';
        reason = 'estado desconocido';
        break;
      case 4:
        description = '   ';
        reason = 'descripción vacía';
        break;
      case 5:
        radicado = 'PN-2019-00001';
        reason = 'radicado repetido';
        break;
      case 6:
        radicado = '';
        reason = 'radicado vacío o inválido';
        break;
      case 7:
        created = '2024-13-01';
        reason = 'fecha inválida';
        break;
    }
    fields ??= [radicado, created, closed, email, name, i % 3 ? 'Impresoras' : 'Acceso remoto', state, q(description), q(i % 5 === 0 ? 'Se cambió el tóner; "listo".' : '')];
    const text = fields.join(';');
    lines.push(text);
    if (reason) bad.set(line, reason);
    else good++;
    line += 1 + (text.match(/\n/g)?.length ?? 0);
  }
  return { csv: '\ufeff' + lines.join('\r\n') + '\r\n', rows: 1000, bad, good };
}

async function runImport(dbPath: string, file: string, ...flags: string[]) {
  return runImportWith({}, dbPath, file, ...flags);
}

async function runImportWith(extraEnv: Record<string, string>, dbPath: string, file: string, ...flags: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const env = await databaseEnv(path.dirname(dbPath), path.basename(dbPath));
  const code = await main(['--file', file, '--tenant', TENANT, ...flags], { ...env, LOG_LEVEL: 'silent', ...extraEnv }, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** What is on disk (SQLite: the file and its WAL) or in the database (PostgreSQL) that a dry run must not change. */
async function fingerprint(dbPath: string): Promise<string> {
  const env = await databaseEnv(path.dirname(dbPath), path.basename(dbPath));
  if (env.DATABASE_URL) {
    const c = new pg.Client({ connectionString: env.DATABASE_URL });
    await c.connect();
    try {
      const tables = (await c.query("SELECT to_regclass('tickets')::text AS t")).rows[0].t;
      if (!tables) return 'no tables';
      const r = (await c.query('SELECT count(*)::int AS n, coalesce(max(id), 0)::int AS id, (SELECT count(*)::int FROM ticket_events) AS e, (SELECT count(*)::int FROM schema_migrations) AS m FROM tickets')).rows[0];
      return JSON.stringify(r);
    } finally {
      await c.end();
    }
  }
  const files = [dbPath, `${dbPath}-wal`, `${dbPath}-aux`].filter((f) => fs.existsSync(f));
  if (!files.length) return 'no file';
  return files.map((f) => `${path.basename(f)}:${createHash('sha256').update(fs.readFileSync(f)).digest('hex')}`).join(' ');
}

/** The bot's answer in the support channel to a message posted there. */
/** Sends a text message and returns the card the bot answered with. */
async function ask(h: Harness, user: TestUser, text: string): Promise<any> {
  const activity = message(h, user, text);
  const isReply = (r: any) => r.replyToId === activity.id;
  await h.post(activity);
  await h.connector.waitFor(() => h.connector.sent.some(isReply));
  return h.connector.sent.find(isReply)!.body.attachments?.[0]?.content;
}

describe('importing the old service desk\'s cases (npm run import-legacy)', () => {
  let dir: string;
  let dbPath: string;
  let h: Harness | undefined;
  const sample = generateSample();

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-import-'));
    dbPath = path.join(dir, 'test.db');
    fs.writeFileSync(path.join(dir, 'export.csv'), sample.csv, 'utf8');
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The database the import wrote to (SQLite file, or this folder's PostgreSQL database). */
  const stored = async () => {
    const env = await databaseEnv(dir);
    const st = openStorage({ dbPath: env.DB_PATH, databaseUrl: env.DATABASE_URL });
    await st.ready();
    return st;
  };
  const count = (st: Storage) => sqlValue<number>(st, 'SELECT count(*) AS n FROM tickets WHERE imported = 1');

  it('refuses a missing database unless --create is given, naming the setting', async () => {
    for (const flags of [[], ['--dry-run']]) {
      const refused = await runImport(dbPath, path.join(dir, 'export.csv'), ...flags);
      expect(refused.code).toBe(2);
      expect(refused.out).toBe('');
      expect(refused.err).toMatch(/No database at .*test\.db \(DB_PATH\)|has no Mesa de Ayuda tables/);
      expect(refused.err).toContain('--create');
    }
    expect(fs.readdirSync(dir)).toEqual(['export.csv']);
    expect(await fingerprint(dbPath)).toMatch(/^no (file|tables)$/);
  });

  it('reports every malformed line with its number and reason, and a dry run stores nothing', async () => {
    const dry = await runImport(dbPath, path.join(dir, 'export.csv'), '--dry-run', '--create');
    expect(dry.err).toBe('');
    expect(dry.code).toBe(1);
    const reported = [...dry.out.matchAll(/^Línea (\d+): (.*)\. Se omitió\.$/gm)].map((m) => [Number(m[1]), m[2]] as const);
    expect(reported.map(([l]) => l)).toEqual([...sample.bad.keys()]);
    for (const [l, text] of reported) expect(text).toContain(sample.bad.get(l)!);
    expect(dry.out).toContain(`Simulación (no se guardó nada): ${sample.rows} registros leídos, ${sample.good} casos se importarían`);
    // Rows 1-40 belong to Ana and Jorge, who are in the directory.
    expect(dry.out).toContain('0 ya estaban importados, 40 se enlazarían a su solicitante');
    // Not even the database file (or, on PostgreSQL, its tables) was created.
    expect(fs.readdirSync(dir)).toEqual(['export.csv']);
    expect(await fingerprint(dbPath)).toMatch(/^no (file|tables)$/);
    const db = await stored();
    expect(await count(db)).toBe(0);
    await db.close();
  });

  it('imports the valid rows once, keeping their radicados, and running it again changes nothing', async () => {
    const first = await runImport(dbPath, path.join(dir, 'export.csv'), '--create');
    expect(first.code).toBe(1);
    expect(first.out).toContain(`${sample.rows} registros leídos, ${sample.good} casos importados, 0 ya estaban importados`);
    expect(first.out).toContain('0 ya estaban importados, 40 enlazados a su solicitante');
    const again = await runImport(dbPath, path.join(dir, 'export.csv'));
    expect(again.out).toContain(`${sample.rows} registros leídos, 0 casos importados, ${sample.good} ya estaban importados`);
    expect(again.out.split('\n').filter((l) => l.startsWith('Línea'))).toHaveLength(sample.bad.size);
    const db = await stored();
    expect(await count(db)).toBe(sample.good);
    const [row] = await sql(db, 'SELECT * FROM tickets WHERE radicado = ?', 'PN-2019-00097');
    expect(row.description).toBe('Dice "error 809"; luego se cae.\nSegunda línea del caso 97.');
    expect(row.requester_oid).toBe('legacy:persona97@entidad.gov.co');
    expect(await sqlValue(db, 'SELECT requester_oid FROM tickets WHERE radicado = ?', 'PN-2019-00003')).toBe(USERS.employee.oid);
    // Short numbers in the bot's own format are stored as the bot writes them, so lookups find them.
    expect(await sql(db, 'SELECT 1 AS one FROM tickets WHERE radicado = ?', 'MDA-2025-000123')).toHaveLength(1);
    expect(await sqlValue(db, 'SELECT last FROM radicado_counters WHERE prefix = ? AND year = ?', 'MDA', YEAR)).toBe(500);
    // dd/mm/yyyy is Bogotá time: 10:01 on 02/02/2024 is 15:01 UTC.
    expect(new Date(await sqlValue(db, 'SELECT created_at FROM tickets WHERE radicado = ?', 'PN-2019-00001')).toISOString()).toBe('2024-02-02T15:01:00.000Z');
    expect(await db.tickets.verifyHistory()).toEqual([]);
    // "enlazados" counts the cases linked to a directory person.
    expect(await sqlValue(db, "SELECT count(*) AS n FROM tickets WHERE imported = 1 AND requester_oid NOT LIKE 'legacy:%'")).toBe(40);
    await db.close();
  });

  it('links a case to its requester once the directory knows them, and says so', async () => {
    const directory = JSON.parse(fs.readFileSync(path.join(__dirname, '../../config/directory.json'), 'utf8'));
    directory.users.push({ oid: '00000000-0000-0000-0000-000000000097', email: 'persona97@entidad.gov.co', name: 'Persona 97', roles: ['employee'] });
    const directoryPath = path.join(dir, 'directory.json');
    fs.writeFileSync(directoryPath, JSON.stringify(directory));
    const again = await runImportWith({ DIRECTORY_PATH: directoryPath }, dbPath, path.join(dir, 'export.csv'));
    expect(again.out).toContain(`${sample.rows} registros leídos, 0 casos importados, ${sample.good} ya estaban importados, 1 enlazados a su solicitante`);
    const db = await stored();
    expect(await sqlValue(db, 'SELECT requester_oid FROM tickets WHERE radicado = ?', 'PN-2019-00097')).toBe('00000000-0000-0000-0000-000000000097');
    await db.close();
    fs.rmSync(directoryPath);
  });

  it('leaves an existing database exactly as it was on a dry run', async () => {
    const file = path.join(dir, 'new-cases.csv');
    fs.writeFileSync(file, `radicado;fecha;correo;servicio;estado;descripción\nPN-2021-00001;05/05/2021;${USERS.employee.email};Impresoras;Abierta;Un caso que no estaba.\n`);
    const before = await fingerprint(dbPath);
    expect(before).not.toMatch(/^no /);
    const dry = await runImport(dbPath, file, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('1 registros leídos, 1 casos se importarían, 0 ya estaban importados, 1 se enlazarían a su solicitante, 0 líneas se omitirían');
    expect(await fingerprint(dbPath)).toBe(before);
    fs.rmSync(file);
  });

  it('answers "estado del radicado" and "mis casos" for imported cases, with the same visibility rules', async () => {
    h = await startHarness({}, { dir });
    // Ana's own case in the old format, with the text as it was.
    const mine = cardText(await ask(h, USERS.employee, 'estado del radicado PN-2019-00003'));
    expect(mine).toContain('PN-2019-00003');
    expect(mine).toContain('Caso antiguo número 3');
    expect(mine).toContain('Caso importado del sistema anterior');
    // In the bot's own format, with the usual phrasings.
    expect(cardText(await ask(h, USERS.employee, '¿cómo va el radicado mda-2025-123?'))).toContain('MDA-2025-000123');
    // Somebody else's imported case answers exactly like a radicado that does not exist.
    const foreign = cardText(await ask(h, USERS.stranger, 'estado del radicado PN-2019-00003'));
    const missing = cardText(await ask(h, USERS.stranger, 'estado del radicado PN-2019-99999'));
    expect(foreign).not.toContain('Caso antiguo');
    expect(foreign.replace('PN-2019-00003', 'X')).toBe(missing.replace('PN-2019-99999', 'X'));
    // Support staff see every case, including those of people unknown to the directory.
    expect(cardText(await ask(h, USERS.agent, 'estado del radicado PN-2019-00097'))).toContain('Segunda línea del caso 97');
    // "mis casos" lists Ana's imported cases.
    const list = cardText(await ask(h, USERS.employee, 'mis casos'));
    expect(list).toMatch(/PN-2019-000(0\d|1\d|20)/);
    expect(list).not.toContain('PN-2019-00021');
  });

  it('gives a new filing a radicado past the imported ones, and refuses to import over a bot radicado', async () => {
    const form = invokeCard(await h!.post(cardAction(h!, USERS.manager, 'catalog.form', { templateId: 'solicitud-acceso-remoto' })));
    const done = cardText(
      invokeCard(
        await press(h!, USERS.manager, form, 'Guardar', {
          accessType: 'vpn',
          startDate: '2026-12-01',
          description: 'Necesito VPN para trabajar desde casa durante la semana.',
          phone: '300 123 4567',
          contactChannel: 'teams',
        }),
      ),
    );
    expect(done).toContain(`MDA-${YEAR}-000501`);
    const clash = path.join(dir, 'clash.csv');
    fs.writeFileSync(
      clash,
      `radicado,fecha_creacion,correo_solicitante,servicio,estado,descripcion\nMDA-${YEAR}-000501,2024-05-01,${USERS.employee.email},Impresoras,Cerrada,"Otro caso, con coma"\n`,
    );
    const res = await runImport(h!.dbPath, clash);
    expect(res.out).toContain(`Línea 2: el radicado MDA-${YEAR}-000501 ya lo usa un caso registrado en el bot. Se omitió.`);
    expect((await h!.app.tickets.getByRadicado(`MDA-${YEAR}-000501`))!.imported).toBe(false);
  });

  it('refuses a file without the required columns, naming them', async () => {
    const file = path.join(dir, 'bad-header.csv');
    fs.writeFileSync(file, 'radicado;fecha;estado\nPN-1;01/01/2024;Cerrada\n');
    const res = await runImport(dbPath, file);
    expect(res.code).toBe(2);
    expect(res.err).toContain('missing required columns: email, service, description');
  });
});

describe('the previous system\'s technician of an imported case', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-import-tecnico-'));
    h = await startHarness({}, { dir });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows the previous system\'s technician ("Técnico") on the status card and in "cola"', async () => {
    const file = path.join(dir, 'tecnico.csv');
    fs.writeFileSync(
      file,
      'Radicado;Fecha;Correo;Servicio;Estado;Descripción;Técnico\n' +
        `PN-2020-00001;03/03/2020 08:00;${USERS.employee.email};Impresoras;Abierta;La impresora atasca el papel.;Carlos Ruiz\n` +
        `PN-2020-00002;03/03/2020 09:00;${USERS.employee.email};Impresoras;Abierta;El escáner no enciende.;\n`,
    );
    const res = await runImport(h.dbPath, file);
    expect(res.code).toBe(0);
    for (const who of [USERS.employee, USERS.agent]) {
      const card = cardText(await ask(h, who, 'estado del radicado PN-2020-00001'));
      expect(card).toContain('Lo atiende');
      expect(card).toContain('Carlos Ruiz (sistema anterior)');
      expect(card).not.toContain('Sin asignar');
    }
    // Without a technician in the file the case is still unassigned.
    expect(cardText(await ask(h, USERS.employee, 'estado del radicado PN-2020-00002'))).toContain('Sin asignar');
    await registerQueue(h);
    const list = await channelAnswer(h, USERS.agent, 'cola');
    expect(list).toContain('PN-2020-00002');
    expect(list.slice(list.indexOf('PN-2020-00001'), list.indexOf('PN-2020-00002')).split('Tomar')[0]).toContain('Carlos Ruiz (sistema anterior)');
  });
});
