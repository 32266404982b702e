/**
 * Small hardening gaps: one welcome per install although Teams announces it twice, and the per-hour
 * ticket limit checked in the same transaction as the insert.
 */
import { RateLimitedError } from '../../src/domain/errors';
import type { Ticket } from '../../src/domain/tickets/model';
import { cardText, installPersonal, message, personalConversation, randomUUID, startHarness, TENANT, USERS, type Harness } from '../helpers/harness';
import { sql } from '../helpers/engine';

describe('installing the bot', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const welcomes = () =>
    h.connector
      .messagesTo(personalConversation(USERS.employee).id)
      .filter((r) => cardText(r.body?.attachments?.[0]?.content ?? {}).includes('Mesa de Ayuda TI'));

  it('sends one welcome card when Teams sends both installationUpdate and conversationUpdate', async () => {
    const update = installPersonal(h, USERS.employee);
    const installation = { ...installPersonal(h, USERS.employee), type: 'installationUpdate', action: 'add', membersAdded: undefined };
    const [a, b] = await Promise.all([h.post(installation), h.post(update)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    // A later message is answered after both install turns: everything they sent is recorded by then.
    await h.post(message(h, USERS.employee, 'ayuda'));
    await h.connector.waitFor(() => h.connector.messagesTo(personalConversation(USERS.employee).id).some((r) => cardText(r.body?.attachments?.[0]?.content ?? {}).includes('¿Cómo le ayudo?')));
    expect(welcomes()).toHaveLength(1);
    expect(cardText(welcomes()[0].body.attachments[0].content)).toContain('Ley 1581 de 2012');
  });

  /** Teams' pair for one install as the Playground sends it: only the installationUpdate names the language. */
  function installPair(locale: string) {
    const update = { ...installPersonal(h, USERS.employee), locale: undefined };
    const installation = { ...installPersonal(h, USERS.employee), locale, type: 'installationUpdate', action: 'add', membersAdded: undefined };
    return { update, installation };
  }
  const englishWelcomes = () =>
    h.connector
      .messagesTo(personalConversation(USERS.employee).id)
      .filter((r) => cardText(r.body?.attachments?.[0]?.content ?? {}).includes('IT Service Desk'));

  it.each([
    ['the installationUpdate first', true],
    ['the conversationUpdate (no locale) first', false],
  ])('welcomes once, in the language the installationUpdate names, whichever of the pair comes first (%s)', async (_name, installationFirst) => {
    const { update, installation } = installPair('en-US');
    const [first, second] = installationFirst ? [installation, update] : [update, installation];
    const sent = [h.post(first)];
    await new Promise((r) => setTimeout(r, 5));
    sent.push(h.post(second));
    for (const res of await Promise.all(sent)) expect(res.status).toBe(200);
    await h.post(message(h, USERS.employee, 'help', 'en-US'));
    await h.connector.waitFor(() => h.connector.messagesTo(personalConversation(USERS.employee).id).some((r) => cardText(r.body?.attachments?.[0]?.content ?? {}).includes('How can I help')));
    expect(welcomes()).toHaveLength(0);
    expect(englishWelcomes()).toHaveLength(1);
  });

  it('answers an activity that names no language in the language last seen from that person', async () => {
    await h.post(message(h, USERS.employee, 'help', 'en-US'));
    // Teams' conversationUpdate carries no locale: a later one must not turn the chat to Spanish.
    await h.post({ ...installPersonal(h, USERS.employee), locale: undefined });
    await h.connector.waitFor(() => englishWelcomes().length === 1);
    expect(welcomes()).toHaveLength(0);
    // …and the remembered language is still English for the next one.
    await h.post({ ...message(h, USERS.employee, 'hello'), locale: undefined });
    await h.connector.waitFor(() => englishWelcomes().length === 2);
    expect(welcomes()).toHaveLength(0);
  });

  it('still welcomes a user who greets the bot later, without the privacy notice the second time', async () => {
    await h.post(installPersonal(h, USERS.employee));
    await h.post(message(h, USERS.employee, 'hola'));
    await h.connector.waitFor(() => welcomes().length === 2);
    expect(cardText(welcomes()[0].body.attachments[0].content)).toContain('Ley 1581 de 2012');
    expect(cardText(welcomes()[1].body.attachments[0].content)).not.toContain('Ley 1581 de 2012');
  });
});

describe('the per-hour ticket limit', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ TICKETS_PER_HOUR: '3' });
  });
  afterEach(async () => {
    await h.close();
  });

  const submission = () => ({
    submissionKey: `${USERS.employee.oid}:${randomUUID()}`,
    requester: { oid: USERS.employee.oid, tenantId: TENANT, name: USERS.employee.name, email: USERS.employee.email },
    locale: 'es' as const,
    phone: '300 123 4567',
    contactChannel: 'teams' as const,
    categoryId: 'mesa-servicio-primer-nivel',
    serviceId: 'acceso-remoto',
    templateId: 'falla-conexion-vpn',
    fieldValues: {},
    description: 'La VPN no conecta.',
    priority: 'high' as Ticket['priority'],
  });

  it('lets exactly the limit through when ten submissions arrive at the same moment', async () => {
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => h.app.services.tickets.file(submission())));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const limited = results.filter((r) => r.status === 'rejected' && (r as PromiseRejectedResult).reason instanceof RateLimitedError);
    expect(ok).toHaveLength(3);
    expect(limited).toHaveLength(7);
    const rows = await sql<{ radicado: string }>(h.app.storage, 'SELECT radicado FROM tickets');
    expect(rows).toHaveLength(3);
    // Refused submissions did not consume radicado numbers.
    expect(rows.map((r) => Number(r.radicado.slice(-6))).sort()).toEqual([1, 2, 3]);
  });

  it('still returns the first ticket for a repeated submission when the limit is reached', async () => {
    const first = submission();
    const { ticket } = await h.app.services.tickets.file(first);
    for (let i = 0; i < 2; i++) await h.app.services.tickets.file(submission());
    await expect(h.app.services.tickets.file(submission())).rejects.toBeInstanceOf(RateLimitedError);
    const again = await h.app.services.tickets.file(first);
    expect(again).toMatchObject({ created: false, ticket: { radicado: ticket.radicado } });
  });
});
