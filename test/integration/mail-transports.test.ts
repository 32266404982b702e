import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { composeTicketCreatedMail, MailDeliveryError, type MailMessage } from '../../src/domain/mail';
import { createGraphTransport, createSmtpTransport } from '../../src/mail';

// ---------------------------------------------------------------------------------------------
// Minimal MIME reading (mailparser is not installed): headers, encoded-words, QP/base64 parts.

function splitHeaderBody(raw: string): { headers: Map<string, string>; body: string } {
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

function decodeQuotedPrintable(input: string, headerMode = false): string {
  let s = input.replace(/=\r?\n/g, '');
  if (headerMode) s = s.replace(/_/g, ' ');
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-F]{2}$/i.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(s[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047: =?UTF-8?B?…?= / =?UTF-8?Q?…?=, adjacent words joined without the space between them. */
function decodeEncodedWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text, true),
    );
}

function decodePart(part: string): { type: string; content: string } {
  const { headers, body } = splitHeaderBody(part);
  const cte = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const content =
    cte === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : cte === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : body;
  return { type: (headers.get('content-type') ?? 'text/plain').split(';')[0].trim().toLowerCase(), content };
}

function parseMail(raw: string): { headers: Map<string, string>; subject: string; text: string; html: string } {
  const { headers, body } = splitHeaderBody(raw);
  const contentType = headers.get('content-type') ?? '';
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  const parts = boundary
    ? body
        .split(`--${boundary}`)
        .slice(1)
        .filter((p) => !p.startsWith('--'))
        // The CRLF before a boundary belongs to the boundary (RFC 2046).
        .map((p) => decodePart(p.replace(/^\r\n/, '').replace(/\r\n$/, '')))
    : [decodePart(raw)];
  return {
    headers,
    subject: decodeEncodedWords(headers.get('subject') ?? ''),
    text: parts.find((p) => p.type === 'text/plain')?.content ?? '',
    html: parts.find((p) => p.type === 'text/html')?.content ?? '',
  };
}

// ---------------------------------------------------------------------------------------------

const sampleMail: MailMessage = composeTicketCreatedMail(
  'maria.nunez@entidad.gov.co',
  {
    radicado: 'MDA-2026-000001',
    serviceName: 'Acceso remoto',
    templateName: 'Solicitud de VPN',
    requesterName: 'María José Núñez',
    description: 'No puedo conectarme a la VPN; aparece un error de certificación.',
    createdAt: new Date('2026-11-26T15:15:00Z'),
    queuePosition: 2,
    contactText: 'Línea interna 1234',
    botName: 'Mesa de Ayuda',
  },
  'es',
);

interface Received {
  from: string;
  to: string[];
  raw: string;
}

function listen(server: { listen: (port: number, host: string, cb: () => void) => unknown }): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

describe('SMTP transport', () => {
  const received: Received[] = [];
  let port = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('nobody@')) {
        const err = new Error('5.1.1 Unknown mailbox') as Error & { responseCode: number };
        err.responseCode = 550;
        return callback(err);
      }
      if (address.address.startsWith('busy@')) {
        const err = new Error('4.2.1 Mailbox busy, try later') as Error & { responseCode: number };
        err.responseCode = 450;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });

  beforeAll(async () => {
    await listen(smtp);
    port = (smtp.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  function transport() {
    return createSmtpTransport({
      url: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
      from: '"Mesa de Ayuda" <mesadeayuda@entidad.gov.co>',
      timeoutMs: 2000,
    });
  }

  it('delivers the mail with the right recipient, decoded subject and accented UTF-8 bodies', async () => {
    const t = transport();
    try {
      await t.send(sampleMail);
    } finally {
      await t.close?.();
    }
    expect(received).toHaveLength(1);
    const [msg] = received;
    expect(msg.from).toBe('mesadeayuda@entidad.gov.co');
    expect(msg.to).toEqual(['maria.nunez@entidad.gov.co']);

    const parsed = parseMail(msg.raw);
    expect(parsed.headers.get('to')).toBe('maria.nunez@entidad.gov.co');
    expect(parsed.headers.get('subject')).toMatch(/=\?UTF-8\?[BQ]\?/i);
    expect(parsed.subject).toBe('Radicado MDA-2026-000001 – Acceso remoto');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed.headers.get('content-type')).toMatch(/multipart\/alternative/);

    expect(parsed.text).toBe(sampleMail.text.replace(/\n/g, '\r\n'));
    for (const body of [parsed.text, parsed.html]) {
      expect(body).toContain('Acceso remoto');
      expect(body).toContain('solicitud');
      expect(body).toContain('número');
      expect(body).toContain('María José Núñez');
    }
    expect(parsed.html).toContain('<meta charset="utf-8">');
  });

  it('reports a recipient rejected with 550 as a permanent delivery error', async () => {
    const t = transport();
    const err = await t.send({ ...sampleMail, to: 'nobody@entidad.gov.co' }).catch((e: unknown) => e);
    await t.close?.();
    expect(err).toBeInstanceOf(MailDeliveryError);
    expect((err as MailDeliveryError).permanent).toBe(true);
    expect((err as MailDeliveryError).message).toMatch(/550/);
  });

  it('reports a recipient deferred with 450 as a transient delivery error', async () => {
    const t = transport();
    const err = await t.send({ ...sampleMail, to: 'busy@entidad.gov.co' }).catch((e: unknown) => e);
    await t.close?.();
    expect(err).toBeInstanceOf(MailDeliveryError);
    expect((err as MailDeliveryError).permanent).toBe(false);
  });

  it('reports a server that is down as a transient delivery error', async () => {
    const probe = net.createServer();
    await listen(probe);
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const t = createSmtpTransport({ url: `smtp://127.0.0.1:${closedPort}`, from: 'mesadeayuda@entidad.gov.co', timeoutMs: 2000 });
    const err = await t.send(sampleMail).catch((e: unknown) => e);
    await t.close?.();
    expect(err).toBeInstanceOf(MailDeliveryError);
    expect((err as MailDeliveryError).permanent).toBe(false);
    expect((err as MailDeliveryError).message).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/);
  });

  it('refuses a URL that is not smtp:// or smtps://', () => {
    expect(() => createSmtpTransport({ url: 'http://127.0.0.1:25', from: 'a@b.co' })).toThrow(/smtp:\/\//);
  });
});

