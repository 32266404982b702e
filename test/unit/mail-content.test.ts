import {
  composeTicketCreatedMail,
  composeTicketResolvedMail,
  formatMailDate,
  MailDeliveryError,
  type TicketMailData,
} from '../../src/domain/mail';
import { createLogTransport } from '../../src/mail/log-transport';

const base: TicketMailData = {
  radicado: 'MDA-2026-000001',
  serviceName: 'Acceso remoto',
  templateName: 'Solicitud de VPN',
  requesterName: 'María José Núñez',
  description: 'No puedo conectarme a la VPN desde mi casa; aparece un error de certificación.',
  createdAt: new Date('2026-11-26T15:15:00Z'), // 10:15 a. m. in Bogotá (UTC-5)
  queuePosition: 3,
  contactText: 'Línea interna 1234, lunes a viernes de 7:00 a. m. a 5:00 p. m.',
  botName: 'Mesa de Ayuda',
};

describe('ticket-created mail', () => {
  it('puts the radicado and the service in the Spanish subject', () => {
    const mail = composeTicketCreatedMail('maria@entidad.gov.co', base, 'es');
    expect(mail.to).toBe('maria@entidad.gov.co');
    expect(mail.subject).toBe('Radicado MDA-2026-000001 – Acceso remoto');
  });

  it('puts the radicado and the service in the English subject', () => {
    const mail = composeTicketCreatedMail('maria@entidad.gov.co', { ...base, serviceName: 'Remote access' }, 'en');
    expect(mail.subject).toBe('Ticket MDA-2026-000001 – Remote access');
  });

  it('writes the Spanish summary, next steps, Teams follow-up and contact in text and HTML', () => {
    const mail = composeTicketCreatedMail('maria@entidad.gov.co', base, 'es');
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain('MDA-2026-000001');
      expect(body).toContain('Acceso remoto');
      expect(body).toContain('Solicitud de VPN');
      expect(body).toContain('26 de noviembre de 2026, 10:15 a. m.');
      expect(body).toContain('María José Núñez');
      expect(body).toContain('certificación');
      expect(body).toContain('orden de llegada');
      expect(body).toContain('por teléfono o por chat de Teams');
      expect(body).toContain('sin radicado no se presta soporte de primer nivel');
      expect(body).toContain('estado del radicado MDA-2026-000001');
      expect(body).toContain('Línea interna 1234');
      expect(body).toContain('Posición en la cola');
    }
    expect(mail.text).toContain('Su número de radicado es MDA-2026-000001.');
  });

  it('writes the English body with the English follow-up command and date', () => {
    const mail = composeTicketCreatedMail('maria@entidad.gov.co', base, 'en');
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain('November 26, 2026, 10:15 AM');
      expect(body).toContain('order of arrival');
      expect(body).toContain('by phone or by Teams chat');
      expect(body).toContain('no first-level support is given without a radicado');
      expect(body).toContain('status of radicado MDA-2026-000001');
      expect(body).toContain('Position in queue');
    }
    expect(mail.text).not.toContain('Qué sigue');
  });

  it('escapes a hostile description in the HTML body and keeps it literal in the text body', () => {
    const hostile = '<script>alert("x")</script> [link](http://x) <img src=x onerror=alert(1)> & \'quote\'';
    const mail = composeTicketCreatedMail(
      'maria@entidad.gov.co',
      { ...base, description: hostile, requesterName: '<b>Eve</b>', contactText: '<a href="http://evil">x</a>' },
      'es',
    );
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).not.toContain('<b>Eve');
    expect(mail.html).not.toContain('href="http://evil"');
    expect(mail.html).not.toMatch(/<a\s/i);
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(mail.html).toContain('[link](http://x)');
    expect(mail.html).toContain('&amp; &#39;quote&#39;');
    expect(mail.text).toContain(hostile);
  });

  it('keeps accents and ñ intact rather than escaping them as entities', () => {
    const mail = composeTicketCreatedMail('maria@entidad.gov.co', base, 'es');
    expect(mail.html).toContain('Núñez');
    expect(mail.html).toContain('número');
    expect(mail.html).not.toMatch(/&[a-z]+acute;|&ntilde;|&#2[0-9]{2};/);
    expect(mail.html).toContain('<meta charset="utf-8">');
  });

  it('truncates a long description to about 500 characters with an ellipsis', () => {
    const long = 'á'.repeat(450) + 'b'.repeat(400) + 'FIN';
    const mail = composeTicketCreatedMail('maria@entidad.gov.co', { ...base, description: long }, 'es');
    expect(mail.text).not.toContain('FIN');
    expect(mail.text).toContain('á'.repeat(450) + 'b'.repeat(49) + '…');
    expect(mail.text).not.toContain('b'.repeat(50));
  });

  it('keeps line breaks of the description as <br> in HTML', () => {
    const mail = composeTicketCreatedMail('maria@entidad.gov.co', { ...base, description: 'uno\ndos' }, 'es');
    expect(mail.html).toContain('uno<br>dos');
  });

  it('leaves line breaks out of the subject', () => {
    const mail = composeTicketCreatedMail('maria@entidad.gov.co', { ...base, serviceName: 'Acceso\r\nBcc: x@y' }, 'es');
    expect(mail.subject).toBe('Radicado MDA-2026-000001 – Acceso Bcc: x@y');
  });

  it('omits the queue position when it is unknown', () => {
    const mail = composeTicketCreatedMail('maria@entidad.gov.co', { ...base, queuePosition: undefined }, 'es');
    expect(mail.text).not.toContain('Posición en la cola');
  });

  it('uses no external images or scripts in the HTML', () => {
    const mail = composeTicketCreatedMail('maria@entidad.gov.co', base, 'es');
    expect(mail.html).not.toMatch(/<img|<script|<link|url\(/i);
  });
});

