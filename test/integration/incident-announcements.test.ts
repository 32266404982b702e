/**
 * Issue 24's announcement, over HTTP on the engine of the run: with ANNOUNCE_CHANNEL_ID and
 * ANNOUNCE_TO_ALL, a declared major incident is announced once in "Novedades TI" and once in the chat
 * of every person the bot knows (in their language), and "Esto me afecta" files the reader's case
 * linked to it — once, however often pressed, from the channel or the chat. A resolved incident, a
 * case that is no incident and one that does not exist get the same answer, with buttons.
 */
import type { Ticket } from '../../src/domain/tickets/model';
import { cardOf, cardOrText, drained, fileTicket, personalId, queueCard, registerQueue } from '../helpers/desk';
import { buttonTitles, cardAction, cardText, channelConversation, channelMessage, installPersonal, invokeCard, press, startHarness, TEAM, TENANT, USERS, type Harness, type TestUser } from '../helpers/harness';

jest.setTimeout(90_000);

const NEWS = '19:novedades-ti@thread.tacv2';
const news = () => ({ id: NEWS, conversationType: 'channel', isGroup: true, tenantId: TENANT });
const announcements = (h: Harness, conversationId: string) => h.connector.messagesTo(conversationId).filter((m) => cardOrText(m).includes('La VPN no conecta para nadie') && /Esto me afecta|This affects me/.test(cardOrText(m)));

