/**
 * Gaps closed after #10, #12 and #13: the SLA state on the queue list and on the card "siguiente"
 * answers with, the wait estimate on the configured working calendar, imported cases left out of
 * "siguiente", text sent with a file relayed like a reply, and attachments' bytes deleted (unlinked
 * files after 24 hours, a person's files when their closed tickets are anonymised).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { main as importLegacy } from '../../src/cli/import-legacy';
import type { Ticket } from '../../src/domain/tickets/model';
import { formatDateTime } from '../../src/i18n';
import { sql, sqlValue } from '../helpers/engine';
import { cardOf, cardOrText, channelAnswer, drained, fileTicket, personalId, queueCard, registerQueue, threadId, until, waitForMessage } from '../helpers/desk';
import {
  cardAction,
  cardText,
  findAction,
  installPersonal,
  invokeCard,
  message,
  press,
  randomUUID,
  startHarness,
  TEAM,
  TENANT,
  TestClock,
  USERS,
  type Harness,
  type TestUser,
} from '../helpers/harness';

const bog = (local: string) => new Date(`${local.replace(' ', 'T')}:00-05:00`);
const AGENT = { oid: USERS.agent.oid, name: USERS.agent.name, roles: ['agent' as const] };

/** The bot's answer in the support channel to a message posted there. */
describe('SLA state on the queue list and on the card of "siguiente"', () => {
  let h: Harness;
  let clock: TestClock;
  beforeEach(async () => {
    clock = new TestClock(bog('2026-11-24 08:00')); // a Tuesday
    h = await startHarness({}, { clock });
    for (const u of [USERS.employee, USERS.manager, USERS.agent]) await h.post(installPersonal(h, u));
    await registerQueue(h);
  });
  afterEach(async () => {
    await h.close();
  });

  it('shows each ticket\'s resolution due time and a missed or nearly missed target', async () => {
    // "Falla de conexión a la VPN": 2 working hours to the first response, 8 to the resolution.
    const late = await fileTicket(h, USERS.employee);
    clock.set(bog('2026-11-24 08:30'));
    const soon = await fileTicket(h, USERS.manager, 'Otra falla de la VPN desde la sede norte.');
    clock.set(bog('2026-11-24 10:20')); // late's first response was due 10:00; soon's warns at 10:06, due 10:30

    const list = await channelAnswer(h, USERS.agent, 'cola');
    const [lateLine, soonLine] = list.split(soon.radicado);
    expect(lateLine).toContain(late.radicado);
    expect(lateLine).toContain(`Solución antes de ${formatDateTime(bog('2026-11-24 16:00'), 'es')}`);
    expect(lateLine).toContain('⛔ ANS vencido: primera respuesta');
    expect(lateLine).not.toContain('ANS por vencer');
    expect(soonLine).toContain(`Solución antes de ${formatDateTime(bog('2026-11-24 16:30'), 'es')}`);
    expect(soonLine).toContain('⚠️ ANS por vencer: primera respuesta');
    expect(soonLine).not.toContain('ANS vencido');

    // "siguiente" hands out the late one; its card says it is late.
    const next = await channelAnswer(h, USERS.agent, 'siguiente');
    expect(next).toContain(late.radicado);
    expect(next).toContain('⛔ ANS vencido: primera respuesta');
    expect(next).toContain(`Solución antes de\n${formatDateTime(bog('2026-11-24 16:00'), 'es')}`);
    // The requester's own status card does not carry the staff's flag.
    const own = cardText(invokeCard(await h.post(cardAction(h, USERS.employee, 'ticket.status', { ticketId: late.id }))));
    expect(own).toContain(late.radicado);
    expect(own).not.toContain('ANS vencido');

    // In English too, and a ticket on time shows no flag.
    clock.set(bog('2026-11-24 08:45'));
    const fresh = await fileTicket(h, USERS.employee, 'Tercera falla, la impresora no imprime.');
    clock.set(bog('2026-11-24 09:00'));
    const card = invokeCard(await h.post(cardAction(h, USERS.agent, 'queue.show', {}, 'en-US', { id: TEAM.channelId, conversationType: 'channel', isGroup: true, tenantId: TENANT })));
    const freshLine = cardText(card).split(fresh.radicado)[1];
    expect(freshLine).toContain(`Resolution due before ${formatDateTime(bog('2026-11-24 16:45'), 'en')}`);
    expect(freshLine).not.toMatch(/SLA (missed|about)/);
  });
});

