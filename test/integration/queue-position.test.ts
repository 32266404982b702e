/**
 * Live queue position: the requester's confirmation and status cards say "Usted es el número N en
 * la cola" with an estimate, refresh themselves for the requester (Universal Actions), and the sent
 * confirmation card is updated in place (updateActivity through the outbox) when the queue moves.
 */
import type { Ticket } from '../../src/domain/tickets/model';
import { POSITION_UPDATE_LIMIT } from '../../src/domain/queue/position';
import { cardAction, cardText, channelMessage, installPersonal, invokeCard, message, personalConversation, randomUUID, startHarness, TEAM, TENANT, USERS, type Harness, type TestUser } from '../helpers/harness';
import type { Recorded } from '../helpers/connector';
import { cardOf, REMOTE_ACCESS_FORM } from '../helpers/desk';

const REMOTE = REMOTE_ACCESS_FORM;
const RAD = /MDA-\d{4}-\d{6}/;
const AGENT = { oid: USERS.agent.oid, name: USERS.agent.name, roles: ['agent' as const] };

/**
 * Files over HTTP as Teams does it: the form card is a message (`cardMessageId`) in the user's chat,
 * and "Guardar" is an invoke replying to it, whose answer replaces that card.
 */
async function fileFromCard(h: Harness, user: TestUser, cardMessageId: string) {
  const form = invokeCard(await h.post(cardAction(h, user, 'catalog.form', { templateId: 'solicitud-acceso-remoto' })));
  const save = form.actions.find((a: any) => a.verb === 'ticket.submit');
  const res = await h.post({ ...cardAction(h, user, save.verb, { ...save.data, ...REMOTE }), replyToId: cardMessageId });
  const card = invokeCard(res);
  const ticket = (await h.app.tickets.getByRadicado(RAD.exec(cardText(card))![0]))!;
  return { card, ticket };
}

async function until(pred: () => boolean | Promise<boolean>) {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > 10_000) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The latest in-place update of one message. */
const lastUpdate = (h: Harness, user: TestUser, activityId: string) =>
  h.connector.sent.filter((r) => r.method === 'PUT' && r.conversationId === personalConversation(user).id && r.activityId === activityId).at(-1);

async function waitForUpdate(h: Harness, user: TestUser, activityId: string, needle: string) {
  try {
    await h.connector.waitFor(() => cardText(cardOf(lastUpdate(h, user, activityId) ?? ({} as Recorded)) ?? {}).includes(needle));
  } catch {
    throw new Error(`no update of ${activityId} with "${needle}"; last: ${cardText(cardOf(lastUpdate(h, user, activityId) ?? ({} as Recorded)) ?? {})}`);
  }
  return cardOf(lastUpdate(h, user, activityId)!);
}

async function drained(h: Harness) {
  await until(async () => (await h.app.storage.outbox.pendingCount()) === 0);
}