describe('Graph transport', () => {
  interface Seen {
    method?: string;
    url?: string;
    authorization?: string;
    contentType?: string;
    body: unknown;
  }
  const seen: Seen[] = [];
  let status = 202;
  let base = '';
  const graph = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      seen.push({
        method: req.method,
        url: req.url,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: text ? JSON.parse(text) : undefined,
      });
      // Separate calls: restify (loaded by other suites in this process) patches writeHead to not chain.
      if (status === 202) {
        res.writeHead(202);
        res.end();
      } else {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: status === 404 ? 'ErrorInvalidUser' : 'ServiceUnavailable', message: 'stand-in' } }));
      }
    });
  });

  beforeAll(async () => {
    await listen(graph);
    base = `http://127.0.0.1:${(graph.address() as AddressInfo).port}/v1.0`;
  });

  afterAll(async () => {
    graph.closeAllConnections();
    await new Promise<void>((resolve) => graph.close(() => resolve()));
  });

  beforeEach(() => {
    seen.length = 0;
    status = 202;
  });

  function transport() {
    return createGraphTransport({
      from: 'mesadeayuda@entidad.gov.co',
      tokenProvider: async () => 'test-token-123',
      graphBaseUrl: base,
      timeoutMs: 2000,
    });
  }

  it('posts the message to /users/{mailbox}/sendMail with the bearer token and resolves on 202', async () => {
    await expect(transport().send(sampleMail)).resolves.toBeUndefined();
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v1.0/users/mesadeayuda%40entidad.gov.co/sendMail');
    expect(req.authorization).toBe('Bearer test-token-123');
    expect(req.contentType).toMatch(/^application\/json/);
    expect(req.body).toEqual({
      message: {
        subject: 'Radicado MDA-2026-000001 – Acceso remoto',
        body: { contentType: 'HTML', content: sampleMail.html },
        toRecipients: [{ emailAddress: { address: 'maria.nunez@entidad.gov.co' } }],
      },
      saveToSentItems: false,
    });
    expect(JSON.stringify(req.body)).toContain('número');
  });

  it('reports a 404 (unknown mailbox) as a permanent delivery error', async () => {
    status = 404;
    const err = await transport().send(sampleMail).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailDeliveryError);
    expect((err as MailDeliveryError).permanent).toBe(true);
    expect((err as MailDeliveryError).message).toContain('404');
  });

  it('reports a 503 as a transient delivery error', async () => {
    status = 503;
    const err = await transport().send(sampleMail).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailDeliveryError);
    expect((err as MailDeliveryError).permanent).toBe(false);
  });

  it('reports a 429 as a transient delivery error', async () => {
    status = 429;
    const err = await transport().send(sampleMail).catch((e: unknown) => e);
    expect((err as MailDeliveryError).permanent).toBe(false);
  });

  it('reports a failing token provider as a transient delivery error without calling Graph', async () => {
    const t = createGraphTransport({
      from: 'mesadeayuda@entidad.gov.co',
      tokenProvider: async () => {
        throw new Error('AADSTS7000215: invalid client secret');
      },
      graphBaseUrl: base,
    });
    const err = await t.send(sampleMail).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailDeliveryError);
    expect((err as MailDeliveryError).permanent).toBe(false);
    expect(seen).toHaveLength(0);
  });

  it('reports an unreachable Graph endpoint as a transient delivery error', async () => {
    const probe = net.createServer();
    await listen(probe);
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const t = createGraphTransport({
      from: 'mesadeayuda@entidad.gov.co',
      tokenProvider: async () => 't',
      graphBaseUrl: `http://127.0.0.1:${closedPort}/v1.0`,
    });
    const err = await t.send(sampleMail).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailDeliveryError);
    expect((err as MailDeliveryError).permanent).toBe(false);
  });
});
