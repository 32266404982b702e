/**
 * The history as evidence: a database built through the bot (tickets filed, taken, answered,
 * resolved), copied, its triggers dropped in the copy as someone with file access would, and tampered
 * with in each way an auditor worries about; the real `verify-history` CLI names the ticket and what
 * broke (exit 1), and says OK (exit 0) on the untampered copy and on a VACUUM INTO backup, whose bytes
 * it leaves unchanged. The per-radicado audit export: supervisors only (in Teams and from the CLI), and
 * the file re-verifies with the README's offline recipe.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import Database from 'better-sqlite3';
import type { Ticket } from '../../src/domain/tickets/model';
import { ROOT } from '../../src/paths';
import { cardOf, drained, fileTicket, queueCard, registerQueue } from '../helpers/desk';
import { PG_URL } from '../helpers/engine';
import { cardText, channelConversation, installPersonal, invokeCard, message, personalConversation, press, startHarness, USERS, type Harness, type TestUser } from '../helpers/harness';

const node = (script: string, args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli', script), ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
    cwd: os.tmpdir(),
  });

/** The offline recipe exactly as the README gives it (the JavaScript of its `node -e '…'`). */
function readmeRecipe(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- offline-verify -->\s*```sh\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README has no offline-verify block');
  const js = /node -e '([\s\S]*?)' \S+\s*$/.exec(block[1].trim());
  if (!js) throw new Error('offline-verify block is not node -e \'…\' <file>');
  return js[1];
}

describe('tamper-evident history and the per-radicado audit export', () => {
  let h: Harness;
  let exportDir: string;
  let work: string;
  let tickets: Ticket[];
  let history: string; // the file the supervisor got in Teams
  /** The base copy: a SQLite file (VACUUM INTO) or a PostgreSQL database used as a template. */
  let base: { file?: string; db?: string };

  beforeAll(() => {
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
    } catch (err) {
      if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'export-history.js'))) throw new Error(`build failed: ${String((err as { stdout?: Buffer }).stdout ?? err)}`);
    }
  }, 200_000);

  let closed = false;
  afterAll(async () => {
    if (h && !closed) await h.close();
    if (base?.db) await adminQuery(`DROP DATABASE IF EXISTS ${base.db} WITH (FORCE)`);
  });

  /** Sends a message (after every pending notice was delivered) and returns the text of the bot's reply. */
  async function ask(u: TestUser, text: string, locale = 'es-CO'): Promise<string> {
    await drained(h);
    const before = h.connector.messagesTo(personalConversation(u).id).length;
    await h.post(message(h, u, text, locale));
    await h.connector.waitFor(() => h.connector.messagesTo(personalConversation(u).id).length > before);
    const reply = h.connector.messagesTo(personalConversation(u).id)[before];
    return cardOf(reply) ? cardText(cardOf(reply)) : reply.body.text;
  }

  it('builds the history through the bot and gives its audit export to supervisors only', async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-history-'));
    exportDir = path.join(work, 'exports');
    h = await startHarness({ EXPORT_DIR: exportDir });
    for (const u of [USERS.employee, USERS.agent, USERS.supervisor]) await h.post(installPersonal(h, u));
    await registerQueue(h);
    const a = await fileTicket(h, USERS.employee, 'La VPN no conecta desde la casa.');
    const b = await fileTicket(h, USERS.employee, 'La impresora del piso 3 no imprime.');
    // A is taken, answered and resolved from its card in the channel; B only taken.
    const postA = await queueCard(h, a.radicado);
    const takenA = invokeCard(await press(h, USERS.agent, cardOf(postA), 'Tomar', {}, channelConversation()));
    invokeCard(await press(h, USERS.agent, takenA, 'Responder', { message: 'Hola Ana, ¿qué error le muestra?' }, channelConversation()));
    invokeCard(await press(h, USERS.agent, takenA, 'Resolver', { resolutionNote: 'Se reinstaló el cliente VPN.' }, channelConversation()));
    const postB = await queueCard(h, b.radicado);
    invokeCard(await press(h, USERS.agent, cardOf(postB), 'Tomar', {}, channelConversation()));
    const c = await fileTicket(h, USERS.employee, 'No tengo acceso a la carpeta compartida.');
    const d = await fileTicket(h, USERS.employee, 'El correo no sincroniza.');
    tickets = [a, b, c, d];
    expect((await h.app.tickets.get(a.id))!.status).toBe('resolved');

    // Others get the refusal of every supervisor-only command; nothing is written.
    for (const u of [USERS.employee, USERS.agent]) {
      expect(await ask(u, `historial del radicado ${a.radicado}`)).toContain('Solo un supervisor puede hacer esto.');
      expect(await ask(u, 'exportar casos 2026-11-01 2026-11-30')).toContain('Solo un supervisor puede hacer esto.');
    }
    expect(fs.existsSync(exportDir)).toBe(false);
    expect(await ask(USERS.supervisor, 'historial del radicado MDA-2026-999999')).toContain('MDA-2026-999999');
    expect(await ask(USERS.supervisor, 'historial del radicado MDA-2026-999999')).toMatch(/no existe|No encontr|no encontr/i);
    expect(await ask(USERS.supervisor, 'historial del radicado')).toContain('historial del radicado MDA-2026-000123');

    const reply = (await ask(USERS.supervisor, `historial del radicado ${a.radicado}`)).replace(/\\/g, '');
    const m = new RegExp(`Historial del radicado ${a.radicado}: (\\d+) eventos, con sus hashes para verificarlo sin conexión, en el archivo (\\S+\\.json)`).exec(reply);
    expect(m).not.toBeNull();
    history = m![2];
    expect(path.dirname(history)).toBe(exportDir);
    const doc = JSON.parse(fs.readFileSync(history, 'utf8'));
    expect(doc.radicado).toBe(a.radicado);
    expect(doc.events.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['created', 'assigned', 'message', 'status_changed']));
    expect(doc.events.length).toBe(Number(m![1]));
    const msg = doc.events.find((e: { kind: string }) => e.kind === 'message');
    expect(msg.actorName).toBe(USERS.agent.name);
    expect(msg.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(msg.seal).toMatch(/^[0-9a-f]{64}$/);
    expect(await ask(USERS.supervisor, `history of ticket ${b.radicado}`, 'en-US')).toContain(`History of radicado ${b.radicado}:`);

    const dbPath = h.dbPath;
    const url = h.app.services.cfg.databaseUrl;
    await h.close();
    closed = true;
    if (url) {
      base = { db: `mesa_hist_base_${process.pid}` };
      await adminQuery(`CREATE DATABASE ${base.db} TEMPLATE ${new URL(url).pathname.slice(1)}`);
    } else {
      base = { file: path.join(work, 'base.db') };
      const live = new Database(dbPath);
      live.prepare('VACUUM INTO ?').run(base.file);
      live.close();
    }
  }, 90_000);

  it('re-verifies the exported file offline with the README recipe, and the recipe catches an edited export', () => {
    const js = readmeRecipe();
    const ok = spawnSync(process.execPath, ['-e', js, history], { encoding: 'utf8' });
    expect(ok.stdout).toContain(`OK ${tickets[0].radicado}`);
    expect(ok.status).toBe(0);
    const doc = JSON.parse(fs.readFileSync(history, 'utf8'));
    const msg = doc.events.find((e: { kind: string }) => e.kind === 'message');
    msg.data = JSON.stringify({ ...JSON.parse(msg.data), text: 'nunca dije eso' });
    const edited = path.join(work, 'edited.json');
    fs.writeFileSync(edited, JSON.stringify(doc));
    const bad = spawnSync(process.execPath, ['-e', js, edited], { encoding: 'utf8' });
    expect(bad.stdout).toContain(`BROKEN at event ${msg.id}`);
    expect(bad.status).toBe(1);
  });

  it('writes the same export from the command line, read-only, and refuses an unknown radicado', () => {
    const env = copyEnv('cli');
    const before = env.DATABASE_URL ? null : fs.readFileSync(env.DB_PATH);
    const r = node('export-history.js', [tickets[0].radicado], { ...env, EXPORT_DIR: exportDir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const file = /-> (\S+\.json)$/.exec(r.stdout.trim())![1];
    expect(file).not.toBe(history); // never overwrites an earlier export
    const a = JSON.parse(fs.readFileSync(file, 'utf8'));
    const b = JSON.parse(fs.readFileSync(history, 'utf8'));
    expect(a.events).toEqual(b.events);
    expect(spawnSync(process.execPath, ['-e', readmeRecipe(), file], { encoding: 'utf8' }).status).toBe(0);
    if (before) expect(fs.readFileSync(env.DB_PATH!).equals(before)).toBe(true);
    const none = node('export-history.js', ['MDA-2026-999999'], { ...env, EXPORT_DIR: exportDir });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('No ticket with radicado MDA-2026-999999');
    expect(node('export-history.js', [], env).status).toBe(2);
  });

  it('verifies the untampered copy, and a VACUUM INTO backup without changing its bytes', async () => {
    const env = await copyOf('clean', []);
    const ok = node('verify-history.js', [], env);
    expect(ok.stdout).toMatch(/^OK: \d+ events of 4 tickets verified/);
    expect(ok.stdout).toContain(`chain of tickets: 4, newest ${tickets[3].radicado}`);
    expect(ok.status).toBe(0);
    if (!base.file) return;
    // The backup is not in WAL mode; opening it must not try to switch it (nor create anything in it).
    const backup = path.join(work, 'backup.db');
    const src = new Database(base.file, { readonly: true });
    src.prepare('VACUUM INTO ?').run(backup);
    src.close();
    const bytes = fs.readFileSync(backup);
    const mtime = fs.statSync(backup).mtimeMs;
    fs.chmodSync(backup, 0o444);
    const r = node('verify-history.js', [], { DB_PATH: backup });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^OK: \d+ events of 4 tickets verified/);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(backup).equals(bytes)).toBe(true);
    expect(fs.statSync(backup).mtimeMs).toBe(mtime);
  });

  /** A tampering: SQL run on a copy whose triggers were dropped; what verify-history must say. */
  const cases: { name: string; sql: (t: Ticket[]) => string[]; expect: (t: Ticket[]) => (string | RegExp)[] }[] = [
    {
      name: "rewrites an event's actor name",
      sql: (t) => [`UPDATE ticket_events SET actor_name = 'Otra Persona' WHERE ticket_id = ${t[0].id} AND kind = 'message'`],
      expect: (t) => [`ticket ${t[0].radicado} (id ${t[0].id}) event`, 'seal broken'],
    },
    {
      name: "deletes a ticket's last event",
      sql: (t) => [`DELETE FROM ticket_events WHERE id = (SELECT max(id) FROM ticket_events WHERE ticket_id = ${t[0].id})`],
      expect: (t) => [`ticket ${t[0].radicado} (id ${t[0].id})`, 'event count differs from the ticket row', "head hash is not its last event's"],
    },
    {
      name: 'deletes all events of a ticket',
      sql: (t) => [`DELETE FROM ticket_events WHERE ticket_id = ${t[1].id}`],
      expect: (t) => [`ticket ${t[1].radicado} (id ${t[1].id}): event count differs from the ticket row`, '0 events: its history was deleted'],
    },
    {
      name: 'edits tickets.status',
      sql: (t) => [`UPDATE tickets SET status = 'closed' WHERE id = ${t[0].id}`],
      expect: (t) => [`ticket ${t[0].radicado} (id ${t[0].id}) event`, 'differs from the state its last event recorded', 'status "resolved" (recorded by the last event)', 'status "closed" (ticket row)'],
    },
    {
      name: 'edits tickets.description',
      sql: (t) => [`UPDATE tickets SET description = 'Otra cosa' WHERE id = ${t[2].id}`],
      expect: (t) => [`ticket ${t[2].radicado} (id ${t[2].id}) event`, 'descriptionSha256'],
    },
    {
      name: 'edits tickets.priority',
      sql: (t) => [`UPDATE tickets SET priority = 'low' WHERE id = ${t[2].id}`],
      expect: (t) => [`ticket ${t[2].radicado}`, 'priority "high" (recorded by the last event)', 'priority "low" (ticket row)'],
    },
    {
      name: 'edits tickets.assignee',
      sql: (t) => [`UPDATE tickets SET assignee_oid = 'someone-else', assignee_name = 'Otro' WHERE id = ${t[1].id}`],
      expect: (t) => [`ticket ${t[1].radicado}`, `assigneeName "${USERS.agent.name}"`, 'assigneeName "Otro" (ticket row)'],
    },
    {
      name: 'moves a due time',
      sql: (t) => [`UPDATE tickets SET resolution_due_at = '2030-01-01T00:00:00.000Z' WHERE id = ${t[3].id}`],
      expect: (t) => [`ticket ${t[3].radicado}`, 'resolutionDueAt', '"2030-01-01T00:00:00.000Z" (ticket row)'],
    },
    {
      name: 'changes an event payload',
      sql: (t) => [`UPDATE ticket_events SET data = '{"text":"nunca dije eso"}' WHERE ticket_id = ${t[0].id} AND kind = 'message'`],
      expect: (t) => [`ticket ${t[0].radicado} (id ${t[0].id}) event`, 'content does not match its hash'],
    },
    {
      name: "changes an event's time",
      sql: (t) => [`UPDATE ticket_events SET at = '2020-01-01T00:00:00.000Z' WHERE ticket_id = ${t[0].id} AND kind = 'assigned'`],
      expect: (t) => [`ticket ${t[0].radicado} (id ${t[0].id}) event`, 'content does not match its hash'],
    },
    {
      name: 'reorders two events of a ticket',
      sql: (t) => [
        `CREATE TEMP TABLE sw AS SELECT min(id) AS a, max(id) AS m FROM ticket_events WHERE ticket_id = ${t[0].id} AND kind IN ('assigned', 'message')`,
        'UPDATE ticket_events SET id = -1 WHERE id = (SELECT a FROM sw)',
        'UPDATE ticket_events SET id = (SELECT a FROM sw) WHERE id = (SELECT m FROM sw)',
        'UPDATE ticket_events SET id = (SELECT m FROM sw) WHERE id = -1',
      ],
      expect: (t) => [`ticket ${t[0].radicado} (id ${t[0].id}) event`, 'previous-hash link broken'],
    },
    {
      name: 'deletes a middle event',
      sql: (t) => [`DELETE FROM ticket_events WHERE ticket_id = ${t[0].id} AND kind = 'assigned'`],
      expect: (t) => [`ticket ${t[0].radicado} (id ${t[0].id}) event`, 'previous-hash link broken', 'event count differs'],
    },
    {
      name: 'inserts a forged event',
      sql: (t) => [
        `INSERT INTO ticket_events (id, ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, hv, n, state, link, seal)
         SELECT max(id) + 1, ${t[2].id}, '2026-03-02T16:00:00.000Z', 'x', 'Falso', 'message', '{"text":"forjado"}', 'x', 'x', 2, 2, NULL, NULL, 'x' FROM ticket_events`,
      ],
      expect: (t) => [`ticket ${t[2].radicado} (id ${t[2].id}) event`, 'previous-hash link broken'],
    },
    {
      name: 'deletes a whole ticket with its events',
      sql: (t) => [`DELETE FROM ticket_events WHERE ticket_id = ${t[1].id}`, `DELETE FROM satisfaction_surveys WHERE ticket_id = ${t[1].id}`, `DELETE FROM outbox WHERE ticket_id = ${t[1].id}`, `DELETE FROM requester_cards WHERE ticket_id = ${t[1].id}`, `DELETE FROM ticket_additions WHERE ticket_id = ${t[1].id}`, `DELETE FROM tickets WHERE id = ${t[1].id}`],
      expect: (t) => [`ticket ${t[1].radicado} (id ${t[1].id}): ticket deleted: the chain of tickets records it`],
    },
    {
      name: 'deletes the newest ticket with its events',
      sql: (t) => [`DELETE FROM ticket_events WHERE ticket_id = ${t[3].id}`, `DELETE FROM outbox WHERE ticket_id = ${t[3].id}`, `DELETE FROM requester_cards WHERE ticket_id = ${t[3].id}`, `DELETE FROM ticket_additions WHERE ticket_id = ${t[3].id}`, `DELETE FROM tickets WHERE id = ${t[3].id}`],
      expect: (t) => [`ticket ${t[3].radicado} (id ${t[3].id}): ticket deleted: the chain of tickets records it`, 'the newest of 4 in the chain'],
    },
    {
      name: "changes a ticket's radicado",
      sql: (t) => [`UPDATE tickets SET radicado = 'MDA-2026-777777' WHERE id = ${t[2].id}`],
      expect: (t) => [`ticket MDA-2026-777777 (id ${t[2].id})`, `radicado ${t[2].radicado} (first event)`],
    },
  ];

  for (const c of cases) {
    it(`catches someone who ${c.name}`, async () => {
      const env = await copyOf(c.name, c.sql(tickets));
      const r = node('verify-history.js', [], env);
      expect(r.stdout).toMatch(/^BROKEN: \d+ break\(s\)/);
      for (const want of c.expect(tickets)) {
        if (typeof want === 'string') expect(r.stdout).toContain(want);
        else expect(r.stdout).toMatch(want);
      }
      expect(r.status).toBe(1);
    });
  }

  /** The environment of a fresh copy of the base database (no tampering). */
  function copyEnv(name: string): Record<string, string> {
    if (base.file) {
      const file = path.join(work, `${name.replace(/\W+/g, '-')}-${Math.random().toString(36).slice(2)}.db`);
      fs.copyFileSync(base.file, file);
      return { DB_PATH: file };
    }
    // PostgreSQL: the CLI reads the base itself (read-only queries).
    const u = new URL(PG_URL!);
    u.pathname = `/${base.db}`;
    return { DB_PATH: path.join(work, 'unused.db'), DATABASE_URL: u.toString() };
  }

  /** A copy of the base with its triggers dropped and `statements` run on it. */
  async function copyOf(name: string, statements: string[]): Promise<Record<string, string>> {
    if (base.file) {
      const env = copyEnv(name);
      const db = new Database(env.DB_PATH);
      db.exec('DROP TRIGGER ticket_events_no_update; DROP TRIGGER ticket_events_no_delete;');
      for (const s of statements) db.exec(s);
      db.close();
      return env;
    }
    const copy = `mesa_hist_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    await adminQuery(`CREATE DATABASE ${copy} TEMPLATE ${base.db}`);
    const u = new URL(PG_URL!);
    u.pathname = `/${copy}`;
    const client = new pg.Client({ connectionString: u.toString() });
    await client.connect();
    try {
      await client.query('DROP TRIGGER ticket_events_no_update ON ticket_events; DROP TRIGGER ticket_events_no_delete ON ticket_events');
      for (const s of statements) await client.query(s);
    } finally {
      await client.end();
    }
    return { DB_PATH: path.join(work, 'unused.db'), DATABASE_URL: u.toString() };
  }
});

async function adminQuery(q: string) {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(q);
  } finally {
    await c.end();
  }
}