describe('major incident announcements', () => {
  let h: Harness;
  let master: Ticket;

  beforeAll(async () => {
    h = await startHarness({ TICKETS_PER_HOUR: '1000', ANNOUNCE_CHANNEL_ID: NEWS, ANNOUNCE_TO_ALL: 'true' });
    await registerQueue(h);
    for (const u of [USERS.employee, USERS.manager, USERS.secretary]) await h.post(installPersonal(h, u));
    await h.post({ ...installPersonal(h, USERS.stranger), locale: 'en-US' });
    // Someone mentions the bot in "Novedades TI" once: it knows the channel from then on.
    await h.post({ ...channelMessage(h, USERS.supervisor, 'ayuda'), conversation: news(), channelData: { tenant: { id: TENANT }, team: { id: TEAM.id }, channel: { id: NEWS } } });
    master = await fileTicket(h, USERS.employee, 'La VPN no conecta desde ninguna casa: error -14.');
    await queueCard(h, master.radicado);
  });
  afterAll(() => h?.close());

  const mine = async (u: TestUser) => (await h.app.storage.incidents.children(master.id)).filter((t) => t.requester.oid === u.oid);

  it('announces a declared incident once in the channel and once to every person the bot knows but the master\'s requester, each in their language', async () => {
    const declared = invokeCard(await h.post(cardAction(h, USERS.supervisor, 'incident.declare', { ticketId: master.id, title: 'La VPN no conecta para nadie', services: 'acceso-remoto', statusText: 'Revisando con el proveedor.' }, 'es-CO', channelConversation())));
    expect(cardText(declared)).toContain('🚨 Incidente mayor: La VPN no conecta para nadie');
    await drained(h);

    const [inChannel, ...more] = announcements(h, NEWS);
    expect(more).toEqual([]);
    const card = cardOf(inChannel);
    expect(cardText(card)).toContain('🚨 Incidente mayor: La VPN no conecta para nadie');
    expect(cardText(card)).toContain('Servicios afectados');
    expect(cardText(card)).toContain('Acceso remoto');
    expect(cardText(card)).toContain('Revisando con el proveedor.');
    expect(buttonTitles(card)).toEqual(['Esto me afecta']);
    expect(JSON.stringify(card)).not.toContain('${');

    for (const u of [USERS.manager, USERS.secretary]) expect(announcements(h, personalId(u))).toHaveLength(1);
    expect(announcements(h, personalId(USERS.employee))).toHaveLength(0);
    const english = announcements(h, personalId(USERS.stranger));
    expect(english).toHaveLength(1);
    expect(cardText(cardOf(english[0]))).toContain('🚨 Major incident: La VPN no conecta para nadie');
    expect(buttonTitles(cardOf(english[0]))).toEqual(['This affects me']);
  });

  it('"Esto me afecta" from the chat files the reader\'s case linked to the incident, once however often pressed', async () => {
    const card = cardOf(announcements(h, personalId(USERS.secretary))[0]);
    const first = invokeCard(await press(h, USERS.secretary, card, 'Esto me afecta'));
    const [ticket] = await mine(USERS.secretary);
    expect(ticket).toMatchObject({ status: 'linked', majorIncidentId: master.id, serviceId: 'acceso-remoto' });
    expect(ticket.description).toContain('La VPN no conecta para nadie');
    expect(cardText(first)).toContain(`Listo: registramos su caso ${ticket.radicado}, vinculado a este incidente.`);
    expect(buttonTitles(first)).toEqual([]);
    await h.connector.waitFor(() => h.connector.messagesTo(personalId(USERS.secretary)).some((m) => cardOrText(m).includes(`Su caso ${ticket.radicado} quedó vinculado al incidente mayor «La VPN no conecta para nadie»`)));

    const again = invokeCard(await press(h, USERS.secretary, card, 'Esto me afecta'));
    expect(cardText(again)).toContain(`Su caso ${ticket.radicado} ya está en este incidente.`);
    expect(await mine(USERS.secretary)).toHaveLength(1);
    expect((await h.app.services.incidents.get(master.id))!.linked).toBe(1);
  });

  it('works from the channel\'s post too, in the presser\'s language; the master\'s own requester is told her case is the incident', async () => {
    const card = cardOf(announcements(h, NEWS)[0]);
    const action = card.actions.find((a: any) => a.title === 'Esto me afecta');
    const res = invokeCard(await h.post(cardAction(h, USERS.manager, action.verb, action.data, 'en-US', news())));
    const [ticket] = await mine(USERS.manager);
    expect(ticket).toMatchObject({ status: 'linked', locale: 'en' });
    expect(cardText(res)).toContain(`Done: we filed your ticket ${ticket.radicado}, linked to this incident.`);
    expect(cardText(res)).toContain('🚨 Major incident: La VPN no conecta para nadie');

    const own = invokeCard(await h.post(cardAction(h, USERS.employee, action.verb, action.data, 'es-CO', news())));
    expect(cardText(own)).toContain(`Su caso ${master.radicado} ya está en este incidente.`);
    expect((await h.app.services.incidents.get(master.id))!.linked).toBe(2);
  });

  it('a crafted press on a case that is no incident, or on none, gets one answer with buttons and files nothing', async () => {
    const plain = await fileTicket(h, USERS.secretary, 'El monitor parpadea.');
    const count = async () => (await h.app.storage.incidents.children(master.id)).length + (await h.app.tickets.listOpenByRequester(USERS.manager.oid, 50)).length;
    const before = await count();
    const notIncident = await h.post(cardAction(h, USERS.manager, 'incident.affects', { masterId: plain.id }));
    const missing = await h.post(cardAction(h, USERS.manager, 'incident.affects', { masterId: 999_999 }));
    const garbage = await h.post(cardAction(h, USERS.manager, 'incident.affects', { masterId: 'DROP TABLE' }));
    expect(notIncident.body).toEqual(missing.body);
    expect(garbage.body).toEqual(missing.body);
    expect(cardText(invokeCard(missing))).toContain('Este incidente mayor ya no está abierto.');
    expect(buttonTitles(invokeCard(missing)).length).toBeGreaterThan(0);
    expect(await count()).toBe(before);
  });

  it('after the master is resolved, pressing files nothing and says the incident is no longer open', async () => {
    const agent = { oid: USERS.agent.oid, name: USERS.agent.name, roles: ['agent' as const] };
    const took = await h.app.services.tickets.take((await h.app.tickets.get(master.id))!, agent);
    await h.app.services.tickets.setStatus(took.ticket, 'resolve', agent, 'El proveedor restableció el servicio.');
    await h.app.services.incidents.tick();
    const card = cardOf(announcements(h, personalId(USERS.stranger))[0]);
    const res = invokeCard(await h.post(cardAction(h, USERS.stranger, card.actions[0].verb, card.actions[0].data, 'en-US')));
    expect(cardText(res)).toContain('This major incident is no longer open.');
    expect(await mine(USERS.stranger)).toEqual([]);
  });
});
