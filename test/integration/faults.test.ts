/**
 * Faults: the database locked by another process, the disk full, the connector unreachable. Each is
 * logged, answered with a clear message (the form comes back with what was typed) or retried; the
 * server keeps serving; /healthz tells the truth (a real probe, 503 with details when the database
 * is unusable; the outbox backlog and its oldest pending age).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { createLogger } from '../../src/logger';
import { bogotaYear } from '../../src/domain/tickets/radicado';
import { ROOT } from '../../src/paths';
import pg from 'pg';
import { itPg, itSqlite, PG_URL, sqliteDb } from '../helpers/engine';
import {
  cardAction,
  cardText,
  channelMessage,
  installPersonal,
  invokeCard,
  message,
  personalConversation,
  press,
  startHarness,
  TEAM,
  USERS,
  save,
  type Harness,
} from '../helpers/harness';

type LogLine = Record<string, any>;

function capture(): { log: ReturnType<typeof createLogger>; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

async function health(h: Harness): Promise<{ status: number; body: any }> {
  const res = await fetch(`${h.url}/healthz`);
  return { status: res.status, body: await res.json() };
}

/** The form of "Falla de conexión a la VPN", as the catalog shows it. */
async function vpnForm(h: Harness) {
  return invokeCard(await h.post(cardAction(h, USERS.employee, 'catalog.form', { templateId: 'falla-conexion-vpn' })));
}

/** The value an input of a card holds (what the person sees in the field). */
function inputValue(card: any, id: string): string | undefined {
  let found: string | undefined;
  const walk = (n: any) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n && typeof n === 'object') {
      if (typeof n.type === 'string' && n.type.startsWith('Input.') && n.id === id) found = n.value;
      Object.values(n).forEach(walk);
    }
  };
  walk(card);
  return found;
}

const typed = (description: string) => ({ network: 'hogar', errorMessage: 'Error 809', description, phone: '300 123 4567', contactChannel: 'phone' });
const radicadoIn = (card: any) => /MDA-\d{4}-\d{6}/.exec(cardText(card))?.[0];