describe('wait estimate on the configured working calendar', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('counts the minutes between takes in SLA_OFFICE_HOURS, not a fixed Monday-to-Friday', async () => {
    // A Saturday: outside Mon–Fri, but inside these office hours.
    const clock = new TestClock(bog('2026-11-28 09:00'));
    h = await startHarness({ SLA_OFFICE_HOURS: 'Mon-Sun 07:00-17:00', TICKETS_PER_HOUR: '100' }, { clock });
    const taken: Ticket[] = [];
    for (let i = 0; i < 4; i++) taken.push(await fileTicket(h, USERS.stranger, `Caso ${i} de la VPN en sábado.`));
    const waiting = await fileTicket(h, USERS.manager, 'Necesito la VPN el sábado.');
    for (const t of taken) {
      expect((await h.app.services.tickets.take(t, AGENT)).ok).toBe(true);
      clock.advance(20);
    }
    const status = cardText(invokeCard(await h.post(cardAction(h, USERS.manager, 'ticket.status', { ticketId: waiting.id }))));
    expect(status).toContain('Usted es el número 1 en la cola.');
    expect(status).toContain('Tiempo estimado para ser atendido: unos 20 min hábiles (según el ritmo de las últimas 4 atenciones de esta cola).');
  });
});

describe('imported cases and "siguiente"', () => {
  let h: Harness;
  let dir: string;
  afterEach(async () => {
    await h.close();
  });

  it('never hands out an open imported case with "siguiente", lists it as imported, and "tomar <radicado>" takes it', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-polish-'));
    h = await startHarness({}, { dir });
    await registerQueue(h);
    const csv = path.join(dir, 'old.csv');
    fs.writeFileSync(
      csv,
      'Radicado;Fecha de creación;Correo solicitante;Servicio;Estado;Descripción\n' +
        `MDA-2019-123;02/02/2024 10:01;${USERS.employee.email};Acceso remoto;Abierta;La VPN del caso antiguo no conecta.\n`,
    );
    const out: string[] = [];
    expect(await importLegacy(['--file', csv, '--tenant', TENANT], { DB_PATH: h.dbPath, ...(h.app.services.cfg.databaseUrl ? { DATABASE_URL: h.app.services.cfg.databaseUrl } : {}), LOG_LEVEL: 'silent' }, (s) => out.push(s), (s) => out.push(s))).toBe(0);
    const old = (await h.app.tickets.getByRadicado('MDA-2019-000123'))!;
    expect(old).toMatchObject({ imported: true, status: 'new' });
    const mine = await fileTicket(h, USERS.manager);

    // "cola" shows both, the old one marked as imported.
    const list = await channelAnswer(h, USERS.agent, 'cola');
    const [oldLine, newLine] = list.split(mine.radicado);
    expect(oldLine).toContain('MDA-2019-000123');
    expect(oldLine).toContain('importado (sistema anterior');
    expect(newLine).not.toContain('importado');

    // "siguiente" skips the older imported case; then there is nothing left to hand out.
    expect(await channelAnswer(h, USERS.agent, 'siguiente')).toContain(mine.radicado);
    expect((await h.app.tickets.get(old.id))!.status).toBe('new');
    expect(await channelAnswer(h, USERS.agent2, 'siguiente')).toContain('No hay casos');
    expect((await h.app.tickets.get(old.id))!.assignee).toBeUndefined();
    // Taken explicitly, it is the engineer's.
    expect(await channelAnswer(h, USERS.agent2, 'tomar MDA-2019-000123')).toContain('MDA-2019-000123');
    expect((await h.app.tickets.get(old.id))!).toMatchObject({ status: 'assigned', assignee: { oid: USERS.agent2.oid } });
    expect(await h.app.tickets.verifyHistory()).toEqual([]);
  });
});

const FILE_INFO = 'application/vnd.microsoft.teams.file.download.info';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const png = (size = 2048) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(size - 8)]);

