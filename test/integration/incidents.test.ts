/**
 * Issue 24 over HTTP, on the engine of the run: a supervisor declares a major incident from a
 * ticket's queue card, engineers link tickets to it from their cards and people link theirs when
 * they file ("Ya conocemos esta falla"); every update reaches each linked requester once and in
 * order, through a 429 storm; resolving the master resolves them all with one survey per person;
 * a reopened ticket is unlinked and back in the FIFO queue. Crafted payloads change nothing.
 */
import type { Ticket } from '../../src/domain/tickets/model';
import { exportTicketsCsv } from '../../src/domain/reports/tickets-export';
import { exportLabels } from '../../src/reports/ticket-export-file';
import { cardOf, cardOrText, drained, fileTicket, lastCardUpdate, personalId, queueCard, registerQueue, waitForMessage } from '../helpers/desk';
import {
  buttonTitles,
  cardAction,
  cardText,
  channelConversation,
  channelMessage,
  installPersonal,
  invokeCard,
  message,
  press,
  startHarness,
  TEAM,
  USERS,
  type Harness,
  type TestUser,
} from '../helpers/harness';

jest.setTimeout(90_000);

const onCard = (h: Harness, user: TestUser, verb: string, data: object) => h.post(cardAction(h, user, verb, data, 'es-CO', channelConversation()));
const agent = { oid: USERS.agent.oid, name: USERS.agent.name, roles: ['agent' as const] };

