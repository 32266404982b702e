/**
 * Moving a case to another support queue ("mover a cola …", staff only), through the real server:
 * with a general queue in one team's channel and a mail queue in another's, the case's card is
 * posted in the new channel and left behind in the old one without buttons, the other team serves
 * it (and only it), the people involved are told, and it is in the history.
 */
import { cardOf, cardOrText, fileTicket, personalId, queueCard, registerQueue, until, waitForMessage } from '../helpers/desk';
import { BOT, cardAction, cardText, channelConversation, channelMessage, findAction, installPersonal, message, randomUUID, startHarness, TENANT, USERS, type Harness, type TestUser } from '../helpers/harness';

/** An engineer of the mail and collaboration team. */
const MARTA: TestUser = { id: '29:marta', oid: '00000000-0000-0000-0000-0000000000m1', name: 'Marta Correo', email: 'marta@entidad.gov.co' };
const MAIL_TEAM = { id: '19:team-correo@thread.tacv2', channelId: '19:correo@thread.tacv2' };

function inMailChannel(h: Harness, u: TestUser, text: string, threadRootId?: string) {
  const m = channelMessage(h, u, text);
  return {
    ...m,
    conversation: { ...m.conversation, id: threadRootId ? `${MAIL_TEAM.channelId};messageid=${threadRootId}` : MAIL_TEAM.channelId },
    channelData: { tenant: { id: TENANT }, team: { id: MAIL_TEAM.id }, channel: { id: MAIL_TEAM.channelId } },
  };
}
const mailConversation = () => ({ id: MAIL_TEAM.channelId, conversationType: 'channel', isGroup: true, tenantId: TENANT });