/** A loopback stand-in for Teams' file download URLs. */
class FileServer {
  private readonly files = new Map<string, Buffer>();
  private server!: http.Server;
  url = '';
  async start() {
    this.server = http.createServer((req, res) => {
      const file = this.files.get(new URL(req.url ?? '/', 'http://x').pathname);
      res.writeHead(file ? 200 : 404, { 'content-type': 'application/octet-stream' });
      res.end(file);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  serve(p: string, bytes: Buffer): string {
    this.files.set(p, bytes);
    return `${this.url}${p}`;
  }
  async stop() {
    this.server.closeAllConnections?.();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

function fileMessage(h: Harness, user: TestUser, text: string, files: { name: string; url: string }[]) {
  return {
    ...message(h, user, text),
    attachments: files.map((f) => ({
      contentType: FILE_INFO,
      name: f.name,
      contentUrl: `https://contoso.sharepoint.com/personal/docs/${encodeURIComponent(f.name)}`,
      content: { downloadUrl: f.url, uniqueId: randomUUID(), fileType: path.extname(f.name).slice(1) },
    })),
  };
}

const attachmentRows = (h: Harness) => sql<any>(h.app.storage, 'SELECT * FROM attachments ORDER BY id');
const messageEvents = async (h: Harness, ticketId: number) => (await h.app.tickets.events(ticketId)).filter((e) => e.kind === 'message').map((e) => e.data.text);
const threadMessages = async (h: Harness, ticketId: number) =>
  (await sql<{ payload: string }>(h.app.storage, `SELECT payload FROM outbox WHERE ticket_id = ? ORDER BY id`, ticketId))
    .map((r) => JSON.parse(r.payload))
    .filter((p) => p.type === 'thread_message')
    .map((p) => p.text);

describe('text sent with a file', () => {
  let h: Harness;
  let files: FileServer;
  beforeEach(async () => {
    files = await new FileServer().start();
    h = await startHarness();
    for (const u of [USERS.employee, USERS.agent]) await h.post(installPersonal(h, u));
    await registerQueue(h);
  });
  afterEach(async () => {
    await h.close();
    await files.stop();
  });

  it('reaches the ticket once, like a reply: history, queue thread and the engineer', async () => {
    const ticket = await fileTicket(h);
    expect((await h.app.services.tickets.take(ticket, AGENT)).ok).toBe(true);
    await queueCard(h, ticket.radicado);
    const root = String(await sqlValue(h.app.storage, 'SELECT queue_activity_id FROM tickets WHERE id = ?', ticket.id));
    const text = 'Así aparece el error al abrir la VPN esta mañana';
    await h.post(fileMessage(h, USERS.employee, text, [{ name: 'captura.png', url: files.serve('/dl/captura.png', png()) }]));
    await waitForMessage(h, personalId(USERS.employee), 'Adjunté «captura.png»', `Mensaje enviado al caso ${ticket.radicado}`);
    expect(await messageEvents(h, ticket.id)).toEqual([text]);
    expect(await threadMessages(h, ticket.id)).toEqual([text]);
    await waitForMessage(h, threadId(root), text);
    await waitForMessage(h, personalId(USERS.agent), text);
    // The radicado alone is not a message.
    await h.post(fileMessage(h, USERS.employee, ticket.radicado, [{ name: 'otra.png', url: files.serve('/dl/otra.png', png()) }]));
    await waitForMessage(h, personalId(USERS.employee), 'Adjunté «otra.png»');
    await drained(h);
    expect(await messageEvents(h, ticket.id)).toEqual([text]);
    expect(await h.app.tickets.verifyHistory()).toEqual([]);
  });

  it('waits with the files for the ticket the user chooses, and is relayed once however often they press', async () => {
    const first = await fileTicket(h);
    const second = await fileTicket(h);
    await h.post(fileMessage(h, USERS.employee, 'El informe del error, por favor revisen', [{ name: 'informe.pdf', url: files.serve('/dl/informe.pdf', Buffer.from('%PDF-1.7\n…')) }]));
    const ask = await waitForMessage(h, personalId(USERS.employee), '¿A cuál adjunto');
    expect(await messageEvents(h, first.id)).toEqual([]);
    expect(await messageEvents(h, second.id)).toEqual([]);
    const done = cardText(invokeCard(await press(h, USERS.employee, cardOf(ask), `${second.radicado} · Acceso remoto`)));
    expect(done).toContain(`Mensaje enviado al caso ${second.radicado}`);
    invokeCard(await press(h, USERS.employee, cardOf(ask), `${second.radicado} · Acceso remoto`));
    invokeCard(await press(h, USERS.employee, cardOf(ask), `${first.radicado} · Acceso remoto`));
    expect(await messageEvents(h, second.id)).toEqual(['El informe del error, por favor revisen']);
    expect(await messageEvents(h, first.id)).toEqual([]);
    expect(await threadMessages(h, second.id)).toEqual(['El informe del error, por favor revisen']);
    expect(await h.app.tickets.verifyHistory()).toEqual([]);
  });
});

/** Whether the bytes with this checksum are in ATTACHMENTS_DIR. */
/** Whether the attachment bytes are still kept (files in ATTACHMENTS_DIR on SQLite, the database on PostgreSQL). */
const stored = async (h: Harness, bytes: Buffer) => {
  const sha = sha256(bytes);
  if (h.app.storage.engine === 'postgres') return (await sql(h.app.storage, 'SELECT 1 FROM attachment_blobs WHERE sha256 = ?', sha)).length > 0;
  return fs.existsSync(path.join(h.app.services.cfg.attachments.dir, sha.slice(0, 2), sha));
};

/** The bot's reply in the personal chat to a message. */
async function reply(h: Harness, user: TestUser, activity: ReturnType<typeof message>) {
  await h.post(activity);
  const found = () => h.connector.messagesTo(personalId(user)).find((r) => r.replyToId === activity.id);
  await h.connector.waitFor(() => !!found());
  return found()!;
}

describe('deleting attachments', () => {
  let h: Harness;
  let files: FileServer;
  beforeEach(async () => {
    files = await new FileServer().start();
  });
  afterEach(async () => {
    await h.close();
    await files.stop();
  });

  it('deletes files never linked to a ticket after 24 hours, at start and by the hourly job, keeping bytes another attachment uses', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-polish-'));
    const clock = new TestClock(bog('2026-11-24 08:00'));
    h = await startHarness({}, { dir, clock });
    await h.post(installPersonal(h, USERS.employee));
    const first = await fileTicket(h);
    await fileTicket(h, USERS.employee, 'La impresora del piso 3 no imprime.');
    const lonely = png();
    const shared = png();
    const recent = png();
    // The shared bytes are on a ticket and also wait, unchosen, in a second message.
    await h.post(fileMessage(h, USERS.employee, first.radicado, [{ name: 'compartida.png', url: files.serve('/dl/shared', shared) }]));
    const ask = await reply(h, USERS.employee, fileMessage(h, USERS.employee, '', [{ name: 'sola.png', url: files.serve('/dl/lonely', lonely) }, { name: 'copia.png', url: files.serve('/dl/shared2', shared) }]));
    expect((await attachmentRows(h)).map((r) => [r.name, r.ticket_id])).toEqual([['compartida.png', first.id], ['sola.png', null], ['copia.png', null]]);
    clock.set(bog('2026-11-24 20:00'));
    await reply(h, USERS.employee, fileMessage(h, USERS.employee, '', [{ name: 'reciente.png', url: files.serve('/dl/recent', recent) }]));

    // A day and a minute after the first ones, the bot restarts: the job runs at start.
    await h.close();
    clock.set(bog('2026-11-25 08:01'));
    h = await startHarness({}, { dir, clock });
    expect((await attachmentRows(h)).map((r) => r.name)).toEqual(['compartida.png', 'reciente.png']);
    expect(await stored(h, lonely)).toBe(false);
    expect(await stored(h, shared)).toBe(true);
    expect(await stored(h, recent)).toBe(true);
    // The old choice now answers clearly.
    expect(cardText(invokeCard(await press(h, USERS.employee, cardOf(ask), `${first.radicado} · Acceso remoto`)))).toContain('ya no está pendiente');

    // The hourly job takes the rest once it is 24 hours old.
    clock.set(bog('2026-11-25 19:59'));
    expect(await h.app.runAttachmentCleanup()).toEqual({ rows: 0, files: 0 });
    clock.set(bog('2026-11-25 20:01'));
    expect(await h.app.runAttachmentCleanup()).toEqual({ rows: 1, files: 1 });
    expect((await attachmentRows(h)).map((r) => r.name)).toEqual(['compartida.png']);
    expect(await stored(h, recent)).toBe(false);
    expect(await stored(h, shared)).toBe(true);
    expect(await h.app.tickets.verifyHistory()).toEqual([]);
  });

  it('deletes the files a person attached to their closed tickets when they are anonymised, keeping the row marked and shared bytes', async () => {
    h = await startHarness();
    for (const u of [USERS.employee, USERS.agent, USERS.supervisor]) await h.post(installPersonal(h, u));
    const closed = await fileTicket(h);
    const open = await fileTicket(h, USERS.employee, 'Otro problema abierto, la impresora.');
    const own = png();
    const shared = png();
    const engineers = Buffer.from('Registro del servidor VPN: sesión rechazada 809');
    await reply(h, USERS.employee, fileMessage(h, USERS.employee, closed.radicado, [{ name: 'error-de-ana.png', url: files.serve('/dl/own', own) }, { name: 'pantalla.png', url: files.serve('/dl/shared', shared) }]));
    await reply(h, USERS.employee, fileMessage(h, USERS.employee, open.radicado, [{ name: 'pantalla.png', url: files.serve('/dl/shared-again', shared) }]));
    const s = h.app.services.tickets;
    let t = (await s.take((await h.app.tickets.get(closed.id))!, AGENT)) as { ok: true; ticket: Ticket };
    await reply(h, USERS.agent, fileMessage(h, USERS.agent, closed.radicado, [{ name: 'servidor.log', url: files.serve('/dl/log', engineers) }]));
    t = (await s.setStatus(t.ticket, 'resolve', AGENT, 'Se reconfiguró la VPN.')) as { ok: true; ticket: Ticket };
    expect((await s.confirm(t.ticket, { oid: USERS.employee.oid, name: USERS.employee.name, roles: ['employee'] })).ok).toBe(true);
    const before = (await attachmentRows(h)).filter((r) => r.ticket_id === closed.id);
    expect(before.map((r) => r.name)).toEqual(['error-de-ana.png', 'pantalla.png', 'servidor.log']);

    const ask = await reply(h, USERS.supervisor, message(h, USERS.supervisor, 'anonimizar datos de ana.empleada@entidad.gov.co'));
    expect(cardOrText(ask)).toContain(closed.radicado);
    invokeCard(await press(h, USERS.supervisor, cardOf(ask), 'Anonimizar'));

    const after = (await attachmentRows(h)).filter((r) => r.ticket_id === closed.id);
    expect(after.map((r) => [r.name, !!r.deleted_at])).toEqual([
      ['[anonimizado]', true],
      ['[anonimizado]', true],
      ['[anonimizado]', false],
    ]);
    expect(await stored(h, own)).toBe(false);
    expect(await stored(h, shared)).toBe(true); // still on the open ticket
    expect(await stored(h, engineers)).toBe(true); // the engineer's, not the person's
    expect((await attachmentRows(h)).find((r) => r.ticket_id === open.id)).toMatchObject({ name: 'pantalla.png', deleted_at: null });
    const events = await h.app.tickets.events(closed.id);
    expect(events.at(-1)).toMatchObject({ kind: 'anonymised', data: { deletedFiles: 2 } });
    expect(await h.app.tickets.verifyHistory()).toEqual([]);

    // The cards say so, and "Enviarme el archivo" answers clearly.
    const card = invokeCard(await h.post(cardAction(h, USERS.agent, 'ticket.status', { ticketId: closed.id })));
    expect(cardText(card).match(/archivo eliminado/g)).toHaveLength(2);
    // One "send me the file" button left (its Action.Submit fallback is the same button).
    expect(JSON.stringify(card).match(/"type":"Action\.Execute","title":"[^"]*","verb":"attachment\.send"/g)).toHaveLength(1);
    const gone = await h.post(cardAction(h, USERS.agent, 'attachment.send', { attachmentId: after[0].id }));
    expect(gone.body.value).toContain('Ese archivo fue eliminado');
    expect(JSON.stringify(await sql(h.app.storage, 'SELECT payload FROM outbox'))).not.toContain(`"attachmentId":${after[0].id},`);
  });
});
