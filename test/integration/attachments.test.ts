/**
 * Screenshots and files on tickets (#13), end to end over HTTP: a file sent in the personal chat is
 * downloaded from a loopback "Teams download URL", checked, stored by checksum and linked to the
 * ticket; engineers see it on the queue card and get it through the Teams file-consent flow, whose
 * upload goes to a loopback "OneDrive upload URL".
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Ticket } from '../../src/domain/tickets/model';
import type { Recorded } from '../helpers/connector';
import {
  BOT,
  cardAction,
  cardText,
  channelConversation,
  channelMessage,
  findAction,
  installPersonal,
  invokeCard,
  message,
  personalConversation,
  press,
  randomUUID,
  startHarness,
  TEAM,
  TENANT,
  USERS,
  type Harness,
  type TestUser,
} from '../helpers/harness';
import { sql } from '../helpers/engine';
import { cardOf, personalId } from '../helpers/desk';

const FILE_INFO = 'application/vnd.microsoft.teams.file.download.info';
const MAX_BYTES = 64 * 1024;

/** A loopback server standing in for SharePoint/OneDrive: serves download URLs, records uploads. */
class FileServer {
  readonly files = new Map<string, Buffer>();
  readonly hits: string[] = [];
  readonly uploads: { path: string; contentRange: string; contentLength: string; body: Buffer }[] = [];
  private server!: http.Server;
  url = '';

  async start() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const p = new URL(req.url ?? '/', 'http://x').pathname;
        this.hits.push(`${req.method} ${p}`);
        if (p === '/hang') return; // never answers: the bot's download timeout has to end it
        if (req.method === 'PUT' && p.startsWith('/upload/')) {
          this.uploads.push({ path: p, contentRange: String(req.headers['content-range']), contentLength: String(req.headers['content-length']), body: Buffer.concat(chunks) });
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end('{"id":"drive-item"}');
          return;
        }
        const file = this.files.get(p);
        if (req.method === 'GET' && file && p.startsWith('/chunked/')) {
          // No Content-Length: the size is known only while reading.
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          for (let i = 0; i < file.length; i += 8192) res.write(file.subarray(i, i + 8192));
          res.end();
          return;
        }
        if (req.method === 'GET' && file) {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end(file);
          return;
        }
        res.writeHead(404);
        res.end();
      });
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

const png = (size = 2048) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(size - 8)]);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A message in the personal chat carrying Teams "file download info" attachments. */
function fileMessage(h: Harness, user: TestUser, text: string, files: { name: string; url: string; fileType?: string }[], locale = 'es-CO') {
  return {
    ...message(h, user, text, locale),
    attachments: files.map((f) => ({
      contentType: FILE_INFO,
      name: f.name,
      contentUrl: `https://contoso.sharepoint.com/personal/docs/${encodeURIComponent(f.name)}`,
      content: { downloadUrl: f.url, uniqueId: randomUUID(), fileType: f.fileType ?? path.extname(f.name).slice(1) },
    })),
  };
}

function consentInvoke(h: Harness, user: TestUser, action: 'accept' | 'decline', context: object, uploadUrl?: string) {
  return {
    type: 'invoke',
    name: 'fileConsent/invoke',
    id: `consent-${randomUUID()}`,
    channelId: 'msteams',
    serviceUrl: h.connector.url,
    locale: 'es-CO',
    from: { id: user.id, name: user.name, aadObjectId: user.oid },
    recipient: BOT,
    channelData: { tenant: { id: TENANT } },
    conversation: personalConversation(user),
    value: {
      type: 'fileUpload',
      action,
      context,
      uploadInfo:
        action === 'accept'
          ? { name: 'captura.png', uploadUrl, contentUrl: 'https://contoso-my.sharepoint.com/personal/ivan/Documents/Applications/captura.png', uniqueId: 'unique-1', fileType: 'png' }
          : undefined,
    },
  };
}

async function fileTicket(h: Harness, requester: TestUser = USERS.employee): Promise<Ticket> {
  const { ticket } = await h.app.services.tickets.file({
    submissionKey: randomUUID(),
    requester: { oid: requester.oid, tenantId: TENANT, name: requester.name, email: requester.email },
    locale: 'es',
    phone: '300 123 4567',
    contactChannel: 'teams',
    categoryId: 'mesa-servicio-primer-nivel',
    serviceId: 'acceso-remoto',
    templateId: 'falla-conexion-vpn',
    fieldValues: {},
    description: 'La VPN muestra un error.',
    priority: 'normal' as Ticket['priority'],
  });
  h.app.dispatcher.kick();
  return ticket;
}