describe('moving a case to another support queue', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ TICKETS_PER_HOUR: '1000', LOOKUPS_PER_MINUTE: '1000' });
    h.connector.members.set(MARTA.id, { id: MARTA.id, name: MARTA.name, aadObjectId: MARTA.oid, email: MARTA.email });
    h.connector.teams.set(MAIL_TEAM.id, [{ id: MARTA.id, name: MARTA.name, aadObjectId: MARTA.oid }]);
    await registerQueue(h);
    expect((await h.post({ ...inMailChannel(h, USERS.supervisor, 'registrar cola Correo y colaboración'), recipient: BOT })).status).toBe(200);
    await h.connector.waitFor(() => h.connector.messagesTo(MAIL_TEAM.channelId).some((r) => /cola de soporte/.test(JSON.stringify(r.body))));
    for (const u of [USERS.employee, USERS.agent, MARTA, USERS.supervisor]) await h.post(installPersonal(h, u));
  });
  afterAll(() => h.close());

  const say = async (activity: object) => {
    const res = await h.post(activity);
    expect(res.status).toBe(200);
  };
  const lastTo = (conversationId: string) => {
    const all = h.connector.messagesTo(conversationId);
    return cardOrText(all[all.length - 1]);
  };

  it('posts the case in the new channel, leaves the old card without buttons, and hands it to the other team only', async () => {
    const ticket = await fileTicket(h, USERS.employee, `Outlook no sincroniza el buzón compartido (${randomUUID().slice(0, 6)}).`);
    await queueCard(h, ticket.radicado);
    const root = (await h.app.tickets.get(ticket.id))!.queueActivityId!;
    // Iván (general queue) took it, then sees it is a mail problem and moves it from its thread.
    await say(cardAction(h, USERS.agent, 'queue.take', { ticketId: ticket.id }, 'es-CO', channelConversation()));
    await say(channelMessage(h, USERS.agent, 'mover a cola correo', root));
    await until(async () => !!h.connector.messagesTo(`${channelConversation().id};messageid=${root}`).length);
    expect(lastTo(`${channelConversation().id};messageid=${root}`)).toContain(`Pasé el caso ${ticket.radicado} a la cola Correo y colaboración`);

    // Its card is now in the mail channel, waiting and unassigned; the old one says where it went.
    const moved = await until(async () => !!(await h.app.tickets.get(ticket.id))?.queueActivityId, 10_000).then(() => h.app.tickets.get(ticket.id));
    expect({ status: moved!.status, assignee: moved!.assignee, channel: moved!.queueConversationId, queue: moved!.queueCategoryId }).toEqual({
      status: 'new',
      assignee: undefined,
      channel: MAIL_TEAM.channelId,
      queue: 'correo-y-colaboracion',
    });
    const posted = h.connector.messagesTo(MAIL_TEAM.channelId).find((r) => cardOf(r) && cardText(cardOf(r)).split('\n')[0] === ticket.radicado)!;
    expect(findAction(cardOf(posted), 'Tomar').verb).toBe('queue.take');
    await until(() => h.connector.sent.some((r) => r.method === 'PUT' && r.activityId === root && /Se pasó a la cola Correo y colaboración/.test(JSON.stringify(r.body))), 10_000);
    const left = cardOf(h.connector.sent.filter((r) => r.method === 'PUT' && r.activityId === root).pop()!);
    expect(cardText(left)).toContain(`Se pasó a la cola Correo y colaboración (${USERS.agent.name})`);
    // Nothing to press, and no engineer's view refreshes it back into a live card.
    expect(JSON.stringify(left)).not.toMatch(/"type":"Action\.(Execute|Submit)"/);
    expect(left.refresh).toBeUndefined();

    // The requester is told (Iván moved it himself: he read the answer in the thread).
    await waitForMessage(h, personalId(USERS.employee), `Su caso ${ticket.radicado} pasó a la cola Correo y colaboración`, 'orden de llegada');

    // The general queue neither lists nor hands it out; Iván may not take it; Marta does.
    const generalQueue = JSON.stringify((await h.post(cardAction(h, USERS.agent, 'queue.show', {}, 'es-CO', channelConversation()))).body);
    expect(generalQueue).not.toContain(ticket.radicado);
    expect(JSON.stringify((await h.post(cardAction(h, USERS.agent, 'queue.take', { ticketId: ticket.id }, 'es-CO', channelConversation()))).body)).toContain('No encontré ese caso');
    const mailQueue = JSON.stringify((await h.post(cardAction(h, MARTA, 'queue.show', {}, 'es-CO', mailConversation()))).body);
    expect(mailQueue).toContain(ticket.radicado);
    await say(inMailChannel(h, MARTA, 'siguiente'));
    await until(async () => (await h.app.tickets.get(ticket.id))!.assignee?.oid === MARTA.oid, 10_000);

    // In the history, with who moved it, from where and to where.
    const event = (await h.app.tickets.events(ticket.id)).find((e) => e.kind === 'queue_moved');
    expect(event).toMatchObject({ actor: { oid: USERS.agent.oid }, data: { from: 'mesa-servicio-primer-nivel', to: 'correo-y-colaboracion', toChannel: MAIL_TEAM.channelId } });
    expect((await h.app.storage.verifyHistory()).breaks).toEqual([]);
  });

  it('moves by radicado from anywhere, asks which queue when it is not clear, and refuses what it must', async () => {
    const ticket = await fileTicket(h, USERS.employee, `La impresora del piso 3 no imprime (${randomUUID().slice(0, 6)}).`);
    await queueCard(h, ticket.radicado);
    // Already there.
    await say(channelMessage(h, USERS.agent, `mover ${ticket.radicado} a la cola general`));
    await h.connector.waitFor(() => /ya está en la cola general/.test(lastTo(channelConversation().id)));
    // No queue named: a card lists the other queues; its button moves it (card data re-validated).
    await say(channelMessage(h, USERS.supervisor, `mover ${ticket.radicado} a la cola`));
    await h.connector.waitFor(() => /¿A qué cola paso el caso/.test(lastTo(channelConversation().id)));
    const ask = cardOf(h.connector.messagesTo(channelConversation().id).pop()!);
    const button = findAction(ask, 'Correo y colaboración');
    expect(JSON.stringify(ask)).not.toContain('"title":"general"');
    const forged = await h.post(cardAction(h, USERS.supervisor, 'queue.move', { ticketId: ticket.id, queueCategoryId: 'no-such-queue' }, 'es-CO', channelConversation()));
    expect(JSON.stringify(forged.body)).toContain('No pude procesar esa acción');
    expect((await h.app.tickets.get(ticket.id))!.queueCategoryId).toBe('mesa-servicio-primer-nivel');
    // An employee cannot move it; an engineer of another queue gets the answer for a missing case.
    await say(message(h, USERS.employee, `mover ${ticket.radicado} a la cola correo`));
    await h.connector.waitFor(() => /solo para el equipo de soporte/.test(lastTo(personalId(USERS.employee))));
    await say(message(h, MARTA, `mover ${ticket.radicado} a la cola correo`));
    await h.connector.waitFor(() => /No encontré el radicado/.test(lastTo(personalId(MARTA))));
    expect((await h.app.tickets.get(ticket.id))!.queueCategoryId).toBe('mesa-servicio-primer-nivel');

    // Iván has it when the supervisor moves it: he is told it is no longer his.
    await say(cardAction(h, USERS.agent, 'queue.take', { ticketId: ticket.id }, 'es-CO', channelConversation()));
    const res = await h.post(cardAction(h, USERS.supervisor, button.verb, button.data, 'es-CO', channelConversation()));
    expect(JSON.stringify(res.body)).toContain(`Pasé el caso ${ticket.radicado} a la cola Correo y colaboración`);
    await until(async () => (await h.app.tickets.get(ticket.id))!.queueConversationId === MAIL_TEAM.channelId, 10_000);
    await waitForMessage(h, personalId(USERS.agent), `El caso ${ticket.radicado} pasó a la cola Correo y colaboración`, `Lo movió ${USERS.supervisor.name}; ya no está a su cargo.`);
    // And back to the general queue, in English.
    await say(channelMessage(h, USERS.supervisor, `move ticket ${ticket.radicado} to queue general`));
    await until(async () => (await h.app.tickets.get(ticket.id))!.queueConversationId === channelConversation().id, 10_000);
    expect((await h.app.tickets.events(ticket.id)).filter((e) => e.kind === 'queue_moved').length).toBe(2);
  });
});
