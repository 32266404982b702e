/**
 * Personal data (Ley 1581 de 2012) through the real server: a supervisor exports everything stored
 * about a person and anonymises their closed tickets; others cannot; the history stays verifiable
 * (and `npm run verify-history` says so, or names the break after tampering); contact phones of
 * tickets closed long ago are erased by the retention job at start; the same from the CLI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Actor } from '../../src/domain/tickets/state-machine';
import type { Ticket } from '../../src/domain/tickets/model';
import { ANONYMISED } from '../../src/domain/personal-data';
import { sql } from '../helpers/engine';
import { ROOT } from '../../src/paths';
import {
  cardAction,
  cardText,
  installPersonal,
  message,
  personalConversation,
  press,
  randomUUID,
  startHarness,
  TENANT,
  USERS,
  type Harness,
  type TestUser,
} from '../helpers/harness';
import type { Recorded } from '../helpers/connector';
import { drained, lastCardUpdate, queueCard, registerQueue, REMOTE_ACCESS_FORM } from '../helpers/desk';

const actor = (u: TestUser, roles: Actor['roles']): Actor => ({ oid: u.oid, name: u.name, roles });
const EMPLOYEE = actor(USERS.employee, ['employee']);
const AGENT = actor(USERS.agent, ['employee', 'agent']);

async function file(h: Harness, description = 'La VPN no conecta desde mi casa.', phone = '300 555 0101'): Promise<Ticket> {
  const { ticket } = await h.app.services.tickets.file({
    submissionKey: `${USERS.employee.oid}:${randomUUID()}`,
    requester: { oid: USERS.employee.oid, tenantId: TENANT, name: USERS.employee.name, email: USERS.employee.email, upn: USERS.employee.email },
    locale: 'es',
    phone,
    contactChannel: 'phone',
    categoryId: 'mesa-servicio-primer-nivel',
    serviceId: 'acceso-remoto',
    templateId: 'falla-conexion-vpn',
    fieldValues: { network: 'hogar', errorMessage: 'Error 809 en el equipo de Ana' },
    description,
    priority: 'high' as Ticket['priority'],
  });
  return ticket;
}

/** A ticket walked to closed, with messages both ways and a resolution note. */
async function closedTicket(h: Harness): Promise<Ticket> {
  let t = await file(h);
  const s = h.app.services.tickets;
  // Each step on the current row: the outbox may write on the ticket meanwhile (a delivery failure is
  // recorded on it), and on PostgreSQL that can land between reading the row and the step: a version
  // conflict is then retried on the fresh row, as a person pressing the button again would.
  const step = async (make: (current: Ticket) => Promise<{ ok: boolean; reason?: string; ticket?: Ticket }>) => {
    let out = await make((t = (await h.app.tickets.get(t.id))!));
    for (let i = 0; i < 5 && !out.ok && out.reason === 'conflict'; i++) out = await make((t = (await h.app.tickets.get(t.id))!));
    expect(out).toMatchObject({ ok: true });
    t = out.ticket!;
  };
  await step((c) => s.take(c, AGENT));
  await step((c) => s.reply(c, AGENT, '¿Me confirma su celular para llamarla?'));
  await step((c) => s.reply(c, EMPLOYEE, 'Sí, es el 300 555 0101, estoy en la casa de mi mamá.'));
  await step((c) => s.setStatus(c, 'resolve', AGENT, 'Se reconfiguró la VPN llamando a Ana al 300 555 0101.'));
  const survey = await h.app.services.surveys.answer(t, { oid: USERS.employee.oid, tenantId: TENANT, name: USERS.employee.name }, { score: 4, comment: 'Muy amable, me llamó al 300 555 0101.' });
  expect(survey.ok).toBe(true);
  await step((c) => s.confirm(c, EMPLOYEE));
  expect(t.status).toBe('closed');
  return t;
}

const textOf = (r: Recorded) => cardText(r.body?.attachments?.[0]?.content ?? {}) + (r.body?.text ?? '');

