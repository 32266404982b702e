/**
 * The support engineers' queue in a Teams channel, end to end over HTTP: register the queue, a new
 * ticket arrives as a card in its own thread, take it, talk with the requester both ways, resolve,
 * confirm — and the server-side permission checks and FIFO rules.
 */
import type { Ticket } from '../../src/domain/tickets/model';
import {
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
import type { Recorded } from '../helpers/connector';

async function registerQueue(h: Harness) {
  const res = await h.post(channelMessage(h, USERS.supervisor, 'registrar cola'));
  expect(res.status).toBe(200);
  await h.connector.waitFor(() => h.connector.messagesTo(TEAM.channelId).some((r) => cardOrText(r).includes('cola de soporte')));
}

/** Files a ticket through the domain service (the UI path is covered by filing.test.ts). */
async function fileTicket(h: Harness, requester: TestUser = USERS.employee, description = 'No puedo conectarme a la VPN desde casa.'): Promise<Ticket> {
  const { ticket } = await h.app.services.tickets.file({
    submissionKey: randomUUID(),
    requester: { oid: requester.oid, tenantId: TENANT, name: requester.name, email: requester.email, department: 'Talento Humano' },
    locale: 'es',
    phone: '300 123 4567',
    contactChannel: 'teams',
    categoryId: 'mesa-servicio-primer-nivel',
    serviceId: 'acceso-remoto',
    templateId: 'falla-conexion-vpn',
    fieldValues: {},
    description,
    priority: 'normal' as Ticket['priority'],
  });
  h.app.dispatcher.kick();
  return ticket;
}

function cardOf(r: Recorded): any {
  return r.body?.attachments?.[0]?.content;
}
function cardOrText(r: Recorded): string {
  return [r.body?.text ?? '', cardOf(r) ? cardText(cardOf(r)) : ''].join('\n');
}

/** Waits for the queue card of a radicado in the channel (a new top-level post). */
async function queueCard(h: Harness, radicado: string): Promise<Recorded> {
  const find = () => h.connector.messagesTo(TEAM.channelId).find((r) => cardOf(r) && cardText(cardOf(r)).split('\n')[0] === radicado);
  await h.connector.waitFor(() => !!find());
  // The bot records the card's activity id right after Teams answers.
  await until(async () => !!(await h.app.tickets.getByRadicado(radicado))?.queueActivityId);
  return find()!;
}

async function until(pred: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const personalId = (u: TestUser) => personalConversation(u).id;
const threadId = (rootId: string) => `${TEAM.channelId};messageid=${rootId}`;

/** Waits for a message to a conversation whose text contains all the given strings. */
async function waitForMessage(h: Harness, conversationId: string, ...needles: string[]): Promise<Recorded> {
  const find = () => h.connector.messagesTo(conversationId).find((r) => needles.every((n) => cardOrText(r).includes(n)));
  try {
    await h.connector.waitFor(() => !!find(), 5000);
  } catch (err) {
    const seen = h.connector.messagesTo(conversationId).map((r) => cardOrText(r).replace(/\n/g, ' | ')).join('\n  ');
    throw new Error(`no message to ${conversationId} containing ${JSON.stringify(needles)}; seen:\n  ${seen}`);
  }
  return find()!;
}

/** Waits until the dispatcher has nothing left to deliver. */
async function drained(h: Harness) {
  const start = Date.now();
  const pending = () => h.app.storage.outbox.pendingCount();
  while ((await pending()) > 0) {
    if (Date.now() - start > 10_000) throw new Error(`outbox still has ${await pending()} pending`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function history(h: Harness, ticketId: number) {
  return h.app.tickets.events(ticketId);
}

describe('the support queue in a Teams channel', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    // The requester has talked to the bot before: the bot can write to them 1:1.
    await h.post(installPersonal(h, USERS.employee));
    for (const u of [USERS.agent, USERS.agent2, USERS.supervisor]) await h.post(installPersonal(h, u));
    await h.connector.waitFor(() => h.connector.messagesTo(personalId(USERS.employee)).length >= 1);
  });
  afterEach(async () => {
    await h.close();
  });

  it('walks a ticket from the queue card to closed, relaying every message both ways', async () => {
    await registerQueue(h);
    const ticket = await fileTicket(h);
    const post = await queueCard(h, ticket.radicado);
    const rootId = (await h.app.tickets.get(ticket.id))!.queueActivityId!;
    expect(rootId).toBeTruthy();
    const posted = cardText(cardOf(post));
    for (const s of [ticket.radicado, 'Ana Empleada', 'Acceso remoto', 'No puedo conectarme a la VPN', '300 123 4567', 'Nuevo, en cola']) {
      expect(posted).toContain(s);
    }
    findAction(cardOf(post), 'Tomar');

    // Iván takes it from the card in the channel.
    const taken = invokeCard(await press(h, USERS.agent, cardOf(post), 'Tomar', {}, channelConversation()));
    expect(cardText(taken)).toContain('Iván Ingeniero');
    await h.connector.waitFor(() => h.connector.sent.some((r) => r.method === 'PUT' && r.activityId === rootId && cardOrText(r).includes('Iván Ingeniero')));
    await waitForMessage(h, personalId(USERS.employee), `Su caso ${ticket.radicado} lo atiende ahora ${USERS.agent.name}`);

    // Iván replies from the card.
    const replyRes = await press(h, USERS.agent, taken, 'Responder', { message: 'Hola Ana, ¿qué error le muestra la VPN?' }, channelConversation());
    invokeCard(replyRes);
    const notice = await waitForMessage(h, personalId(USERS.employee), 'Iván Ingeniero', ticket.radicado, '¿qué error le muestra la VPN?');
    findAction(cardOf(notice), 'Responder');

    // Ana answers with the button on that card: the answer lands in the ticket's thread.
    const anaRes = await press(h, USERS.employee, cardOf(notice), 'Responder', { message: 'Dice error 809.' });
    invokeCard(anaRes);
    await waitForMessage(h, threadId(rootId), 'Ana Empleada', ticket.radicado, 'Dice error 809.');

    // Iván types in the thread, mentioning the bot: Ana gets it.
    const typed = await h.post(channelMessage(h, USERS.agent, 'Reinicie el cliente VPN y pruebe de nuevo.', rootId));
    expect(typed.status).toBe(200);
    await waitForMessage(h, personalId(USERS.employee), 'Iván Ingeniero', 'Reinicie el cliente VPN');

    // Ana answers in plain text (one ticket in conversation): it also lands in the thread.
    await h.post(message(h, USERS.employee, 'Ya funciona, gracias.'));
    await waitForMessage(h, threadId(rootId), 'Ana Empleada', 'Ya funciona, gracias.');

    // Resolve needs a note.
    let current = (await h.app.tickets.get(ticket.id))!;
    const cardNow = await currentQueueCard(h, current);
    const noNote = await press(h, USERS.agent, cardNow, 'Resolver', { resolutionNote: '  ' }, channelConversation());
    expect(cardText(invokeCard(noNote))).toContain('Escriba la solución');
    expect((await h.app.tickets.get(ticket.id))!.status).not.toBe('resolved');

    const resolved = await press(h, USERS.agent, cardNow, 'Resolver', { resolutionNote: 'Se reinstaló el cliente VPN.' }, channelConversation());
    expect(cardText(invokeCard(resolved))).toContain('Resuelto');
    const resolvedNotice = await waitForMessage(h, personalId(USERS.employee), ticket.radicado, 'Resuelto', 'Se reinstaló el cliente VPN.');

    // Ana confirms: closed.
    const confirmed = await press(h, USERS.employee, cardOf(resolvedNotice), 'Confirmar solución');
    expect(cardText(invokeCard(confirmed))).toContain('Cerrado');
    current = (await h.app.tickets.get(ticket.id))!;
    expect(current.status).toBe('closed');
    await drained(h);
    await h.connector.waitFor(() => h.connector.sent.some((r) => r.method === 'PUT' && r.activityId === rootId && cardOrText(r).includes('Cerrado')));

    const events = await history(h, ticket.id);
    // The engineer's first reply starts the work: assigned → in progress.
    expect(events.map((e) => e.kind)).toEqual(['created', 'assigned', 'status_changed', 'message', 'status_changed', 'message', 'message', 'message', 'status_changed', 'confirmed']);
    expect(events.filter((e) => ['status_changed', 'confirmed'].includes(e.kind)).map((e) => e.data.to)).toEqual(['assigned', 'in_progress', 'resolved', 'closed']);
    expect(events.find((e) => e.data.to === 'resolved')!.data.note).toBe('Se reinstaló el cliente VPN.');
    expect(await h.app.tickets.verifyHistory()).toEqual([]);
    const texts = (await history(h, ticket.id)).filter((e) => e.kind === 'message').map((e) => [e.data.from, e.data.text]);
    expect(texts).toEqual([
      ['agent', 'Hola Ana, ¿qué error le muestra la VPN?'],
      ['requester', 'Dice error 809.'],
      ['agent', 'Reinicie el cliente VPN y pruebe de nuevo.'],
      ['requester', 'Ya funciona, gracias.'],
    ]);
  });

  it('lets the requester reopen a resolved ticket with a reason, which the engineer is told', async () => {
    await registerQueue(h);
    await h.post(installPersonal(h, USERS.agent));
    const ticket = await fileTicket(h);
    const post = await queueCard(h, ticket.radicado);
    const taken = invokeCard(await press(h, USERS.agent, cardOf(post), 'Tomar', {}, channelConversation()));
    invokeCard(await press(h, USERS.agent, taken, 'Resolver', { resolutionNote: 'Listo.' }, channelConversation()));
    const notice = await waitForMessage(h, personalId(USERS.employee), ticket.radicado, 'Resuelto');
    // "Reabrir" asks why first; an empty reason keeps the question, with the button.
    const ask = invokeCard(await press(h, USERS.employee, cardOf(notice), 'Reabrir'));
    expect(cardText(ask)).toContain(`¿Por qué reabre el caso ${ticket.radicado}?`);
    expect((await h.app.tickets.get(ticket.id))!.status).toBe('resolved');
    const empty = invokeCard(await press(h, USERS.employee, ask, 'Reabrir', { reopenReason: '  ' }));
    expect(cardText(empty)).toContain('Escriba el motivo para reabrir el caso.');
    const reopened = invokeCard(await press(h, USERS.employee, empty, 'Reabrir', { reopenReason: 'La VPN volvió a desconectarse.' }));
    expect(cardText(reopened)).toContain('En progreso');
    expect(cardText(reopened)).toContain(`El caso ${ticket.radicado} fue reabierto. Le avisamos a ${USERS.agent.name}, que lo sigue atendiendo.`);
    expect((await h.app.tickets.get(ticket.id))!.status).toBe('in_progress');
    const reopenedEvent = (await history(h, ticket.id)).find((e) => e.kind === 'reopened');
    expect(reopenedEvent?.data).toMatchObject({ note: 'La VPN volvió a desconectarse.' });
    // Iván hears it in his chat, with the reason.
    await waitForMessage(h, personalId(USERS.agent), `${USERS.employee.name} reabrió el caso ${ticket.radicado}`, 'La VPN volvió a desconectarse.');
  });

  it('tells the previous engineer and the requester who attends the case after a reassignment', async () => {
    await registerQueue(h);
    for (const u of [USERS.agent, USERS.agent2, USERS.employee]) await h.post(installPersonal(h, u));
    const ticket = await fileTicket(h);
    await queueCard(h, ticket.radicado);
    invokeCard(await h.post(cardAction(h, USERS.agent, 'queue.take', { ticketId: ticket.id }, 'es-CO', channelConversation())));
    await waitForMessage(h, personalId(USERS.employee), `Su caso ${ticket.radicado} lo atiende ahora ${USERS.agent.name}`);
    invokeCard(await h.post(cardAction(h, USERS.supervisor, 'queue.assign', { ticketId: ticket.id, assignTo: USERS.agent2.oid }, 'es-CO', channelConversation())));
    await waitForMessage(h, personalId(USERS.agent), `El caso ${ticket.radicado} lo atiende ahora ${USERS.agent2.name}`, `Reasignado por ${USERS.supervisor.name}.`);
    await waitForMessage(h, personalId(USERS.employee), `Su caso ${ticket.radicado} lo atiende ahora ${USERS.agent2.name}`);
    await waitForMessage(h, personalId(USERS.agent2), `Se le asignó el caso ${ticket.radicado}`);
  });

  it('gives a ticket to exactly one of two engineers who press "Tomar" at the same moment', async () => {
    await registerQueue(h);
    const ticket = await fileTicket(h);
    const post = await queueCard(h, ticket.radicado);
    const [a, b] = await Promise.all([
      press(h, USERS.agent, cardOf(post), 'Tomar', {}, channelConversation()),
      press(h, USERS.agent2, cardOf(post), 'Tomar', {}, channelConversation()),
    ]);
    const after = (await h.app.tickets.get(ticket.id))!;
    expect(after.status).toBe('assigned');
    expect([USERS.agent.oid, USERS.agent2.oid]).toContain(after.assignee!.oid);
    const [winner, loser] = after.assignee!.oid === USERS.agent.oid ? [a, b] : [b, a];
    expect(cardText(invokeCard(winner))).toContain(after.assignee!.name);
    expect(cardText(invokeCard(loser))).toContain(`ya lo tiene ${after.assignee!.name}`);
    expect((await history(h, ticket.id)).filter((e) => e.kind === 'assigned')).toHaveLength(1);
  });

  it('refuses crafted Tomar / Resolver payloads from a non-staff employee and leaves the ticket unchanged', async () => {
    await registerQueue(h);
    const ticket = await fileTicket(h, USERS.manager);
    await queueCard(h, ticket.radicado);
    const before = (await h.app.tickets.get(ticket.id))!;
    for (const [verb, data] of [
      ['queue.take', { ticketId: ticket.id }],
      ['queue.resolve', { ticketId: ticket.id, resolutionNote: 'hecho' }],
      ['queue.reply', { ticketId: ticket.id, message: 'hola' }],
      ['queue.start', { ticketId: ticket.id }],
    ] as const) {
      for (const conv of [channelConversation(), personalConversation(USERS.employee)]) {
        const res = await h.post(cardAction(h, USERS.employee, verb, data, 'es-CO', conv));
        expect(res.status).toBe(200);
        // Not staff of the ticket's queue: the answer for a ticket that does not exist.
        expect(cardText(res.body.value)).toContain('No encontré ese caso entre los que puede consultar');
      }
    }
    // The requester himself cannot take or resolve his own ticket either.
    const own = await h.post(cardAction(h, USERS.manager, 'queue.resolve', { ticketId: ticket.id, resolutionNote: 'listo' }, 'es-CO', channelConversation()));
    expect(cardText(own.body.value)).toContain('No encontré ese caso entre los que puede consultar');
    const after = (await h.app.tickets.get(ticket.id))!;
    expect(after).toEqual(before);
    expect((await history(h, ticket.id)).map((e) => e.kind)).toEqual(['created']);
  });

  it('lets only the assignee or a supervisor change the state of an assigned ticket', async () => {
    await registerQueue(h);
    const ticket = await fileTicket(h);
    const post = await queueCard(h, ticket.radicado);
    invokeCard(await press(h, USERS.agent, cardOf(post), 'Tomar', {}, channelConversation()));
    const before = (await h.app.tickets.get(ticket.id))!;
    const laura = await h.post(cardAction(h, USERS.agent2, 'queue.resolve', { ticketId: ticket.id, resolutionNote: 'mío' }, 'es-CO', channelConversation()));
    expect(cardText(laura.body.value)).toContain('No tiene permiso');
    expect((await h.app.tickets.get(ticket.id))!.version).toBe(before.version);
    const sofia = await h.post(cardAction(h, USERS.supervisor, 'queue.resolve', { ticketId: ticket.id, resolutionNote: 'Resuelto por supervisión.' }, 'es-CO', channelConversation()));
    expect(cardText(invokeCard(sofia))).toContain('Resuelto');
    expect((await h.app.tickets.get(ticket.id))!.status).toBe('resolved');
  });

  it('"siguiente" assigns the oldest unassigned ticket and "cola" lists open tickets in arrival order', async () => {
    await registerQueue(h);
    const t1 = await fileTicket(h, USERS.employee, 'primero');
    const t2 = await fileTicket(h, USERS.manager, 'segundo');
    const t3 = await fileTicket(h, USERS.secretary, 'tercero');
    await queueCard(h, t3.radicado);

    await h.post(channelMessage(h, USERS.agent2, 'siguiente'));
    expect((await h.app.tickets.get(t1.id))!.assignee?.oid).toBe(USERS.agent2.oid);
    await h.post(channelMessage(h, USERS.agent, 'siguiente'));
    expect((await h.app.tickets.get(t2.id))!.assignee?.oid).toBe(USERS.agent.oid);
    expect((await h.app.tickets.get(t3.id))!.assignee).toBeUndefined();

    h.connector.clear();
    await h.post(channelMessage(h, USERS.agent, 'cola'));
    const list = await waitForMessage(h, TEAM.channelId, t1.radicado);
    const text = cardOrText(list);
    const order = [t1, t2, t3].map((t) => text.indexOf(t.radicado));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);

    // An employee cannot use the queue commands.
    h.connector.clear();
    await h.post(channelMessage(h, USERS.employee, 'siguiente'));
    await waitForMessage(h, TEAM.channelId, 'solo para el equipo de soporte');
    expect((await h.app.tickets.get(t3.id))!.assignee).toBeUndefined();
  });

  it('only lets a supervisor register the queue', async () => {
    const res = await h.post(channelMessage(h, USERS.agent, 'registrar cola'));
    expect(res.status).toBe(200);
    await h.connector.waitFor(() => h.connector.messagesTo(TEAM.channelId).length >= 1);
    expect(cardOrText(h.connector.messagesTo(TEAM.channelId)[0])).not.toContain('quedó registrado');
    expect(await h.app.services.queues.list()).toHaveLength(0);
  });
});

/** The queue card as it stands in the channel now (last in-place update, or the original post). */
async function currentQueueCard(h: Harness, ticket: Ticket) {
  await drained(h);
  const versions = h.connector.sent.filter(
    (r) => (r.method === 'PUT' && r.activityId === ticket.queueActivityId) || (r.method === 'POST' && r.conversationId === TEAM.channelId && cardOf(r) && cardText(cardOf(r)).startsWith(ticket.radicado)),
  );
  return cardOf(versions[versions.length - 1]);
}
