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

  it.each([
    ['es-CO', 'Sobran 1000 caracteres: el máximo es 4000.', 'Responder'],
    ['en-US', '1000 characters too many: the maximum is 4000.', 'Reply'],
  ])('keeps an over-long reply or note whole on the card and says how much to cut (%s)', async (locale, needle, replyTitle) => {
    const ticket = await fileTicket(h);
    await queueCard(h, ticket.radicado);
    invokeCard(await act(USERS.agent, 'queue.take', { ticketId: ticket.id }, locale));
    const long = 'x'.repeat(5000);
    for (const [verb, field] of [['queue.reply', 'message'], ['queue.resolve', 'resolutionNote']] as const) {
      const card = invokeCard(await act(USERS.agent, verb, { ticketId: ticket.id, [field]: long }, locale));
      expect({ verb, text: cardText(card) }).toEqual({ verb, text: expect.stringContaining(needle) });
      expect(JSON.stringify(card)).toContain(`"value":"${long}"`);
      expect(findAction(card, replyTitle).verb).toBe('queue.reply');
    }
    const after = (await h.app.tickets.get(ticket.id))!;
    expect(after.status).toBe('assigned');
  });
});

describe('errors on the requester\'s status card', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await registerQueue(h);
  });
  afterAll(() => h.close());

  it.each([
    ['es-CO', 'El mensaje está vacío.', 'Sobran 5 caracteres: el máximo es 4000.', 'Enviar', 'Mis casos'],
    ['en-US', 'The message is empty.', '5 characters too many: the maximum is 4000.', 'Send', 'My tickets'],
  ])('keeps the status card, its box and its buttons after "Responder" with an empty or over-long message (%s)', async (locale, emptyNeedle, longNeedle, replyTitle, myTitle) => {
    const ticket = await fileTicket(h);
    const empty = invokeCard(await h.post(cardAction(h, USERS.employee, 'ticket.reply', { ticketId: ticket.id, message: '  ' }, locale)));
    expect(cardText(empty).split('\n')[0]).toBe(ticket.radicado);
    expect(cardText(empty)).toContain(emptyNeedle);
    expect(findAction(empty, replyTitle).verb).toBe('ticket.reply');
    expect(findAction(empty, myTitle)).toBeTruthy();
    const long = 'y'.repeat(4005);
    const cut = invokeCard(await h.post(cardAction(h, USERS.employee, 'ticket.reply', { ticketId: ticket.id, message: long }, locale)));
    expect(cardText(cut)).toContain(longNeedle);
    expect(JSON.stringify(cut)).toContain(`"value":"${long}"`);
    expect(await h.app.tickets.events(ticket.id, { kinds: ['message'] })).toEqual([]);
  });

  it('keeps the status card, current, when "Cancelar" comes after an engineer took the case', async () => {
    const ticket = await fileTicket(h);
    const before = invokeCard(await h.post(cardAction(h, USERS.employee, 'ticket.status', { ticketId: ticket.id })));
    expect(findAction(before, 'Cancelar solicitud').verb).toBe('ticket.cancel');
    invokeCard(await h.post(cardAction(h, USERS.agent, 'queue.take', { ticketId: ticket.id }, 'es-CO', channelConversation())));
    const late = invokeCard(await h.post(cardAction(h, USERS.employee, 'ticket.cancel', { ticketId: ticket.id })));
    const text = cardText(late);
    expect(text.split('\n')[0]).toBe(ticket.radicado);
    expect(text).toContain(`Esa acción no aplica al estado actual del caso ${ticket.radicado} (Asignado).`);
    expect(text).toContain(USERS.agent.name);
    expect(findAction(late, 'Enviar').verb).toBe('ticket.reply');
    expect(() => findAction(late, 'Cancelar solicitud')).toThrow();
    expect((await h.app.tickets.get(ticket.id))!.status).toBe('assigned');
  });
});