describe('live queue position on the requester\'s cards', () => {
  let h: Harness;
  beforeEach(async () => {
    // Many tickets of one requester in the bound test.
    h = await startHarness({ TICKETS_PER_HOUR: '100' });
    await h.post(channelMessage(h, USERS.supervisor, 'registrar cola'));
    for (const u of [USERS.employee, USERS.manager, USERS.secretary, USERS.agent]) await h.post(installPersonal(h, u));
  });
  afterEach(async () => {
    await h.close();
  });

  it('moves the position on the sent confirmation cards when an earlier ticket is taken', async () => {
    const ana = await fileFromCard(h, USERS.employee, 'form-ana');
    const jorge = await fileFromCard(h, USERS.manager, 'form-jorge');
    const sara = await fileFromCard(h, USERS.secretary, 'form-sara');
    expect(cardText(ana.card)).toContain('Usted es el número 1 en la cola.');
    expect(cardText(jorge.card)).toContain('Usted es el número 2 en la cola.');
    expect(cardText(sara.card)).toContain('Usted es el número 3 en la cola.');
    expect(cardText(jorge.card)).toContain('sin estimación');
    // The card refreshes itself for its requester only.
    expect(jorge.card.refresh).toMatchObject({ action: { type: 'Action.Execute', verb: 'ticket.refresh', data: { ticketId: jorge.ticket.id } }, userIds: [USERS.manager.id] });

    // Iván takes Ana's ticket: Jorge and Sara move up, on the cards they already have.
    await h.post(channelMessage(h, USERS.agent, `tomar ${ana.ticket.radicado}`));
    const j = await waitForUpdate(h, USERS.manager, 'form-jorge', 'Usted es el número 1 en la cola.');
    expect(cardText(j)).toContain(jorge.ticket.radicado);
    expect(j.refresh.userIds).toEqual([USERS.manager.id]);
    await waitForUpdate(h, USERS.secretary, 'form-sara', 'Usted es el número 2 en la cola.');
    // Ana's own card now says who has it, without a position; while open it keeps refreshing for her.
    const a = await waitForUpdate(h, USERS.employee, 'form-ana', 'Asignado');
    expect(cardText(a)).not.toContain('en la cola.');
    expect(a.refresh.userIds).toEqual([USERS.employee.id]);

    // Jorge cancels: Sara is first.
    await h.post(cardAction(h, USERS.manager, 'ticket.cancel', { ticketId: jorge.ticket.id }));
    await waitForUpdate(h, USERS.secretary, 'form-sara', 'Usted es el número 1 en la cola.');
  });

  it('updates the requester\'s confirmation card in place on every change of state, not only on take', async () => {
    const ana = await fileFromCard(h, USERS.employee, 'form-ana-2');
    await h.post(channelMessage(h, USERS.agent, `tomar ${ana.ticket.radicado}`));
    await waitForUpdate(h, USERS.employee, 'form-ana-2', 'Asignado');
    const conv = { id: TEAM.channelId, conversationType: 'channel', isGroup: true, tenantId: TENANT };
    await h.post(cardAction(h, USERS.agent, 'queue.start', { ticketId: ana.ticket.id }, 'es-CO', conv));
    await waitForUpdate(h, USERS.employee, 'form-ana-2', 'En progreso');
    await h.post(cardAction(h, USERS.agent, 'queue.resolve', { ticketId: ana.ticket.id, resolutionNote: 'Listo, ya conecta.' }, 'es-CO', conv));
    const resolved = await waitForUpdate(h, USERS.employee, 'form-ana-2', 'Resuelto');
    // Closed for good: the card no longer asks Teams to refresh it.
    expect(cardText(resolved)).toContain(ana.ticket.radicado);
  });

  it('answers the Universal Actions refresh with the current position, only for those who may see the ticket', async () => {
    const ana = await fileFromCard(h, USERS.employee, 'form-ana');
    const jorge = await fileFromCard(h, USERS.manager, 'form-jorge');
    expect((await h.app.services.tickets.take(ana.ticket, AGENT)).ok).toBe(true);
    const refresh = { ...jorge.card.refresh.action.data };
    const fresh = invokeCard(await h.post({ ...cardAction(h, USERS.manager, 'ticket.refresh', refresh), value: { action: { type: 'Action.Execute', verb: 'ticket.refresh', data: refresh }, trigger: 'automatic' } }));
    expect(cardText(fresh)).toContain('Usted es el número 1 en la cola.');
    expect(cardText(fresh)).toContain('Solicitud registrada');
    const foreign = invokeCard(await h.post(cardAction(h, USERS.stranger, 'ticket.refresh', refresh)));
    expect(cardText(foreign)).toContain('No encontré ese caso entre los que puede consultar');
    expect(cardText(foreign)).not.toContain(jorge.ticket.radicado);

    // The status card too: for its requester it refreshes itself, for an engineer it does not.
    const statusActivity = message(h, USERS.manager, `estado del radicado ${jorge.ticket.radicado}`);
    await h.post(statusActivity);
    await h.connector.waitFor(() => h.connector.sent.some((r) => r.replyToId === statusActivity.id));
    const status = cardOf(h.connector.sent.find((r) => r.replyToId === statusActivity.id)!);
    expect(cardText(status)).toContain('Usted es el número 1 en la cola.');
    expect(status.refresh).toMatchObject({ action: { verb: 'ticket.refresh', data: { ticketId: jorge.ticket.id, view: 'status' } }, userIds: [USERS.manager.id] });
    const staff = invokeCard(await h.post(cardAction(h, USERS.agent, 'ticket.status', { ticketId: jorge.ticket.id })));
    expect(staff.refresh).toBeUndefined();
  });

  it('estimates the wait from the recent takes once there are enough of them', async () => {
    const file = (user: TestUser) =>
      h.app.services.tickets.file({
        submissionKey: randomUUID(),
        requester: { oid: user.oid, tenantId: TENANT, name: user.name },
        locale: 'es',
        phone: '300 123 4567',
        contactChannel: 'teams',
        categoryId: 'mesa-servicio-primer-nivel',
        serviceId: 'acceso-remoto',
        templateId: 'falla-conexion-vpn',
        fieldValues: {},
        description: 'La VPN no conecta.',
        priority: 'high',
      });
    const taken: Ticket[] = [];
    for (let i = 0; i < 4; i++) taken.push((await file(USERS.stranger)).ticket);
    const waiting = await fileFromCard(h, USERS.manager, 'form-jorge');
    for (const t of taken.slice(0, 3)) expect((await h.app.services.tickets.take(t, AGENT)).ok).toBe(true);
    // Three takes are two intervals: still too little to say.
    let s = cardText(invokeCard(await h.post(cardAction(h, USERS.manager, 'ticket.status', { ticketId: waiting.ticket.id }))));
    expect(s).toContain('Usted es el número 2 en la cola.');
    expect(s).toContain('sin estimación');
    expect((await h.app.services.tickets.take(taken[3], AGENT)).ok).toBe(true);
    // Four takes a few milliseconds apart: the median interval rounds to nothing, the estimate to a minute.
    s = cardText(invokeCard(await h.post(cardAction(h, USERS.manager, 'ticket.status', { ticketId: waiting.ticket.id }))));
    expect(s).toContain('Usted es el número 1 en la cola.');
    expect(s).toContain('Tiempo estimado para ser atendido: unos 1 min hábiles (según el ritmo de las últimas 4 atenciones de esta cola).');
  });

  it(`updates at most ${POSITION_UPDATE_LIMIT} waiting cards behind a move`, async () => {
    const tickets: Ticket[] = [];
    for (let i = 0; i < POSITION_UPDATE_LIMIT + 5; i++) {
      const { ticket } = await h.app.services.tickets.file({
        submissionKey: randomUUID(),
        requester: { oid: USERS.employee.oid, tenantId: TENANT, name: USERS.employee.name },
        locale: 'es',
        contactChannel: 'teams',
        categoryId: 'mesa-servicio-primer-nivel',
        serviceId: 'acceso-remoto',
        templateId: 'falla-conexion-vpn',
        fieldValues: {},
        description: `Caso ${i}`,
        priority: 'high',
      });
      tickets.push(ticket);
      await h.app.services.requesterCards.save({ ticketId: ticket.id, conversationId: personalConversation(USERS.employee).id, activityId: `card-${i}`, userId: USERS.employee.id }, new Date());
    }
    await drained(h);
    h.connector.clear();
    expect((await h.app.services.tickets.take(tickets[0], AGENT)).ok).toBe(true);
    h.app.dispatcher.kick();
    await drained(h);
    const updated = new Set(h.connector.sent.filter((r) => r.method === 'PUT' && r.activityId?.startsWith('card-')).map((r) => r.activityId));
    // The taken ticket itself and the first POSITION_UPDATE_LIMIT behind it.
    expect(updated.size).toBe(POSITION_UPDATE_LIMIT + 1);
    expect(updated.has('card-0')).toBe(true);
    expect(updated.has(`card-${POSITION_UPDATE_LIMIT}`)).toBe(true);
    expect(updated.has(`card-${POSITION_UPDATE_LIMIT + 1}`)).toBe(false);
    expect(cardText(cardOf(lastUpdate(h, USERS.employee, 'card-1')!))).toContain('Usted es el número 1 en la cola.');
  });
});

