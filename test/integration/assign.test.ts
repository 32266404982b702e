import { randomUUID } from 'node:crypto';
import type { Ticket } from '../../src/domain/tickets/model';
import { cardAction, cardText, channelConversation, channelMessage, findAction, startHarness, TEAM, TENANT, USERS, type Harness } from '../helpers/harness';

/** "Asignar a…" on the queue card: a supervisor gives a ticket to an engineer of the queue's team. */
describe('assigning a ticket from the queue card', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await h.post(channelMessage(h, USERS.supervisor, 'registrar cola'));
  });
  afterEach(async () => {
    await h.close();
  });

  async function file(): Promise<Ticket> {
    const { ticket } = await h.app.services.tickets.file({
      submissionKey: randomUUID(),
      requester: { oid: USERS.employee.oid, tenantId: TENANT, name: USERS.employee.name, email: USERS.employee.email },
      locale: 'es',
      phone: '+57 300 123 4567',
      contactChannel: 'teams',
      categoryId: 'mesa-servicio-primer-nivel',
      serviceId: 'acceso-remoto',
      templateId: 'falla-conexion-vpn',
      fieldValues: {},
      description: 'La VPN se desconecta cada cinco minutos.',
      priority: 'medium',
    });
    h.app.dispatcher.kick();
    return ticket;
  }

  async function postedCard(radicado: string) {
    const find = () => h.connector.messagesTo(TEAM.channelId).find((r) => cardText(r.body?.attachments?.[0]?.content ?? {}).startsWith(radicado));
    await h.connector.waitFor(() => !!find());
    return find()!.body.attachments[0].content;
  }

  it('shows the team engineers on the card and lets the supervisor assign one of them', async () => {
    const ticket = await file();
    const card = await postedCard(ticket.radicado);
    expect(cardText(card)).toContain('Laura Ingeniera');
    const action = findAction(card, 'Asignar a…');
    const res = await h.post(cardAction(h, USERS.supervisor, action.verb, { ...action.data, assignTo: USERS.agent2.oid }, 'es-CO', channelConversation()));
    expect(res.status).toBe(200);
    expect(cardText(res.body.value)).toContain('Laura Ingeniera');
    const after = await h.app.tickets.get(ticket.id);
    expect(after?.assignee).toEqual({ oid: USERS.agent2.oid, name: 'Laura Ingeniera' });
    expect(after?.status).toBe('assigned');
  });

  it('refuses the assignment to an engineer who is not a supervisor, and to someone outside the team', async () => {
    const ticket = await file();
    await postedCard(ticket.radicado);
    const byAgent = await h.post(cardAction(h, USERS.agent, 'queue.assign', { ticketId: ticket.id, assignTo: USERS.agent2.oid }, 'es-CO', channelConversation()));
    expect(cardText(byAgent.body.value)).toContain('No tiene permiso');
    const outsider = await h.post(cardAction(h, USERS.supervisor, 'queue.assign', { ticketId: ticket.id, assignTo: USERS.stranger.oid }, 'es-CO', channelConversation()));
    // Someone outside the team is not in the list: the queue card comes back asking to choose from it.
    expect(cardText(outsider.body.value)).toContain('Elija en la lista el ingeniero al que quiere asignar el caso.');
    expect(cardText(outsider.body.value).split('\n')[0]).toBe(ticket.radicado);
    const after = await h.app.tickets.get(ticket.id);
    expect(after?.assignee).toBeUndefined();
    expect(after?.status).toBe('new');
  });
});