/** Sends a message and returns the bot's reply to it (not other notifications to the same chat). */
async function sayFull(h: Harness, u: TestUser, text: string): Promise<Recorded> {
  const activity = message(h, u, text);
  const res = await h.post(activity);
  expect(res.status).toBe(200);
  const reply = () => h.connector.messagesTo(personalConversation(u).id).find((r) => r.replyToId === activity.id);
  await h.connector.waitFor(() => !!reply());
  return reply()!;
}

async function say(h: Harness, u: TestUser, text: string): Promise<string> {
  return textOf(await sayFull(h, u, text));
}

const unescape = (s: string) => s.replace(/\\(.)/g, '$1');

describe('personal data (Ley 1581 de 2012)', () => {
  let h: Harness;
  let exportDir: string;
  beforeEach(async () => {
    exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-exports-'));
    h = await startHarness({ EXPORT_DIR: exportDir });
    for (const u of [USERS.employee, USERS.supervisor, USERS.agent]) await h.post(installPersonal(h, u));
  });
  afterEach(async () => {
    await h.close();
  });

  it('lets a supervisor export everything stored about a person to a JSON file under EXPORT_DIR', async () => {
    const t = await closedTicket(h);
    // Her profile is cached when she uses the catalog.
    await say(h, USERS.employee, 'nueva solicitud');
    const text = await say(h, USERS.supervisor, 'exportar datos de ana.empleada@entidad.gov.co');
    expect(text).toContain('Exporté los datos personales');
    const files = fs.readdirSync(exportDir);
    expect(files).toHaveLength(1);
    const file = path.join(exportDir, files[0]);
    expect(unescape(text)).toContain(file);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(doc.person.oid).toBe(USERS.employee.oid);
    expect(doc.generatedBy).toEqual({ oid: USERS.supervisor.oid, name: USERS.supervisor.name });
    expect(doc.tickets.map((x: any) => x.radicado)).toEqual([t.radicado]);
    expect(doc.tickets[0].phone).toBe('300 555 0101');
    expect(doc.tickets[0].description).toBe('La VPN no conecta desde mi casa.');
    expect(doc.messages.map((m: any) => m.text)).toEqual(['¿Me confirma su celular para llamarla?', 'Sí, es el 300 555 0101, estoy en la casa de mi mamá.']);
    expect(doc.events.map((e: any) => e.kind)).toEqual(expect.arrayContaining(['created', 'assigned', 'message', 'status_changed', 'confirmed']));
    expect(doc.profile.email).toBe(USERS.employee.email);
    expect(typeof doc.privacyNotice.shownAt).toBe('string');
    // The e-mails to them (confirmation and resolution) went through the outbox.
    expect(doc.outbox.filter((o: any) => o.payload.type === 'mail' && o.payload.to === USERS.employee.email).length).toBe(2);
    expect(doc.conversationReference.reference.user.id).toBe(USERS.employee.id);
    expect(doc.satisfactionSurveys).toEqual([expect.objectContaining({ radicado: t.radicado, score: 4, comment: 'Muy amable, me llamó al 300 555 0101.' })]);
  });

  it('refuses the export and the anonymisation to anyone who is not a supervisor, writing nothing', async () => {
    const t = await closedTicket(h);
    expect(await say(h, USERS.agent, 'exportar datos de ana.empleada@entidad.gov.co')).toContain('Solo un supervisor');
    expect(await say(h, USERS.employee, 'anonimizar datos de ana.empleada@entidad.gov.co')).toContain('Solo un supervisor');
    // A crafted confirmation button from a non-supervisor is refused on the server too.
    const res = await h.post(cardAction(h, USERS.agent, 'privacy.anonymise', { who: USERS.employee.oid }));
    expect(cardText(res.body.value)).toContain('Solo un supervisor');
    expect(fs.readdirSync(exportDir)).toEqual([]);
    expect((await h.app.tickets.get(t.id))!.description).toBe('La VPN no conecta desde mi casa.');
  });

  it('anonymises only the closed tickets after confirmation, and the history still verifies', async () => {
    const closed = await closedTicket(h);
    const open = await file(h, 'Otro problema abierto de Ana.');
    h.app.dispatcher.kick();
    const reply = await sayFull(h, USERS.supervisor, 'anonimizar datos de ana.empleada@entidad.gov.co');
    const ask = textOf(reply);
    expect(ask).toContain(closed.radicado);
    expect(ask).not.toContain(open.radicado);
    const card = reply.body.attachments[0].content;
    // Nothing changes before the button is pressed.
    expect((await h.app.tickets.get(closed.id))!.description).toBe('La VPN no conecta desde mi casa.');

    const done = await press(h, USERS.supervisor, card, 'Anonimizar');
    expect(cardText(done.body.value)).toContain(`Anonimicé 1 casos`);

    const t = (await h.app.tickets.get(closed.id))!;
    expect(t.requester).toMatchObject({ oid: USERS.employee.oid, name: ANONYMISED, email: undefined, upn: undefined });
    expect(t.phone).toBeUndefined();
    expect(t.description).toBe(ANONYMISED);
    expect(t.fieldValues).toEqual({ network: ANONYMISED, errorMessage: ANONYMISED });
    expect(t.resolutionNote).toBe(ANONYMISED);
    const events = await h.app.tickets.events(closed.id);
    const texts = JSON.stringify(events.map((e) => e.data)) + JSON.stringify(events.map((e) => e.actor));
    expect(texts).not.toContain('300 555 0101');
    expect(texts).not.toContain('Ana Empleada');
    expect(events.filter((e) => e.kind === 'message').map((e) => e.data.text)).toEqual([ANONYMISED, ANONYMISED]);
    expect(events[events.length - 1]).toMatchObject({ kind: 'anonymised', actor: { oid: USERS.supervisor.oid } });
    expect(await sql(h.app.storage, 'SELECT score, comment FROM satisfaction_surveys WHERE ticket_id = ?', closed.id)).toEqual([{ score: 4, comment: ANONYMISED }]);
    // Outbox rows of that ticket no longer carry the address or the texts.
    const outbox = await sql<{ payload: string }>(h.app.storage, 'SELECT payload FROM outbox WHERE ticket_id = ?', closed.id);
    expect(outbox.length).toBeGreaterThan(0);
    for (const o of outbox) expect(o.payload).not.toContain(USERS.employee.email);

    // An anonymised ticket cannot be reopened: there is nothing left to work on.
    expect(await h.app.services.tickets.reopen(t, EMPLOYEE)).toMatchObject({ ok: false, reason: 'invalid_state' });
    // The open ticket is untouched.
    expect((await h.app.tickets.get(open.id))!.description).toBe('Otro problema abierto de Ana.');
    const report = await h.app.storage.verifyHistory();
    expect(report.breaks).toEqual([]);
    expect(report.redacted).toBeGreaterThanOrEqual(4);
    // Asking again finds nothing left to anonymise.
    expect(await say(h, USERS.supervisor, 'anonimizar datos de ana.empleada@entidad.gov.co')).toContain('no tiene casos cerrados o cancelados por anonimizar');
  });

  it('re-renders the cards already posted about an anonymised ticket: the channel card and the requester\'s confirmation card', async () => {
    await registerQueue(h);
    // Ana files from the form: her confirmation card is in her chat, the queue card in the channel.
    const form = { ...REMOTE_ACCESS_FORM, templateId: 'solicitud-acceso-remoto', submissionKey: randomUUID(), phone: '300 555 0101' };
    const created = await h.post({ ...cardAction(h, USERS.employee, 'ticket.submit', form), replyToId: 'form-ana' });
    const radicado = cardText(created.body.value).match(/MDA-\d{4}-\d{6}/)![0];
    await queueCard(h, radicado);
    let t = (await h.app.tickets.getByRadicado(radicado))!;
    const posted = { activityId: t.queueActivityId };
    const confirmation = (await sql<{ activity_id: string }>(h.app.storage, 'SELECT activity_id FROM requester_cards WHERE ticket_id = ?', t.id))[0];
    expect(confirmation?.activity_id).toBeTruthy();
    for (const step of [(c: Ticket) => h.app.services.tickets.take(c, AGENT), (c: Ticket) => h.app.services.tickets.setStatus(c, 'resolve', AGENT, 'Listo.'), (c: Ticket) => h.app.services.tickets.confirm(c, EMPLOYEE)]) {
      let out = await step((t = (await h.app.tickets.get(t.id))!));
      for (let i = 0; i < 5 && !out.ok && out.reason === 'conflict'; i++) out = await step((t = (await h.app.tickets.get(t.id))!));
      expect(out.ok).toBe(true);
    }
    await drained(h);
    const personal = [USERS.employee.name, USERS.employee.email, '300 555 0101', REMOTE_ACCESS_FORM.description];
    const channelBefore = JSON.stringify(lastCardUpdate(h, posted.activityId!));
    expect(channelBefore).toContain(USERS.employee.name);
    const putsBefore = h.connector.sent.filter((r) => r.method === 'PUT').length;

    const ask = await sayFull(h, USERS.supervisor, `anonimizar datos de ${USERS.employee.email}`);
    await press(h, USERS.supervisor, ask.body.attachments[0].content, 'Anonimizar');
    await drained(h);
    const channelAfter = JSON.stringify(lastCardUpdate(h, posted.activityId!));
    const requesterAfter = JSON.stringify(lastCardUpdate(h, confirmation.activity_id));
    expect(h.connector.sent.filter((r) => r.method === 'PUT').length).toBeGreaterThanOrEqual(putsBefore + 2);
    for (const [where, card] of [['channel', channelAfter], ['requester', requesterAfter]]) {
      expect({ where, anonymised: card.includes(ANONYMISED) }).toEqual({ where, anonymised: true });
      for (const p of personal) expect({ where, shows: card.includes(p) ? p : '' }).toEqual({ where, shows: '' });
    }
  });

  it('answers with the usage when no person is named, and "not found" for an unknown one', async () => {
    expect(await say(h, USERS.supervisor, 'exportar datos')).toContain('Indique la persona');
    expect(await say(h, USERS.supervisor, 'exportar datos de nadie@entidad.gov.co')).toContain('No encontré datos guardados de nadie@entidad.gov.co');
  });

  it('erases contact phones of tickets closed longer than PHONE_RETENTION_DAYS when the bot starts, with a history event', async () => {
    const old = await closedTicket(h);
    const recent = await closedTicket(h);
    const backdate = (id: number, days: number) => sql(h.app.storage, 'UPDATE tickets SET closed_at = ? WHERE id = ?', new Date(Date.now() - days * 86400_000).toISOString(), id);
    await backdate(old.id, 200);
    await backdate(recent.id, 10);
    const dir = h.dir;
    await h.close();
    h = await startHarness({ EXPORT_DIR: exportDir, PHONE_RETENTION_DAYS: '180' }, { dir });
    expect((await h.app.tickets.get(old.id))!.phone).toBeUndefined();
    expect((await h.app.tickets.get(recent.id))!.phone).toBe('300 555 0101');
    const events = await h.app.tickets.events(old.id);
    expect(events[events.length - 1]).toMatchObject({ kind: 'phone_erased', data: { retentionDays: 180 } });
    expect((await h.app.tickets.events(recent.id)).some((e) => e.kind === 'phone_erased')).toBe(false);
    expect((await h.app.storage.verifyHistory()).breaks).toEqual([]);
    // Running the job again finds nothing more.
    expect(await h.app.runRetention()).toEqual([]);
  });
});