describe('major incidents', () => {
  let h: Harness;
  let master: Ticket;

  beforeAll(async () => {
    h = await startHarness({ TICKETS_PER_HOUR: '1000', LOOKUPS_PER_MINUTE: '1000' });
    await registerQueue(h);
    for (const u of [USERS.employee, USERS.manager, USERS.secretary, USERS.stranger]) await h.post(installPersonal(h, u));
    master = await fileTicket(h, USERS.employee, 'La VPN no conecta desde ninguna casa: error -14.');
    await queueCard(h, master.radicado);
  });
  afterAll(() => h?.close());

  const fresh = async (t: Ticket) => (await h.app.tickets.get(t.id))!;

  it('only a supervisor declares one, from the ticket\'s card; a bad form keeps what was typed and its buttons', async () => {
    // Engineers do not see the button; supervisors do. Crafted by an engineer, it is refused on the card.
    expect(buttonTitles(invokeCard(await onCard(h, USERS.agent, 'queue.refresh', { ticketId: master.id })))).not.toContain('Declarar incidente mayor');
    expect(buttonTitles(invokeCard(await onCard(h, USERS.supervisor, 'queue.refresh', { ticketId: master.id })))).toContain('Declarar incidente mayor');
    const refused = invokeCard(await onCard(h, USERS.agent, 'incident.declareForm', { ticketId: master.id }));
    expect(cardText(refused)).toContain('Solo un supervisor declara un incidente mayor.');
    expect(buttonTitles(refused)).toContain('Tomar');
    const crafted = invokeCard(await onCard(h, USERS.agent, 'incident.declare', { ticketId: master.id, title: 'VPN caída', services: 'acceso-remoto', statusText: 'Revisando.' }));
    expect(cardText(crafted)).toContain('Solo un supervisor');
    expect(await h.app.services.incidents.get(master.id)).toBeNull();
    // Someone outside the support team: exactly "does not exist".
    const stranger = await h.post(cardAction(h, USERS.stranger, 'incident.declare', { ticketId: master.id, title: 'x', services: 'acceso-remoto', statusText: 'y' }));
    const missing = await h.post(cardAction(h, USERS.stranger, 'incident.declare', { ticketId: 999_999, title: 'x', services: 'acceso-remoto', statusText: 'y' }));
    expect(stranger.body).toEqual(missing.body);

    const form = invokeCard(await onCard(h, USERS.supervisor, 'incident.declareForm', { ticketId: master.id }));
    expect(cardText(form)).toContain(`Declarar incidente mayor desde ${master.radicado}`);
    const bad = invokeCard(await press(h, USERS.supervisor, form, 'Declarar', { title: 'VP', services: 'no-existe', statusText: 'Revisando con el proveedor.' }, channelConversation()));
    expect(cardText(bad)).toContain('No se declaró nada');
    expect(buttonTitles(bad)).toEqual(expect.arrayContaining(['Declarar', 'Atrás']));
    expect(JSON.stringify(bad)).toContain('Revisando con el proveedor.');
    const declared = invokeCard(await press(h, USERS.supervisor, bad, 'Declarar', { title: 'La VPN no conecta para nadie', services: 'acceso-remoto', statusText: 'Revisando con el proveedor.' }, channelConversation()));
    expect(cardText(declared)).toContain('🚨 Incidente mayor: La VPN no conecta para nadie');
    expect(cardText(declared)).toContain('0 casos vinculados · Servicios: Acceso remoto');
    expect(cardText(declared)).toContain('Revisando con el proveedor.');
    expect(buttonTitles(declared)).toContain('Actualizar estado');
    expect((await h.app.tickets.events(master.id)).map((e) => e.kind)).toContain('major_incident_declared');
    // No announcement without ANNOUNCE_CHANNEL_ID / ANNOUNCE_TO_ALL (the default): nobody else hears of it.
    await drained(h);
    for (const u of [USERS.manager, USERS.secretary]) expect(h.connector.messagesTo(personalId(u)).some((m) => cardOrText(m).includes('Esto me afecta'))).toBe(false);
    // Declared twice: nothing changes.
    const again = invokeCard(await onCard(h, USERS.supervisor, 'incident.declare', { ticketId: master.id, title: 'Otro título', services: 'acceso-remoto', statusText: 'x' }));
    expect(cardText(again)).toContain('Este caso ya es parte de un incidente mayor.');
    expect((await h.app.services.incidents.get(master.id))!.title).toBe('La VPN no conecta para nadie');
  });

  it('an engineer links a waiting ticket from its card: it leaves the queue, its requester is told', async () => {
    const child = await fileTicket(h, USERS.manager, 'No me conecta la VPN desde el hotel.');
    await queueCard(h, child.radicado);
    const card = invokeCard(await onCard(h, USERS.agent, 'queue.refresh', { ticketId: child.id }));
    const choose = invokeCard(await press(h, USERS.agent, card, 'Vincular a incidente mayor', {}, channelConversation()));
    expect(cardText(choose)).toContain(`${master.radicado}: La VPN no conecta para nadie (0 casos)`);
    // Crafted: a master that is no incident, and a stranger.
    const plain = await fileTicket(h, USERS.secretary, 'Otra cosa: el monitor parpadea.');
    const notIncident = invokeCard(await onCard(h, USERS.agent, 'incident.link', { ticketId: child.id, masterId: plain.id }));
    expect(cardText(notIncident)).toContain('Ese caso no se puede vincular');
    expect((await fresh(child)).status).toBe('new');
    const stranger = await h.post(cardAction(h, USERS.stranger, 'incident.link', { ticketId: child.id, masterId: master.id }));
    const missing = await h.post(cardAction(h, USERS.stranger, 'incident.link', { ticketId: 999_999, masterId: master.id }));
    expect(stranger.body).toEqual(missing.body);

    const linked = invokeCard(await press(h, USERS.agent, choose, `${master.radicado}: La VPN no conecta para nadie (0 casos)`, {}, channelConversation()));
    expect(cardText(linked)).toContain(`Vinculado al incidente mayor ${master.radicado}: La VPN no conecta para nadie`);
    expect(buttonTitles(linked)).not.toContain('Tomar');
    const now = await fresh(child);
    expect(now).toMatchObject({ status: 'linked', majorIncidentId: master.id });
    expect(now.sla!.resolutionDueAt.toISOString()).toBe(master.sla!.resolutionDueAt.toISOString());
    // Out of the FIFO queue: "siguiente" never hands it out.
    expect((await h.app.tickets.oldestUnassigned('tenant-1', null))?.id).not.toBe(child.id);
    await h.connector.waitFor(() => h.connector.messagesTo(personalId(USERS.manager)).some((m) => cardOrText(m).includes(`Su caso ${child.radicado} quedó vinculado al incidente mayor «La VPN no conecta para nadie»`)));
    expect((await h.app.services.incidents.get(master.id))!.linked).toBe(1);
  });

  it('offers the incident when someone files for the same service, and links the case instead of queueing it', async () => {
    const form = invokeCard(await h.post(cardAction(h, USERS.secretary, 'catalog.form', { templateId: 'falla-conexion-vpn' })));
    const offer = invokeCard(await press(h, USERS.secretary, form, 'Guardar', { network: 'hogar', description: 'Desde la casa la VPN dice error -14.', phone: '300 123 4567', contactChannel: 'teams' }));
    expect(cardText(offer)).toContain('Ya conocemos esta falla');
    expect(cardText(offer)).toContain('«La VPN no conecta para nadie»');
    const filed = invokeCard(await press(h, USERS.secretary, offer, 'Sí, me afecta: vincular mi caso'));
    const radicado = /MDA-\d{4}-\d{6}/.exec(cardText(filed))![0];
    expect(cardText(filed)).toContain(`Vinculado al incidente mayor ${master.radicado}`);
    const ticket = (await h.app.tickets.getByRadicado(radicado))!;
    expect(ticket).toMatchObject({ status: 'linked', majorIncidentId: master.id, description: 'Desde la casa la VPN dice error -14.' });
    await drained(h);
    // No card of its own in the queue channel: the master's counts it.
    expect(h.connector.sent.some((r) => cardOf(r) && cardText(cardOf(r)).split('\n')[0] === radicado)).toBe(false);
    expect((await h.app.services.incidents.get(master.id))!.linked).toBe(2);

    // "No, es otro problema": filed on its own (after the knowledge base's articles).
    const form2 = invokeCard(await h.post(cardAction(h, USERS.stranger, 'catalog.form', { templateId: 'falla-conexion-vpn' })));
    const offer2 = invokeCard(await press(h, USERS.stranger, form2, 'Guardar', { network: 'hogar', description: 'La VPN me pide un certificado nuevo.', phone: '300 123 4567', contactChannel: 'teams' }));
    let next = invokeCard(await press(h, USERS.stranger, offer2, 'No, es otro problema'));
    if (cardText(next).startsWith('¿Esto resuelve su caso?')) next = invokeCard(await press(h, USERS.stranger, next, 'No, registrar la solicitud'));
    const own = (await h.app.tickets.getByRadicado(/MDA-\d{4}-\d{6}/.exec(cardText(next))![0]))!;
    expect(own).toMatchObject({ status: 'new' });
    expect(own.majorIncidentId).toBeUndefined();
    // Crafted: a link to an incident of another service is not honoured (filed normally, offered nothing).
    const printer = invokeCard(await h.post(cardAction(h, USERS.stranger, 'catalog.form', { templateId: 'falla-impresora' })));
    const crafted = invokeCard(await press(h, USERS.stranger, printer, 'Guardar', { printer: 'Piso 2', problem: 'no-imprime', description: 'Sale en blanco.', phone: '300 123 4567', contactChannel: 'teams', incidentChoice: 'link', incidentId: String(master.id), kbChoice: 'file' }));
    const printerTicket = (await h.app.tickets.getByRadicado(/MDA-\d{4}-\d{6}/.exec(cardText(crafted))![0]))!;
    expect(printerTicket.majorIncidentId).toBeUndefined();
  });

  it('sends every update to each linked requester once and in order, through a 429 storm; the master\'s card shows the latest', async () => {
    // The stranger has two tickets linked: one message per update for them, not two.
    const a = await fileTicket(h, USERS.stranger, 'VPN: no abre el sistema de nómina.');
    const b = await fileTicket(h, USERS.stranger, 'VPN: tampoco la carpeta compartida.');
    for (const t of [a, b]) expect((await h.app.services.incidents.link(await fresh(t), await fresh(master), agent)).ok).toBe(true);
    await drained(h);
    const before = new Map([USERS.manager, USERS.secretary, USERS.stranger].map((u) => [u.oid, h.connector.messagesTo(personalId(u)).length]));

    h.connector.storm(1500, 1);
    const card = invokeCard(await onCard(h, USERS.agent, 'queue.refresh', { ticketId: master.id }));
    const first = invokeCard(await press(h, USERS.agent, card, 'Actualizar estado', { incidentUpdate: 'El proveedor identificó la falla en el concentrador.' }, channelConversation()));
    expect(cardText(first)).toContain('El proveedor identificó la falla en el concentrador.');
    expect(cardText(first)).toContain('4 casos vinculados');
    const empty = invokeCard(await press(h, USERS.agent, first, 'Actualizar estado', { incidentUpdate: '   ' }, channelConversation()));
    expect(cardText(empty)).toContain('Escriba la actualización');
    expect(buttonTitles(empty)).toContain('Actualizar estado');
    await press(h, USERS.agent, first, 'Actualizar estado', { incidentUpdate: 'Servicio restablecido parcialmente; seguimos atentos.' }, channelConversation());
    await drained(h);
    expect(h.connector.stormRefused).toBeGreaterThan(0);
    for (const u of [USERS.manager, USERS.secretary, USERS.stranger]) {
      const got = h.connector.messagesTo(personalId(u)).slice(before.get(u.oid)).map(cardOrText).filter((t) => t.includes('Novedad del incidente mayor'));
      expect({ who: u.name, got: got.map((t) => (t.includes('concentrador') ? 1 : t.includes('parcialmente') ? 2 : 0)) }).toEqual({ who: u.name, got: [1, 2] });
    }
    const incident = (await h.app.services.incidents.get(master.id))!;
    expect(incident.latest).toMatchObject({ seq: 2, text: 'Servicio restablecido parcialmente; seguimos atentos.' });
    expect((await h.app.tickets.events(master.id)).filter((e) => e.kind === 'incident_update').map((e) => e.data.recipients)).toEqual([3, 3]);
  });

  it('resolving the master resolves every linked ticket with its note, one survey per requester; a reopened one is back in the queue', async () => {
    const taken = await h.app.services.tickets.take(await fresh(master), agent);
    expect(taken.ok).toBe(true);
    const card = invokeCard(await onCard(h, USERS.agent, 'queue.refresh', { ticketId: master.id }));
    const before = new Map([USERS.manager, USERS.secretary, USERS.stranger].map((u) => [u.oid, h.connector.messagesTo(personalId(u)).length]));
    await press(h, USERS.agent, card, 'Resolver', { resolutionNote: 'Se reemplazó el concentrador VPN.' }, channelConversation());
    await drained(h);
    const children = await h.app.storage.incidents.children(master.id);
    expect(children.length).toBe(4);
    for (const c of children) expect(c).toMatchObject({ status: 'resolved', resolutionNote: 'Se reemplazó el concentrador VPN.' });
    expect((await h.app.services.incidents.get(master.id))!.resolvedAt).toBeInstanceOf(Date);
    for (const u of [USERS.manager, USERS.secretary, USERS.stranger]) {
      const surveys = h.connector.messagesTo(personalId(u)).slice(before.get(u.oid)).filter((m) => /¿Cómo calificaría|califique|encuesta/i.test(cardOrText(m)));
      expect({ who: u.name, surveys: surveys.length }).toEqual({ who: u.name, surveys: 1 });
    }
    // The periodic pass has nothing left to do.
    expect(await h.app.incidents.runOnce()).toEqual({ settled: 0 });

    // The manager's case comes back: unlinked, waiting in the FIFO queue with a card of its own.
    const mine = children.find((c) => c.requester.oid === USERS.manager.oid)!;
    const reopened = await h.app.services.tickets.reopen(mine, { oid: USERS.manager.oid, name: USERS.manager.name, roles: ['employee'] }, 'Volvió a fallar.');
    expect(reopened.ok).toBe(true);
    const back = await fresh(mine);
    expect(back.status).toBe('new');
    expect(back.majorIncidentId).toBeUndefined();
    expect((await h.app.tickets.events(mine.id)).map((e) => e.kind)).toEqual(expect.arrayContaining(['linked_to_incident', 'unlinked_from_incident']));
    await queueCard(h, mine.radicado);
    // A resolved incident takes no more links nor updates.
    const other = await fileTicket(h, USERS.secretary, 'La VPN de nuevo.');
    expect(await h.app.services.incidents.link(await fresh(other), await fresh(master), agent)).toEqual({ ok: false, reason: 'not_found' });

    // The supervisors' figures, and the CSV names the master of each linked ticket.
    await h.post(message(h, USERS.supervisor, 'indicadores'));
    const metrics = cardOrText(await waitForMessage(h, personalId(USERS.supervisor), 'Incidentes mayores'));
    expect(metrics).toContain('Incidentes mayores\n0 abiertos · 1 declarados y 1 resueltos en el periodo');
    expect(metrics).toContain('Casos vinculados a incidentes mayores\n3'); // four were linked; the reopened one is not any more
    expect(metrics).toMatch(/Mediana para resolver un incidente mayor \(tiempo total\)\n\d+ min/);
    const today = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
    const { csv } = await exportTicketsCsv(h.app.services.reports, { from: today, to: today }, exportLabels(h.app.services.catalog, 'es'), new Date(), h.app.services.calendar);
    const [header, ...rows] = csv.split('\r\n');
    const col = header.split(',').indexOf('Incidente mayor');
    expect(col).toBeGreaterThan(0);
    const cell = (radicado: string) => rows.find((r) => r.startsWith(radicado))!.split(',')[col];
    expect(cell(master.radicado)).toBe('Maestro');
    for (const c of children.filter((x) => x.id !== mine.id)) expect(cell(c.radicado)).toBe(master.radicado);
    expect(cell(mine.radicado)).toBe(''); // unlinked when reopened
    expect(cell(other.radicado)).toBe('');
  });

  it('"incidente mayor <título>" typed by a supervisor in a case\'s thread opens the form with that title; an engineer\'s is not relayed', async () => {
    const t = await fileTicket(h, USERS.employee, 'No llega el correo a nadie del piso 4.');
    await queueCard(h, t.radicado);
    const root = (await h.app.tickets.get(t.id))!.queueActivityId!;
    const thread = `${TEAM.channelId};messageid=${root}`;
    const seen = h.connector.messagesTo(thread).length;
    await h.post(channelMessage(h, USERS.supervisor, 'incidente mayor Correo caído en el piso 4', root));
    await h.connector.waitFor(() => h.connector.messagesTo(thread).length > seen);
    const form = cardOf(h.connector.messagesTo(thread)[seen]);
    expect(cardText(form)).toContain(`Declarar incidente mayor desde ${t.radicado}`);
    expect(JSON.stringify(form)).toContain('"value":"Correo caído en el piso 4"');
    const before = h.connector.messagesTo(personalId(USERS.employee)).length;
    await h.post(channelMessage(h, USERS.agent, 'incidente mayor', root));
    await h.connector.waitFor(() => h.connector.messagesTo(thread).length > seen + 1);
    expect(cardOrText(h.connector.messagesTo(thread)[seen + 1])).toMatch(/supervisor/i);
    await drained(h);
    expect(h.connector.messagesTo(personalId(USERS.employee)).length).toBe(before);
  });

  it('"incidente mayor <título>" with no case behind it: the supervisor declares it and its master is filed for the service', async () => {
    const activity = message(h, USERS.supervisor, 'incidente mayor El correo no envía');
    await h.post(activity);
    await h.connector.waitFor(() => h.connector.sent.some((r) => r.body?.replyToId === activity.id));
    const form = h.connector.sent.find((r) => r.body?.replyToId === activity.id)!.body.attachments[0].content;
    expect(cardText(form)).toContain('Declarar incidente mayor');
    expect(JSON.stringify(form)).toContain('"value":"El correo no envía"');
    // An engineer cannot: the supervisor-only verb answers as for anyone else refused.
    expect(JSON.stringify((await h.post(cardAction(h, USERS.agent, 'incident.declareNew', { title: 'El correo no envía', services: 'correo-electronico', statusText: 'x' }))).body)).toMatch(/Solo un supervisor/);
    const done = invokeCard(await press(h, USERS.supervisor, form, 'Declarar', { title: 'El correo no envía', services: 'correo-electronico', statusText: 'Revisando el servidor de correo.' }));
    const radicado = /MDA-\d{4}-\d{6}/.exec(cardText(done))![0];
    expect(cardText(done)).toContain('Incidente mayor declarado: «El correo no envía»');
    const newMaster = (await h.app.tickets.getByRadicado(radicado))!;
    expect(newMaster).toMatchObject({ serviceId: 'correo-electronico', templateId: 'falla-correo', priority: 'critical', requester: { oid: USERS.supervisor.oid } });
    expect((await h.app.services.incidents.get(newMaster.id))!).toMatchObject({ title: 'El correo no envía', serviceIds: ['correo-electronico'], statusText: 'Revisando el servidor de correo.' });
    const posted = await queueCard(h, radicado);
    await drained(h);
    // Posted before or after the declaration: the card in the channel ends up showing it.
    const shown = lastCardUpdate(h, (await h.app.tickets.get(newMaster.id))!.queueActivityId!) ?? cardOf(posted);
    expect(cardText(shown)).toContain('🚨 Incidente mayor: El correo no envía');
  });

  it('reads a new post in the channel (which Teams addresses as a thread of its own) as no case\'s thread', async () => {
    const post = channelMessage(h, USERS.supervisor, 'incidente mayor Impresoras caídas');
    const own = { ...post, conversation: { ...post.conversation, id: `${TEAM.channelId};messageid=${post.id}` } };
    await h.post(own);
    await h.connector.waitFor(() => h.connector.messagesTo(own.conversation.id).length > 0);
    const answer = cardOrText(h.connector.messagesTo(own.conversation.id)[0]);
    expect(answer).toContain('Declarar incidente mayor');
    expect(answer).not.toContain('No encontré ese caso');
    // The same for "mover a cola": its usage, not "not found".
    const move = channelMessage(h, USERS.agent, 'mover a cola correo');
    const ownMove = { ...move, conversation: { ...move.conversation, id: `${TEAM.channelId};messageid=${move.id}` } };
    await h.post(ownMove);
    await h.connector.waitFor(() => h.connector.messagesTo(ownMove.conversation.id).length > 0);
    expect(cardOrText(h.connector.messagesTo(ownMove.conversation.id)[0])).not.toContain('No encontré ese caso');
  });

  it('settles an incident resolved without its card (a command, a restart) in the periodic pass', async () => {
    const m2 = await fileTicket(h, USERS.employee, 'El correo no envía para nadie.');
    const supervisor = { oid: USERS.supervisor.oid, name: USERS.supervisor.name, roles: ['supervisor' as const] };
    expect((await h.app.services.incidents.declare(m2, supervisor, { title: 'Correo caído', serviceIds: ['acceso-remoto'], statusText: 'Revisando.' })).ok).toBe(true);
    const c = await fileTicket(h, USERS.stranger, 'No me deja entrar a la VPN.');
    expect((await h.app.services.incidents.link(c, await fresh(m2), agent)).ok).toBe(true);
    expect((await h.app.services.tickets.take(await fresh(m2), agent)).ok).toBe(true);
    expect((await h.app.services.tickets.setStatus(await fresh(m2), 'resolve', agent, 'Listo.')).ok).toBe(true);
    expect((await fresh(c)).status).toBe('linked');
    expect(await h.app.incidents.runOnce()).toEqual({ settled: 1 });
    expect((await fresh(c)).status).toBe('resolved');
  });
});