/** Another process holding the database's write lock until told to let go. */
function lockHolder(dbPath: string): { held: Promise<void>; release: () => Promise<void>; child: ChildProcess } {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN EXCLUSIVE');
    console.log('locked');
    process.stdin.resume();
    process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); console.log('released'); });
  `;
  const child = spawn(process.execPath, ['-e', script, dbPath], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const held = new Promise<void>((resolve, reject) => {
    lines.on('line', (l) => l === 'locked' && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    held,
    child,
    release: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}

describe('faults', () => {
  let h: Harness;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h?.close();
  });

  // SQLite-only: another process holding BEGIN EXCLUSIVE on the file (PostgreSQL: see 'database unreachable' below).
  itSqlite('answers "no pudimos registrar" with the typed values while another process locks the database, 503 on /healthz, then files once it is free', async () => {
    const { log, lines } = capture();
    h = await startHarness({ DB_BUSY_TIMEOUT_MS: '200' }, { log });
    expect((await health(h)).status).toBe(200);
    const form = await vpnForm(h);
    const lock = lockHolder(h.dbPath);
    children.push(lock.child);
    await lock.held;

    const res = await save(h, USERS.employee, form, typed('La VPN no conecta desde la casa.'));
    const again = invokeCard(res);
    expect(cardText(again)).toContain('No pudimos registrar su solicitud');
    expect(cardText(again)).toContain('no se perdió lo escrito');
    expect(inputValue(again, 'description')).toBe('La VPN no conecta desde la casa.');
    expect(inputValue(again, 'errorMessage')).toBe('Error 809');
    expect(inputValue(again, 'phone')).toContain('300 123 4567');
    expect(lines.some((l) => l.msg === 'could not file the ticket: storage unavailable' && /SQLITE_BUSY/.test(l.code) && l.level === 50)).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('La VPN no conecta desde la casa.');

    const locked = await health(h);
    expect(locked.status).toBe(503);
    expect(locked.body).toMatchObject({ status: 'degraded', database: 'locked', databaseError: { code: expect.stringMatching(/^SQLITE_BUSY/) } });
    // Reads still work meanwhile (WAL): the user can look at their tickets.
    expect((await h.post(cardAction(h, USERS.employee, 'tickets.mine', { page: 0 }))).status).toBe(200);

    await lock.release();
    // Teams sends the inputs as they are on the card: what was typed, kept.
    const kept = { network: inputValue(again, 'network')!, errorMessage: inputValue(again, 'errorMessage')!, description: inputValue(again, 'description')!, phone: inputValue(again, 'phone')!, contactChannel: inputValue(again, 'contactChannel')! };
    const created = invokeCard(await press(h, USERS.employee, again, 'Guardar', kept));
    expect(radicadoIn(created)).toBe(`MDA-${bogotaYear(new Date())}-000001`);
    // Pressing "Guardar" on the same form again gives the same ticket.
    expect(radicadoIn(invokeCard(await press(h, USERS.employee, again, 'Guardar', kept)))).toBe(`MDA-${bogotaYear(new Date())}-000001`);
    expect(await health(h)).toMatchObject({ status: 200, body: { status: 'ok', database: 'ok' } });
  });

  // SQLite-only: a full disk simulated with max_page_count.
  itSqlite('keeps the form and reports "full" on /healthz when the disk is full (SQLITE_FULL), and recovers when space returns', async () => {
    const { log, lines } = capture();
    h = await startHarness({}, { log });
    const form = await vpnForm(h);
    // The database may not grow by a single page: the next write that needs space fails with SQLITE_FULL.
    const pages = sqliteDb(h.app.storage).pragma('main.page_count', { simple: true }) as number;
    sqliteDb(h.app.storage).pragma(`main.max_page_count = ${pages}`);
    const long = 'ñ'.repeat(3000); // a ticket this large needs new pages

    const again = invokeCard(await save(h, USERS.employee, form, typed(long)));
    expect(cardText(again)).toContain('No pudimos registrar su solicitud');
    expect(inputValue(again, 'description')).toBe(long);
    expect(lines.some((l) => l.msg === 'could not file the ticket: storage unavailable' && l.code === 'SQLITE_FULL')).toBe(true);
    const full = await health(h);
    expect(full.status).toBe(503);
    expect(full.body).toMatchObject({ database: 'full', databaseError: { code: 'SQLITE_FULL' } });
    expect((sqliteDb(h.app.storage).prepare('SELECT count(*) AS n FROM tickets').get() as { n: number }).n).toBe(0);

    // The server still answers everything else.
    expect((await h.post(message(h, USERS.employee, 'ayuda'))).status).toBe(200);

    sqliteDb(h.app.storage).pragma('main.max_page_count = 1073741823');
    const created = invokeCard(await press(h, USERS.employee, again, 'Guardar', { ...typed(long), description: inputValue(again, 'description')! }));
    expect(radicadoIn(created)).toBe(`MDA-${bogotaYear(new Date())}-000001`);
    expect(await health(h)).toMatchObject({ status: 200, body: { database: 'ok' } });
  });

  // The PostgreSQL counterpart of the two above: the database stops accepting connections (and drops
  // the open ones) while the person presses "Guardar". Nothing can be read either, but who the person
  // is was read a moment ago (the form's turns): the filing itself fails, and the person gets the form
  // back with what they typed and the request to press "Guardar" again, as with a SQLite lock;
  // /healthz says 503, the process stays up, and the same form files exactly one ticket once the
  // database is back.
  itPg('tells the person to try again while PostgreSQL is unreachable, 503 on /healthz, then the same form files once it is back', async () => {
    const { log, lines } = capture();
    h = await startHarness({}, { log });
    expect((await health(h)).status).toBe(200);
    const form = await vpnForm(h);
    const name = new URL(h.app.services.cfg.databaseUrl!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);

      const res = await save(h, USERS.employee, form, typed('La VPN no conecta desde la casa.'));
      expect(res.status).toBe(200);
      const again = invokeCard(res);
      expect(cardText(again)).toContain('No pudimos registrar su solicitud en este momento');
      expect(inputValue(again, 'description')).toBe('La VPN no conecta desde la casa.');
      expect(lines.some((l) => l.msg === 'could not file the ticket: storage unavailable' && l.level === 50)).toBe(true);
      expect(JSON.stringify(lines)).not.toContain('La VPN no conecta desde la casa.');
      const down = await health(h);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'degraded', database: 'error', databaseError: { code: expect.any(String) } });

      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      // Pressing "Guardar" again on the form still open in Teams.
      expect(radicadoIn(invokeCard(await save(h, USERS.employee, form, typed('La VPN no conecta desde la casa.'))))).toBe(`MDA-${bogotaYear(new Date())}-000001`);
      expect(await health(h)).toMatchObject({ status: 200, body: { status: 'ok', database: 'ok' } });
    } finally {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
      await admin.end();
    }
  });

  it('files tickets while the connector is unreachable, reports the outbox backlog on /healthz, and delivers the queue card when it is back', async () => {
    const { log, lines } = capture();
    h = await startHarness({}, { log });
    await h.post(channelMessage(h, USERS.supervisor, 'registrar cola'));
    await h.connector.waitFor(() => h.connector.messagesTo(TEAM.channelId).length >= 1);
    await h.post(installPersonal(h, USERS.employee));
    const form = await vpnForm(h);
    const port = Number(new URL(h.connector.url).port);
    await h.connector.stop(); // the serviceUrl now points to a closed port

    // A message the bot cannot answer now: retried, then handed to the outbox; no 5xx, the server stays up.
    const res = await h.post(message(h, USERS.employee, 'ayuda'));
    expect(res.status).toBeLessThan(500);
    expect(lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('reply handed to the outbox') && /ECONNREFUSED|fetch failed|connect/i.test(String(l.reason)))).toBe(true);
    expect(lines.some((l) => l.msg === 'unhandled turn error')).toBe(false);

    // A card action is answered in the HTTP response: the ticket is filed; its queue card waits.
    const created = invokeCard(await save(h, USERS.employee, form, typed('La VPN no conecta desde ayer.')));
    const radicado = radicadoIn(created)!;
    expect(radicado).toMatch(/^MDA-/);
    h.app.dispatcher.kick();
    await until(() => lines.some((l) => l.msg === 'delivery will be retried' && l.type === 'queue_post'));
    const backlog = await health(h);
    expect(backlog.status).toBe(200); // the database is fine: the backlog is reported, not fatal
    expect(backlog.body).toMatchObject({ database: 'ok', outbox: { pending: expect.any(Number), oldestPendingSeconds: expect.any(Number), lastError: expect.any(String) } });
    expect(backlog.body.outbox.pending).toBeGreaterThanOrEqual(1);

    await h.connector.start(port);
    const posted = () => h.connector.messagesTo(TEAM.channelId).filter((r) => cardText(r.body?.attachments?.[0]?.content ?? {}).split('\n')[0] === radicado);
    await h.connector.waitFor(() => posted().length === 1, 20_000);
    await until(async () => (await health(h)).body.outbox.pending === 0);
    expect(posted()).toHaveLength(1);
    // The answer to "ayuda" arrives once the connector is back, once.
    const help = h.connector.messagesTo(personalConversation(USERS.employee).id).filter((r) => cardText(r.body?.attachments?.[0]?.content ?? {}).includes('¿Cómo le ayudo?'));
    expect(help).toHaveLength(1);
  }, 40_000);
});

async function until(pred: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