describe('ticket-resolved mail', () => {
  const resolved = { ...base, resolutionNote: 'Se renovó el certificado <VPN> y se verificó la conexión.' };

  it('has the radicado and the service in the subject in both languages', () => {
    expect(composeTicketResolvedMail('a@b.co', resolved, 'es').subject).toBe(
      'Radicado MDA-2026-000001 resuelto – Acceso remoto',
    );
    expect(composeTicketResolvedMail('a@b.co', resolved, 'en').subject).toBe(
      'Ticket MDA-2026-000001 resolved – Acceso remoto',
    );
  });

  it('shows the escaped resolution note and how to reopen in Spanish', () => {
    const mail = composeTicketResolvedMail('a@b.co', resolved, 'es');
    expect(mail.text).toContain('Se renovó el certificado <VPN> y se verificó la conexión.');
    expect(mail.html).toContain('Se renovó el certificado &lt;VPN&gt; y se verificó la conexión.');
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain('fue resuelta');
      expect(body).toContain('estado del radicado MDA-2026-000001');
      expect(body).toContain('Reabrir');
      expect(body).toContain('Línea interna 1234');
    }
    expect(mail.text).not.toContain('Posición en la cola');
  });

  it('shows how to reopen in English', () => {
    const mail = composeTicketResolvedMail('a@b.co', resolved, 'en');
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain('has been resolved');
      expect(body).toContain('status of radicado MDA-2026-000001');
      expect(body).toContain('Reopen');
    }
  });

  it('says so when the case was closed without a note', () => {
    const mail = composeTicketResolvedMail('a@b.co', { ...base, resolutionNote: '  ' }, 'es');
    expect(mail.text).toContain('sin una nota de solución');
  });
});

describe('mail helpers', () => {
  it('formats dates in America/Bogota whatever the machine time zone', () => {
    expect(formatMailDate(new Date('2027-01-01T04:30:00Z'), 'es')).toBe('31 de diciembre de 2026, 11:30 p. m.');
    expect(formatMailDate(new Date('invalid'), 'es')).toBe('');
  });

  it('keeps the permanence flag and the cause on a delivery error', () => {
    const cause = new Error('550');
    const err = new MailDeliveryError('rejected', true, cause);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('MailDeliveryError');
    expect(err.permanent).toBe(true);
    expect(err.cause).toBe(cause);
  });

  it('logs only the recipient domain and the subject when mail is disabled', async () => {
    const calls: Array<{ obj: object; msg: string }> = [];
    const transport = createLogTransport({ info: (obj, msg) => calls.push({ obj, msg }) });
    const mail = composeTicketCreatedMail('Maria.Nunez@Entidad.gov.co', base, 'es');
    await transport.send(mail);
    expect(calls).toHaveLength(1);
    expect(calls[0].obj).toEqual({ toDomain: 'entidad.gov.co', subject: mail.subject });
    const logged = JSON.stringify(calls);
    expect(logged).not.toContain('Maria.Nunez');
    expect(logged).not.toContain('certificación');
  });
});