describe('the queue card shows each person the actions they may take', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await registerQueue(h);
  });
  afterAll(() => h.close());

  const refresh = async (u: typeof USERS.agent, ticketId: number) =>
    invokeCard(await h.post(cardAction(h, u, 'queue.refresh', { ticketId }, 'es-CO', channelConversation())));
  const titles = (card: unknown) => {
    const out: string[] = [];
    const walk = (n: any) => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (n && typeof n === 'object') {
        if (typeof n.type === 'string' && n.type.startsWith('Action.') && typeof n.title === 'string') out.push(n.title);
        // The Action.Submit fallback of a button is the same button.
        for (const [k, v] of Object.entries(n)) if (k !== 'fallback') walk(v);
      }
    };
    walk(card);
    return out;
  };
  const inputs = (card: unknown) => (JSON.stringify(card).match(/"id":"(\w+)"/g) ?? []).map((m) => m.slice(6, -1));

  it('gives the assignee the reply and resolution inputs, another engineer only the case, a supervisor "Asignar a…" and "Declarar incidente mayor"', async () => {
    const ticket = await fileTicket(h);
    await queueCard(h, ticket.radicado);
    // Unassigned: engineers may take it; only the supervisor may assign.
    expect(titles(await refresh(USERS.agent2, ticket.id))).toEqual(['Tomar']);
    // Only a supervisor declares a major incident from a case.
    expect(titles(await refresh(USERS.supervisor, ticket.id))).toEqual(['Tomar', 'Asignar a…', 'Declarar incidente mayor']);
    invokeCard(await h.post(cardAction(h, USERS.agent, 'queue.take', { ticketId: ticket.id }, 'es-CO', channelConversation())));
    const ivan = await refresh(USERS.agent, ticket.id);
    expect(titles(ivan)).toEqual(['Responder', 'En progreso', 'Esperando al usuario', 'Resolver']);
    expect(inputs(ivan)).toEqual(['message', 'resolutionNote']);
    expect(cardText(ivan)).toContain('Nota de solución (obligatoria para «Resolver»)');
    const laura = await refresh(USERS.agent2, ticket.id);
    expect(titles(laura)).toEqual([]);
    expect(inputs(laura)).toEqual([]);
    expect(titles(await refresh(USERS.supervisor, ticket.id))).toEqual(['Responder', 'En progreso', 'Esperando al usuario', 'Resolver', 'Asignar a…', 'Declarar incidente mayor']);
  });

  it('"Resolver" takes its own note and keeps what was typed when the note is missing', async () => {
    const ticket = await fileTicket(h);
    await queueCard(h, ticket.radicado);
    invokeCard(await h.post(cardAction(h, USERS.agent, 'queue.take', { ticketId: ticket.id }, 'es-CO', channelConversation())));
    const missing = invokeCard(
      await h.post(cardAction(h, USERS.agent, 'queue.resolve', { ticketId: ticket.id, message: 'Le escribo luego', resolutionNote: ' ' }, 'es-CO', channelConversation())),
    );
    expect(cardText(missing)).toContain('Escriba la solución antes de resolver.');
    expect(JSON.stringify(missing)).toContain('"value":"Le escribo luego"');
    expect((await h.app.tickets.get(ticket.id))!.status).toBe('assigned');
    const done = invokeCard(
      await h.post(cardAction(h, USERS.agent, 'queue.resolve', { ticketId: ticket.id, message: '', resolutionNote: 'Se reinstaló el cliente VPN.' }, 'es-CO', channelConversation())),
    );
    expect(cardText(done)).toContain('Se reinstaló el cliente VPN.');
    const after = (await h.app.tickets.get(ticket.id))!;
    expect({ status: after.status, note: after.resolutionNote }).toEqual({ status: 'resolved', note: 'Se reinstaló el cliente VPN.' });
  });
});

describe('Action.Submit fallbacks for clients without Universal Actions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await registerQueue(h);
  });
  afterAll(() => h.close());

  it('resolves a case from the fallback of "Resolver", sent as a message with the typed note merged in', async () => {
    const ticket = await fileTicket(h);
    await queueCard(h, ticket.radicado);
    const taken = invokeCard(await h.post(cardAction(h, USERS.agent, 'queue.take', { ticketId: ticket.id }, 'es-CO', channelConversation())));
    const fallback = findAction(taken, 'Resolver').fallback;
    expect(fallback.type).toBe('Action.Submit');
    const submit = { ...cardAction(h, USERS.agent, 'x', {}, 'es-CO', channelConversation()), type: 'message', name: undefined, text: '', value: { ...fallback.data, resolutionNote: 'Se cambió el cable de red.' } };
    expect((await h.post(submit)).status).toBe(200);
    const after = (await h.app.tickets.get(ticket.id))!;
    expect({ status: after.status, note: after.resolutionNote }).toEqual({ status: 'resolved', note: 'Se cambió el cable de red.' });
  });
});
