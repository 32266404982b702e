/**
 * E-mail through the persistent outbox, with the real SMTP transport against a loopback SMTP server:
 * filing sends the radicado, an SMTP outage delays the mail without delaying the ticket, resolving
 * sends the resolution.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Actor } from '../../src/domain/tickets/state-machine';
import { bogotaYear } from '../../src/domain/tickets/radicado';
import { cardAction, cardText, invokeCard, press, startHarness, USERS, type Harness } from '../helpers/harness';
import { sql, sqlValue } from '../helpers/engine';
import { REMOTE_ACCESS_FORM } from '../helpers/desk';

// --- minimal MIME reading (mailparser is not installed) ------------------------------------------
function splitHeaderBody(raw: string) {
  const sep = raw.indexOf('\r\n\r\n');
  const head = sep >= 0 ? raw.slice(0, sep) : raw;
  const body = sep >= 0 ? raw.slice(sep + 4) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body };
}
function qp(input: string, headerMode = false): string {
  let s = input.replace(/=\r?\n/g, '');
  if (headerMode) s = s.replace(/_/g, ' ');
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-F]{2}$/i.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}
function encodedWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _c: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : qp(text, true),
    );
}
function part(p: string) {
  const { headers, body } = splitHeaderBody(p);
  const cte = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const content = cte === 'quoted-printable' ? qp(body) : cte === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body;
  return { type: (headers.get('content-type') ?? 'text/plain').split(';')[0].trim().toLowerCase(), content };
}
function parseMail(raw: string) {
  const { headers, body } = splitHeaderBody(raw);
  const boundary = /boundary="?([^";]+)"?/i.exec(headers.get('content-type') ?? '')?.[1];
  const parts = boundary
    ? body
        .split(`--${boundary}`)
        .slice(1)
        .filter((p) => !p.startsWith('--'))
        .map((p) => part(p.replace(/^\r\n/, '').replace(/\r\n$/, '')))
    : [part(raw)];
  return {
    subject: encodedWords(headers.get('subject') ?? ''),
    from: encodedWords(headers.get('from') ?? ''),
    text: parts.find((p) => p.type === 'text/plain')?.content ?? '',
    html: parts.find((p) => p.type === 'text/html')?.content ?? '',
  };
}
// ---------------------------------------------------------------------------------------------------

interface Received {
  to: string[];
  subject: string;
  from: string;
  text: string;
  html: string;
}

function smtpServer(received: Received[]) {
  return new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), ...parseMail(Buffer.concat(chunks).toString('utf8')) });
        callback();
      });
    },
  });
}

const listenOn = (server: SMTPServer, port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
const closeSmtp = (server: SMTPServer) => new Promise<void>((resolve) => server.close(() => resolve()));

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitFor(pred: () => boolean | Promise<boolean>, ms: number) {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const REMOTE = REMOTE_ACCESS_FORM;

async function file(h: Harness): Promise<{ radicado: string; ms: number }> {
  const form = invokeCard(await h.post(cardAction(h, USERS.employee, 'catalog.form', { templateId: 'solicitud-acceso-remoto' })));
  const t0 = Date.now();
  const done = cardText(invokeCard(await press(h, USERS.employee, form, 'Guardar', REMOTE)));
  return { radicado: /MDA-\d{4}-\d{6}/.exec(done)![0], ms: Date.now() - t0 };
}

const env = (port: number) => ({
  MAIL_TRANSPORT: 'smtp',
  SMTP_URL: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
  MAIL_FROM: '"Mesa de Ayuda" <mesadeayuda@entidad.gov.co>',
});

describe('e-mail through the outbox over real SMTP', () => {
  let h: Harness | undefined;
  let smtp: SMTPServer | undefined;
  const received: Received[] = [];

  beforeEach(() => {
    received.length = 0;
  });
  afterEach(async () => {
    await h?.close();
    if (smtp) await closeSmtp(smtp);
    h = undefined;
    smtp = undefined;
  });

  it('mails the requester the radicado and the service, in accented Spanish, and the resolution later', async () => {
    const port = await freePort();
    smtp = smtpServer(received);
    await listenOn(smtp, port);
    h = await startHarness(env(port), { recordMail: false });
    const { radicado } = await file(h);
    expect(radicado).toBe(`MDA-${bogotaYear(new Date())}-000001`);
    await waitFor(() => received.length >= 1, 10_000);
    const mail = received[0];
    expect(mail.to).toEqual([USERS.employee.email]);
    expect(mail.subject).toContain(radicado);
    expect(mail.subject).toContain('Acceso remoto');
    expect(mail.from).toContain('mesadeayuda@entidad.gov.co');
    expect(mail.text).toContain(radicado);
    expect(mail.text).toContain('número de radicado');
    expect(mail.html).toContain(radicado);
    expect(h.mail.sent).toHaveLength(0); // the real transport, not the recorder

    const agent: Actor = { oid: USERS.agent.oid, name: USERS.agent.name, roles: ['agent'] };
    const svc = h.app.services.tickets;
    const taken = await svc.take((await h.app.tickets.getByRadicado(radicado))!, agent);
    expect(taken.ok).toBe(true);
    const resolved = await svc.setStatus(taken.ticket, 'resolve', agent, 'Se instaló y configuró el cliente VPN en su equipo.');
    expect(resolved.ok).toBe(true);
    h.app.dispatcher.kick();
    await waitFor(() => received.length >= 2, 10_000);
    const res = received[1];
    expect(res.to).toEqual([USERS.employee.email]);
    expect(res.subject).toContain(radicado);
    expect(res.subject).toContain('resuelto');
    expect(res.text).toContain('fue resuelta');
    expect(res.text).toContain('Se instaló y configuró el cliente VPN en su equipo.');
    expect(received).toHaveLength(2);
  });

  it('files the ticket at once while SMTP is down, and delivers the mail when the server comes back', async () => {
    const port = await freePort();
    h = await startHarness(env(port), { recordMail: false });
    const { radicado, ms } = await file(h);
    expect(ms).toBeLessThan(3000);
    const count = await sqlValue<number>(h.app.storage, 'SELECT count(*) AS n FROM tickets');
    expect(count).toBe(1);
    // The first attempt fails (connection refused) and is rescheduled, not lost.
    await waitFor(async () => {
      const [row] = await sql<{ attempts: number }>(h!.app.storage, `SELECT attempts FROM outbox WHERE channel = 'mail'`);
      return !!row && row.attempts >= 1;
    }, 5000);
    expect(received).toHaveLength(0);
    smtp = smtpServer(received);
    await listenOn(smtp, port);
    await waitFor(() => received.length >= 1, 8000);
    expect(received[0].subject).toContain(radicado);
    expect(received[0].to).toEqual([USERS.employee.email]);
    const mailRow = async () => (await sql<{ status: string; attempts: number }>(h!.app.storage, `SELECT status, attempts FROM outbox WHERE channel = 'mail'`))[0];
    await waitFor(async () => (await mailRow()).status !== 'pending', 2000);
    expect((await mailRow()).status).toBe('sent');
    expect((await mailRow()).attempts).toBeGreaterThanOrEqual(2);
    // The ticket carries no mail warning once the mail went out.
    const t = await h.app.tickets.getByRadicado(radicado);
    expect(t!.mailError ?? '').toBe('');
    // Delivered once, not once per retry.
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toHaveLength(1);
  }, 20_000);
});
