/**
 * Issue 20, defect 3: an error on the queue card re-renders the same card — its inputs, its buttons,
 * the message on it — instead of replacing it with one line.
 */
import { fileTicket, queueCard, registerQueue } from '../helpers/desk';
import { cardAction, cardText, channelConversation, findAction, invokeCard, startHarness, USERS, type Harness } from '../helpers/harness';

describe('errors on the queue card', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await registerQueue(h);
  });
  afterAll(() => h.close());

  const act = (u: typeof USERS.agent, verb: string, data: object, locale = 'es-CO') => h.post(cardAction(h, u, verb, data, locale, channelConversation()));

  it.each([
    ['es-CO', 'Escriba la solución antes de resolver.', 'Resolver', 'El mensaje está vacío.', 'Elija en la lista el ingeniero'],
    ['en-US', 'Write the resolution before resolving.', 'Resolve', 'The message is empty.', 'Choose in the list the engineer'],
  ])('keeps the card with its buttons after "Resolver"/"Responder" with an empty box and "Asignar a…" with nobody (%s)', async (locale, noteNeedle, resolveTitle, replyNeedle, assignNeedle) => {
    const ticket = await fileTicket(h);
    await queueCard(h, ticket.radicado);
    invokeCard(await act(USERS.supervisor, 'queue.take', { ticketId: ticket.id }, locale));
    for (const [verb, needle] of [
      ['queue.resolve', noteNeedle],
      ['queue.reply', replyNeedle],
      ['queue.assign', assignNeedle],
    ] as const) {
      const card = invokeCard(await act(USERS.supervisor, verb, { ticketId: ticket.id, message: '   ' }, locale));
      const text = cardText(card);
      expect({ verb, has: text.toLowerCase().includes(needle.toLowerCase()) }).toEqual({ verb, has: true });
      expect(text.split('\n')[0]).toBe(ticket.radicado);
      expect(findAction(card, resolveTitle).verb).toBe('queue.resolve');
      expect(JSON.stringify(card)).toContain('"id":"message"');
    }
    expect((await h.app.tickets.get(ticket.id))!.status).toBe('assigned');
  });

  it('shows who won a "Tomar" race on the card, which stays the queue card', async () => {
    const ticket = await fileTicket(h);
    await queueCard(h, ticket.radicado);
    invokeCard(await act(USERS.agent, 'queue.take', { ticketId: ticket.id }));
    const lost = invokeCard(await act(USERS.agent2, 'queue.take', { ticketId: ticket.id }));
    const text = cardText(lost);
    expect(text.split('\n')[0]).toBe(ticket.radicado);
    expect(text).toContain(USERS.agent.name);
    expect(text).toContain(`El caso ${ticket.radicado} ya lo tiene ${USERS.agent.name}.`);
  });
});