describe('queue position per support queue', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('counts only the tickets of the same queue when a category has its own', async () => {
    h = await startHarness();
    await h.post(channelMessage(h, USERS.supervisor, 'registrar cola'));
    const other = { ...channelMessage(h, USERS.supervisor, 'registrar cola correo y colaboración') } as any;
    other.conversation = { ...other.conversation, id: '19:correo@thread.tacv2' };
    other.channelData = { ...other.channelData, channel: { id: '19:correo@thread.tacv2' } };
    await h.post(other);
    await until(async () => (await h.app.services.queues.list()).length === 2);
    const mail = invokeCard(await h.post(cardAction(h, USERS.manager, 'catalog.form', { templateId: 'ampliacion-buzon' })));
    const save = mail.actions.find((a: any) => a.verb === 'ticket.submit');
    const mailCard = invokeCard(await h.post(cardAction(h, USERS.manager, save.verb, { ...save.data, description: 'Mi buzón está lleno y no recibo correos.', phone: '300 123 4567', contactChannel: 'teams' })));
    const vpn = await fileFromCard(h, USERS.employee, 'form-ana');
    // Each is first in its own queue.
    expect(cardText(mailCard)).toContain('Usted es el número 1 en la cola.');
    expect(cardText(vpn.card)).toContain('Usted es el número 1 en la cola.');
  });
});
