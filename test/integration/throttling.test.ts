/**
 * A 429 storm (issue 18): the connector refuses everything for ~10 s with Retry-After. Every direct
 * reply and every notification still arrives, exactly once and in order per conversation, and
 * Teams never gets a 5xx.
 */
import { cardOf, cardOrText, fileTicket, personalId, queueCard, registerQueue, until } from '../helpers/desk';
import { cardAction, channelConversation, installPersonal, invokeCard, message, startHarness, USERS, type Harness } from '../helpers/harness';

jest.setTimeout(90_000);

describe('replies under a 429 storm', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { replyGuard: { messageBudgetMs: 1500, invokeBudgetMs: 800 } });
    for (const u of [USERS.employee, USERS.agent]) await h.post(installPersonal(h, u));
    await registerQueue(h);
  });
  afterAll(() => h.close());

  it('delivers every direct reply and notification once, in order, after the storm; no 5xx', async () => {
    const ticket = await fileTicket(h);
    await queueCard(h, ticket.radicado);
    const ana = personalId(USERS.employee);
    const ivan = personalId(USERS.agent);
    const seenAna = h.connector.messagesTo(ana).length;
    const seenIvan = h.connector.messagesTo(ivan).length;

    h.connector.storm(10_000, 1);
    const statuses: number[] = [];
    // Ana asks three things; each answer is refused by the connector.
    for (const text of ['ayuda', 'mis casos', `estado del radicado ${ticket.radicado}`]) statuses.push((await h.post(message(h, USERS.employee, text))).status);
    // Iván takes the case from his chat (the card answers in place; the extra message is refused) and replies.
    const take = await h.post(cardAction(h, USERS.agent, 'queue.take', { ticketId: ticket.id }));
    statuses.push(take.status);
    expect(cardOrText({ body: { attachments: [{ content: invokeCard(take) }] } } as never)).toContain(ticket.radicado);
    const reply = await h.post(cardAction(h, USERS.agent, 'queue.reply', { ticketId: ticket.id, message: 'Hola Ana, ya reviso su VPN.' }, 'es-CO', channelConversation()));
    statuses.push(reply.status);
    // One more question from Ana while the storm lasts: it must not overtake the earlier ones.
    statuses.push((await h.post(message(h, USERS.employee, 'ayuda'))).status);
    expect(statuses.every((s) => s < 500)).toBe(true);
    expect(h.connector.stormRefused).toBeGreaterThan(0);
    expect(h.connector.messagesTo(ana).length).toBe(seenAna);

    await until(async () => (await h.app.storage.outbox.pendingCount()) === 0 && Date.now() > 0, 60_000);
    const toAna = h.connector.messagesTo(ana).slice(seenAna).map((r) => (cardOf(r) ? cardOrText(r) : r.body.text ?? ''));
    const kinds = toAna.map((t) =>
      t.includes('¿Cómo le ayudo?')
        ? 'help'
        : t.includes('Plantilla') && t.includes(ticket.radicado)
          ? 'status card'
          : t.includes('Mis casos')
          ? 'my tickets'
          : t.includes('Hola Ana, ya reviso su VPN.')
            ? 'engineer reply'
            : t.includes(`Su caso ${ticket.radicado} lo atiende ahora ${USERS.agent.name}`)
              ? 'assigned'
              : t.includes('cambió a: En progreso')
                ? 'in progress'
                : t.slice(0, 60),
    );
    // Each answer and notice exactly once, in the order they happened.
    expect(kinds).toEqual(['help', 'my tickets', 'status card', 'assigned', 'engineer reply', 'in progress', 'help']);
    // Iván's "taken" message arrives once.
    const toIvan = h.connector.messagesTo(ivan).slice(seenIvan).map(cardOrText);
    expect(toIvan.filter((t) => t.includes(`Tomó el caso ${ticket.radicado}`) || (t.includes(ticket.radicado) && /tom/i.test(t)))).toHaveLength(1);
  });
});