const textOf = (r: Recorded): string => [r.body?.text ?? '', cardOf(r) && r.body.attachments[0].contentType === 'application/vnd.microsoft.card.adaptive' ? cardText(cardOf(r)) : ''].join('\n');

async function waitForText(h: Harness, conversationId: string, ...needles: string[]): Promise<Recorded> {
  const find = () => h.connector.messagesTo(conversationId).find((r) => needles.every((n) => textOf(r).includes(n)));
  try {
    await h.connector.waitFor(() => !!find(), 5000);
  } catch {
    const seen = h.connector.messagesTo(conversationId).map((r) => textOf(r).replace(/\n/g, ' | ')).join('\n  ');
    throw new Error(`no message to ${conversationId} containing ${JSON.stringify(needles)}; seen:\n  ${seen}`);
  }
  return find()!;
}

async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not met in time`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const rows = (h: Harness) => sql<any>(h.app.storage, 'SELECT * FROM attachments ORDER BY id');
/** The stored file bytes: files under ATTACHMENTS_DIR on SQLite, rows of attachment_blobs on PostgreSQL. */
const storedFiles = async (h: Harness, dir: string): Promise<string[]> => {
  if (h.app.storage.engine === 'postgres') return (await sql<{ sha256: string }>(h.app.storage, 'SELECT sha256 FROM attachment_blobs ORDER BY sha256')).map((r) => r.sha256);
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : [];
};
const storedBytes = async (h: Harness, dir: string, sha: string): Promise<Buffer> => {
  if (h.app.storage.engine === 'postgres') return (await sql<{ bytes: Buffer }>(h.app.storage, 'SELECT bytes FROM attachment_blobs WHERE sha256 = ?', sha))[0].bytes;
  return fs.readFileSync(path.join(dir, sha.slice(0, 2), sha));
};

describe('screenshots and files on tickets', () => {
  let h: Harness;
  let files: FileServer;
  let attachmentsDir: string;

  beforeEach(async () => {
    files = await new FileServer().start();
    h = await startHarness({ ATTACHMENT_MAX_BYTES: String(MAX_BYTES), ATTACHMENT_TIMEOUT_MS: '2000' });
    attachmentsDir = h.app.services.cfg.attachments.dir;
    for (const u of [USERS.employee, USERS.agent, USERS.manager]) await h.post(installPersonal(h, u));
    await h.connector.waitFor(() => h.connector.messagesTo(personalId(USERS.employee)).length >= 1);
  });
  afterEach(async () => {
    await h.close();
    await files.stop();
  });

  async function registerQueue() {
    await h.post(channelMessage(h, USERS.supervisor, 'registrar cola'));
    await h.connector.waitFor(() => h.connector.messagesTo(TEAM.channelId).some((r) => textOf(r).includes('cola de soporte')));
  }

  async function postedQueueCard(ticket: Ticket) {
    await until(async () => !!(await h.app.tickets.get(ticket.id))?.queueActivityId, 'queue card posted');
    return (await h.app.tickets.get(ticket.id))!.queueActivityId!;
  }

  /** The latest version of the queue card (post or in-place update). */
  function latestQueueCard(rootId: string): any {
    const versions = h.connector.sent.filter((r) => (r.method === 'PUT' && r.activityId === rootId) || (r.method === 'POST' && r.conversationId === TEAM.channelId && cardOf(r)));
    return cardOf(versions[versions.length - 1]);
  }

  it('attaches a file sent in the personal chat to the open ticket: stored by checksum, on the queue card and in the history', async () => {
    await registerQueue();
    const ticket = await fileTicket(h);
    const rootId = await postedQueueCard(ticket);
    const bytes = png(3000);
    const url = files.serve('/dl/captura.png', bytes);

    const res = await h.post(fileMessage(h, USERS.employee, '', [{ name: 'captura.png', url }]));
    expect(res.status).toBe(200);
    await waitForText(h, personalId(USERS.employee), 'Adjunté «captura.png»', ticket.radicado);

    const [row] = await rows(h);
    expect(row).toMatchObject({ ticket_id: ticket.id, uploader_oid: USERS.employee.oid, name: 'captura.png', file_type: 'png', content_type: 'image/png', size: bytes.length });
    expect(row.sha256).toBe(sha256(bytes));
    const onDisk = await storedBytes(h, attachmentsDir, row.sha256);
    expect(sha256(onDisk)).toBe(row.sha256);
    expect(onDisk.equals(bytes)).toBe(true);

    // The queue card is updated in place (through the outbox) and lists the file with a "send me" action.
    await h.connector.waitFor(() => h.connector.sent.some((r) => r.method === 'PUT' && r.activityId === rootId && textOf(r).includes('captura.png')));
    const card = latestQueueCard(rootId);
    expect(cardText(card)).toContain(`SHA-256 ${row.sha256.slice(0, 12)}`);
    expect(findAction(card, 'Enviarme el archivo').data).toEqual({ attachmentId: row.id });
    const outbox = await sql(h.app.storage, `SELECT payload FROM outbox WHERE ticket_id = ? AND payload LIKE '%queue_update%'`, ticket.id);
    expect(outbox.length).toBeGreaterThan(0);

    const events = await h.app.tickets.events(ticket.id);
    const added = events.find((e) => e.kind === 'attachment_added')!;
    expect(added.data).toMatchObject({ attachmentId: row.id, name: 'captura.png', size: bytes.length, sha256: row.sha256 });
    expect(added.actor?.oid).toBe(USERS.employee.oid);
    expect(await h.app.tickets.verifyHistory()).toEqual([]);

    // The requester sees it on the status card.
    await h.post(message(h, USERS.employee, `estado del radicado ${ticket.radicado}`));
    await waitForText(h, personalId(USERS.employee), ticket.radicado, 'Adjuntos', 'captura.png');
  });

  it('takes a pasted image (image/*) and names it by its real format', async () => {
    const ticket = await fileTicket(h);
    const bytes = png(1500);
    const url = files.serve('/inline/abc', bytes);
    await h.post({ ...message(h, USERS.employee, '<div><img src="x"></div>'), attachments: [{ contentType: 'image/*', contentUrl: url }, { contentType: 'text/html', content: '<div>…</div>' }] });
    await waitForText(h, personalId(USERS.employee), 'Adjunté «imagen-1.png»', ticket.radicado);
    expect((await rows(h)).map((r) => [r.name, r.source, r.sha256])).toEqual([['imagen-1.png', 'inline_image', sha256(bytes)]]);
  });

  it('uses the radicado written with the file, and otherwise asks which open ticket, re-checking the choice', async () => {
    const first = await fileTicket(h);
    const second = await fileTicket(h);

    // Named in the text: goes straight to that ticket.
    await h.post(fileMessage(h, USERS.employee, `Captura del ${first.radicado.toLowerCase()}`, [{ name: 'error.txt', url: files.serve('/dl/error.txt', Buffer.from('Error 809: la conexión remota no respondió')) }]));
    await waitForText(h, personalId(USERS.employee), 'Adjunté «error.txt»', first.radicado);
    expect((await rows(h)).map((r) => r.ticket_id)).toEqual([first.id]);

    // Not named, two open tickets: the file waits and a card asks which.
    h.connector.clear();
    await h.post(fileMessage(h, USERS.employee, 'aquí va', [{ name: 'informe.pdf', url: files.serve('/dl/informe.pdf', Buffer.from('%PDF-1.7\n…')) }]));
    const ask = await waitForText(h, personalId(USERS.employee), '¿A cuál adjunto', 'informe.pdf');
    expect((await rows(h))[1]).toMatchObject({ name: 'informe.pdf', ticket_id: null });
    const choice = findAction(cardOf(ask), `${second.radicado} · Acceso remoto`);

    // A forged choice (someone else's pending file, or a ticket that is not theirs) links nothing.
    const forged = await h.post(cardAction(h, USERS.manager, 'attachment.link', choice.data));
    expect(cardText(invokeCard(forged))).toContain('No encontré ese caso entre los que puede consultar');
    const managersTicket = await fileTicket(h, USERS.manager);
    const wrongTicket = await h.post(cardAction(h, USERS.employee, 'attachment.link', { ...choice.data, ticketId: managersTicket.id }));
    expect(cardText(invokeCard(wrongTicket))).toContain('No encontré ese caso entre los que puede consultar');
    expect((await rows(h))[1].ticket_id).toBeNull();

    const linked = invokeCard(await press(h, USERS.employee, cardOf(ask), `${second.radicado} · Acceso remoto`));
    expect(cardText(linked)).toContain(`Adjunté «informe.pdf» (12 B) al caso ${second.radicado}`);
    expect((await rows(h))[1].ticket_id).toBe(second.id);
    expect((await h.app.tickets.events(second.id)).filter((e) => e.kind === 'attachment_added').map((e) => e.data.name)).toEqual(['informe.pdf']);

    // Pressing again does not link it twice.
    const again = invokeCard(await press(h, USERS.employee, cardOf(ask), `${first.radicado} · Acceso remoto`));
    expect(cardText(again)).toContain('ya no está pendiente');
    expect((await rows(h))[1].ticket_id).toBe(second.id);
  });

  it('refuses a file that is too big, of a forbidden type, not what its name says, or that cannot be downloaded, storing nothing', async () => {
    await fileTicket(h);
    const cases: [string, { name: string; url: string }, string][] = [
      ['too big', { name: 'enorme.png', url: files.serve('/dl/enorme.png', png(MAX_BYTES + 1)) }, 'supera el tamaño máximo permitido (64 KB)'],
      ['too big, size not announced', { name: 'grande.png', url: files.serve('/chunked/grande.png', png(MAX_BYTES * 3)) }, '«grande.png» supera el tamaño máximo'],
      ['forbidden type', { name: 'instalador.exe', url: files.serve('/dl/instalador.exe', Buffer.from('MZ…')) }, 'ese tipo de archivo no está permitido. Tipos permitidos: png, jpg, jpeg, gif, pdf, txt, log, docx, xlsx'],
      ['renamed', { name: 'foto.png', url: files.serve('/dl/foto.png', Buffer.from('MZ not really a png')) }, 'no corresponde a un archivo .png'],
      ['download fails', { name: 'perdido.pdf', url: `${files.url}/dl/no-existe.pdf` }, 'No pude descargar «perdido.pdf»'],
      ['download hangs', { name: 'lento.pdf', url: `${files.url}/hang` }, 'No pude descargar «lento.pdf»'],
    ];
    for (const [what, file, expected] of cases) {
      const res = await h.post(fileMessage(h, USERS.employee, '', [file]));
      expect(res.status).toBe(200);
      await waitForText(h, personalId(USERS.employee), expected).catch((err) => {
        throw new Error(`${what}: ${(err as Error).message}`);
      });
    }
    // In English too.
    await h.post(fileMessage(h, USERS.employee, '', [{ name: 'setup.exe', url: files.serve('/dl/setup.exe', Buffer.from('MZ')) }], 'en-US'));
    await waitForText(h, personalId(USERS.employee), 'I cannot take "setup.exe": that file type is not allowed. Allowed types: png, jpg');
    // The forbidden type is refused before anything is downloaded.
    expect(files.hits.some((hit) => hit.includes('setup.exe'))).toBe(false);
    expect(files.hits.some((hit) => hit.includes('instalador.exe'))).toBe(false);
    expect(await rows(h)).toEqual([]);
    expect(await storedFiles(h, attachmentsDir)).toEqual([]);
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it("refuses someone else's radicado exactly like one that does not exist, and a closed ticket", async () => {
    const ticket = await fileTicket(h);
    const url = files.serve('/dl/captura.png', png());
    await h.post(fileMessage(h, USERS.manager, `Para el ${ticket.radicado}`, [{ name: 'captura.png', url }]));
    await waitForText(h, personalId(USERS.manager), `No encontré el radicado ${ticket.radicado} entre sus casos. No se guardó ningún archivo`);
    const missing = ticket.radicado.replace(/\d{6}$/, '099999');
    await h.post(fileMessage(h, USERS.manager, `Para el ${missing}`, [{ name: 'captura.png', url }]));
    await waitForText(h, personalId(USERS.manager), `No encontré el radicado ${missing} entre sus casos. No se guardó ningún archivo`);
    // Without a radicado and with no open ticket of their own.
    await h.post(fileMessage(h, USERS.manager, '', [{ name: 'captura.png', url }]));
    await waitForText(h, personalId(USERS.manager), 'No tiene casos abiertos a los que adjuntar «captura.png»');

    await h.post(cardAction(h, USERS.employee, 'ticket.cancel', { ticketId: ticket.id }));
    await h.post(fileMessage(h, USERS.employee, ticket.radicado, [{ name: 'captura.png', url }]));
    await waitForText(h, personalId(USERS.employee), `El caso ${ticket.radicado} está en estado «Cancelado» y ya no recibe archivos`);

    expect(files.hits).toEqual([]);
    expect(await rows(h)).toEqual([]);
  });

  it('sends the file to the engineer through Teams file consent: accept uploads the bytes, decline changes nothing', async () => {
    await registerQueue();
    const ticket = await fileTicket(h);
    const rootId = await postedQueueCard(ticket);
    const bytes = png(5000);
    await h.post(fileMessage(h, USERS.employee, '', [{ name: 'captura.png', url: files.serve('/dl/captura.png', bytes) }]));
    await h.connector.waitFor(() => h.connector.sent.some((r) => r.method === 'PUT' && r.activityId === rootId && textOf(r).includes('captura.png')));
    const [row] = await rows(h);

    // Iván presses "Enviarme el archivo" on the queue card: the card stays, a consent card reaches his chat.
    const res = await press(h, USERS.agent, latestQueueCard(rootId), 'Enviarme el archivo', {}, channelConversation());
    expect(res.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message' });
    expect(res.body.value).toContain('Le envié «captura.png» a su chat personal');
    await h.connector.waitFor(() => h.connector.messagesTo(personalId(USERS.agent)).some((r) => r.body?.attachments?.[0]?.contentType === 'application/vnd.microsoft.teams.card.file.consent'));
    const consent = h.connector.messagesTo(personalId(USERS.agent)).find((r) => r.body?.attachments?.[0]?.contentType === 'application/vnd.microsoft.teams.card.file.consent')!;
    const offer = consent.body.attachments[0];
    expect(offer.name).toBe('captura.png');
    expect(offer.content).toMatchObject({ sizeInBytes: bytes.length, acceptContext: { attachmentId: row.id }, declineContext: { attachmentId: row.id } });
    expect(offer.content.description).toContain(ticket.radicado);

    // Decline: a clear answer, nothing uploaded, nothing lost.
    const declined = await h.post(consentInvoke(h, USERS.agent, 'decline', offer.content.declineContext));
    expect(declined.status).toBe(200);
    await waitForText(h, personalId(USERS.agent), 'no le envié «captura.png»', `sigue en el caso ${ticket.radicado}`);
    expect(files.uploads).toEqual([]);
    expect(await rows(h)).toHaveLength(1);

    // Accept: the bytes go to the upload URL with Content-Range, then a file info card.
    const accepted = await h.post(consentInvoke(h, USERS.agent, 'accept', offer.content.acceptContext, `${files.url}/upload/session-1`));
    expect(accepted.status).toBe(200);
    expect(files.uploads).toHaveLength(1);
    expect(files.uploads[0].contentRange).toBe(`bytes 0-${bytes.length - 1}/${bytes.length}`);
    expect(files.uploads[0].contentLength).toBe(String(bytes.length));
    expect(files.uploads[0].body.equals(bytes)).toBe(true);
    const info = h.connector.messagesTo(personalId(USERS.agent)).find((r) => r.body?.attachments?.[0]?.contentType === 'application/vnd.microsoft.teams.card.file.info');
    expect(info?.body.attachments[0]).toMatchObject({ name: 'captura.png', contentUrl: expect.stringContaining('sharepoint.com'), content: { uniqueId: 'unique-1', fileType: 'png' } });
    const sent = (await h.app.tickets.events(ticket.id)).filter((e) => e.kind === 'attachment_sent');
    expect(sent.map((e) => [e.actor?.oid, e.data.attachmentId])).toEqual([[USERS.agent.oid, row.id]]);

    // Someone who may not see the ticket cannot obtain the file with a forged consent context.
    files.uploads.length = 0;
    await h.post(consentInvoke(h, USERS.manager, 'accept', { attachmentId: row.id }, `${files.url}/upload/session-2`));
    await waitForText(h, personalId(USERS.manager), 'No encontré ese archivo');
    expect(files.uploads).toEqual([]);
  });

  it("relays the engineer's file to the requester, who gets it by accepting the consent card", async () => {
    await registerQueue();
    const ticket = await fileTicket(h);
    await postedQueueCard(ticket);
    await h.post(channelMessage(h, USERS.agent, `tomar ${ticket.radicado}`));
    await until(async () => (await h.app.tickets.get(ticket.id))?.assignee?.oid === USERS.agent.oid, 'taken');

    const guide = Buffer.from('Pasos para reinstalar el cliente VPN:\n1. …\n');
    await h.post(fileMessage(h, USERS.agent, `Guía para ${ticket.radicado}`, [{ name: 'guia-vpn.txt', url: files.serve('/dl/guia-vpn.txt', guide) }]));
    await waitForText(h, personalId(USERS.agent), 'Adjunté «guia-vpn.txt»', ticket.radicado);

    await h.connector.waitFor(() => h.connector.messagesTo(personalId(USERS.employee)).some((r) => r.body?.attachments?.[0]?.contentType === 'application/vnd.microsoft.teams.card.file.consent'));
    const offer = h.connector.messagesTo(personalId(USERS.employee)).find((r) => r.body?.attachments?.[0]?.contentType === 'application/vnd.microsoft.teams.card.file.consent')!.body.attachments[0];
    expect(offer.name).toBe('guia-vpn.txt');
    await h.post(consentInvoke(h, USERS.employee, 'accept', offer.content.acceptContext, `${files.url}/upload/ana`));
    expect(files.uploads.map((u) => u.body.toString('utf8'))).toEqual([guide.toString('utf8')]);
  });
});