describe('operations CLIs: verify-history and personal data', () => {
  // The CLIs work on the engine of the run: DB_PATH, or DATABASE_URL on the PostgreSQL pass.
  let databaseUrl: string | undefined;
  const env = (dbPath: string, extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    DB_PATH: dbPath,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...extra,
  });
  const node = (script: string, args: string[], e: Record<string, string>) =>
    spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli', script), ...args], { env: e, encoding: 'utf8', cwd: os.tmpdir() });

  beforeAll(() => {
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
    } catch (err) {
      if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'verify-history.js'))) throw new Error(`build failed: ${String((err as { stdout?: Buffer }).stdout ?? err)}`);
    }
  }, 200_000);

  it('exports and anonymises from the command line, then verify-history reports OK, and names the break after tampering', async () => {
    const h = await startHarness();
    const t = await closedTicket(h);
    const second = await file(h, 'Segundo caso');
    const dbPath = h.dbPath;
    databaseUrl = h.app.services.cfg.databaseUrl;
    await h.close();
    const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-cli-exports-'));

    const exp = node('personal-data.js', ['export', USERS.employee.email], env(dbPath, { EXPORT_DIR: exportDir }));
    expect(exp.status).toBe(0);
    const exported = exp.stdout.trim();
    expect(path.dirname(exported)).toBe(fs.realpathSync(exportDir));
    expect(JSON.parse(fs.readFileSync(exported, 'utf8')).tickets).toHaveLength(2);

    const anon = node('personal-data.js', ['anonymise', USERS.employee.oid], env(dbPath));
    expect(anon.status).toBe(0);
    expect(anon.stdout).toContain(`Anonymised 1 ticket(s) of ${USERS.employee.oid}: ${t.radicado}`);
    expect(node('personal-data.js', ['export', 'nadie@entidad.gov.co'], env(dbPath, { EXPORT_DIR: exportDir })).status).toBe(1);

    const ok = node('verify-history.js', [], env(dbPath));
    expect(ok.stdout).toMatch(/^OK: \d+ events of 2 tickets verified/);
    expect(ok.status).toBe(0);

    // Someone with file access drops the trigger and rewrites what the engineer said on the second ticket.
    let ev: { id: number };
    let before: { hash: string };
    if (databaseUrl) {
      const pg = require('pg');
      const raw = new pg.Client({ connectionString: databaseUrl });
      await raw.connect();
      ev = (await raw.query('SELECT id FROM ticket_events WHERE ticket_id = $1 ORDER BY id LIMIT 1', [second.id])).rows[0];
      before = (await raw.query('SELECT hash FROM ticket_events WHERE id = $1', [ev.id])).rows[0];
      await raw.query('DROP TRIGGER ticket_events_no_update ON ticket_events');
      await raw.query(`UPDATE ticket_events SET data = jsonb_set(data::jsonb, '{priority}', '"low"')::text WHERE id = $1`, [ev.id]);
      await raw.end();
    } else {
      const Database = require('better-sqlite3');
      const raw = new Database(dbPath);
      ev = raw.prepare(`SELECT id FROM ticket_events WHERE ticket_id = ? ORDER BY id LIMIT 1`).get(second.id) as { id: number };
      before = raw.prepare('SELECT hash FROM ticket_events WHERE id = ?').get(ev.id) as { hash: string };
      raw.exec('DROP TRIGGER ticket_events_no_update');
      raw.prepare(`UPDATE ticket_events SET data = json_set(data, '$.priority', 'low') WHERE id = ?`).run(ev.id);
      raw.close();
    }

    const broken = node('verify-history.js', [], env(dbPath));
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain('BROKEN: 1 break(s)');
    expect(broken.stdout).toContain(`ticket ${second.radicado} (id ${second.id}) event ${ev.id}: content does not match its hash`);
    expect(broken.stdout).toContain(`found ${before.hash}`);
  }, 60_000);

  it('verify-history exits 2 with a message when there is no database', () => {
    databaseUrl = undefined; // a missing SQLite file (DATABASE_URL unset)
    const r = node('verify-history.js', [], env(path.join(os.tmpdir(), `missing-${randomUUID()}.db`)));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('No database at');
  });
});
