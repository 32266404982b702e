/**
 * Approvals end to end over HTTP (both engines): a request whose template declares an approval is
 * filed at once awaiting approval, outside the queue and without SLA; its approver decides on a card
 * in their personal chat; approved, it enters the queue at the end of the line; rejected, it is closed
 * with the reason. Reminders and escalation on the working calendar, delegates, "mis aprobaciones",
 * and every crafted decision by someone who is not an approver answered as "does not exist".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportTicketsCsv } from '../../src/domain/reports/tickets-export';
import { ROOT } from '../../src/paths';
import { exportLabels } from '../../src/reports/ticket-export-file';
import { LoopbackConnector } from '../helpers/connector';
import { cardOf, cardOrText, drained, fileTicket, messagesWith, personalId, queueCard, registerQueue, waitForMessage } from '../helpers/desk';
import { cardAction, cardText, findAction, installPersonal, invokeCard, message, press, randomUUID, startHarness, TEAM, TestClock, USERS, type Harness, type TestUser } from '../helpers/harness';

const bog = (local: string) => new Date(`${local.replace(' ', 'T')}:00-05:00`);

/** The head of Talento Humano (config/directory.json): the escalation of Ana's requests. */
const MARTA: TestUser = { id: '29:marta', oid: '00000000-0000-0000-0000-0000000000a2', name: 'Marta Directora de Talento Humano', email: 'marta.directora@entidad.gov.co' };
const TEMPLATE = 'pedir-acceso-buzon-compartido';

const form = (key: string = randomUUID()) => ({
  templateId: TEMPLATE,
  submissionKey: key,
  mailbox: 'pqrs@entidad.gov.co',
  accessType: 'enviar-como',
  justification: 'Reemplazo a Carlos en las PQRS durante sus vacaciones.',
  description: 'Necesito acceso al buzón de PQRS desde el lunes.',
  phone: '300 123 4567',
  contactChannel: 'teams',
});

async function setUp(clock?: TestClock, opts: { dir?: string; connector?: LoopbackConnector } = {}) {
  const h = await startHarness({}, { clock, ...opts });
  h.connector.members.set(MARTA.id, { id: MARTA.id, name: MARTA.name, aadObjectId: MARTA.oid, email: MARTA.email, userPrincipalName: MARTA.email });
  for (const u of [USERS.employee, USERS.manager, USERS.secretary, USERS.agent, USERS.supervisor, USERS.stranger, MARTA]) await h.post(installPersonal(h, u));
  return h;
}

async function fileRequest(h: Harness, key?: string) {
  const res = await h.post(cardAction(h, USERS.employee, 'ticket.submit', form(key)));
  const card = invokeCard(res);
  const radicado = /MDA-\d{4}-\d{6}/.exec(cardText(card))?.[0];
  expect(radicado).toBeDefined();
  const ticket = (await h.app.tickets.getByRadicado(radicado!))!;
  return { card, ticket };
}

const approvalCards = (h: Harness, u: TestUser, radicado: string) =>
  h.connector.messagesTo(personalId(u)).filter((r) => r.method === 'POST' && cardOrText(r).includes(`Solicitud para aprobar: ${radicado}`));

async function approvalCardOf(h: Harness, u: TestUser, radicado: string) {
  await h.connector.waitFor(() => approvalCards(h, u, radicado).length > 0);
  return cardOf(approvalCards(h, u, radicado)[0]);
}

describe('approvals', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await setUp();
    await registerQueue(h);
  });
  afterEach(async () => {
    await h?.close();
  });

  it('files the request at once awaiting approval, outside the queue and without SLA, and asks the manager on a card', async () => {
    const { card, ticket } = await fileRequest(h);
    const text = cardText(card);
    expect(text).toContain('Pendiente de aprobación de Jorge Jefe de Área.');
    expect(text).toContain('Entrará a la cola de soporte cuando la aprueben.');
    expect(ticket.status).toBe('pending_approval');
    expect(ticket.sla).toBeUndefined();

    const approval = await approvalCardOf(h, USERS.manager, ticket.radicado);
    const atext = cardText(approval);
    expect(atext).toContain('Ana Empleada pide su aprobación.');
    expect(atext).toContain('pqrs@entidad.gov.co');
    expect(atext).toContain('Leer y enviar como el buzón');
    expect(atext).toContain('Necesito acceso al buzón de PQRS desde el lunes.');
    expect(findAction(approval, 'Aprobar').verb).toBe('approval.approve');
    expect(findAction(approval, 'Rechazar').verb).toBe('approval.reject');
    await drained(h);
    // Not in the queue: no card in the channel, not in "cola".
    expect(h.connector.messagesTo(TEAM.channelId).some((r) => cardOrText(r).includes(ticket.radicado))).toBe(false);
    // Jorge's delegate is not away: she may decide, but gets no card.
    expect(approvalCards(h, USERS.secretary, ticket.radicado)).toHaveLength(0);
    // Asked how it goes, in her own words: her one case in progress is this request.
    await h.post(message(h, USERS.employee, '¿en qué va mi caso?'));
    const status = await waitForMessage(h, personalId(USERS.employee), ticket.radicado, 'Pendiente de aprobación de Jorge Jefe de Área.');
    expect(findAction(cardOf(status), 'Cancelar solicitud')).toBeDefined();
  });

  it('approved: the case enters the queue behind the tickets filed before the approval, its SLA starts, the requester is told who approved', async () => {
    const { ticket } = await fileRequest(h);
    const approval = await approvalCardOf(h, USERS.manager, ticket.radicado);
    // Filed while the request waited: it stays ahead of it in the queue.
    const earlier = await fileTicket(h, USERS.stranger, 'La impresora del piso 3 no imprime.');
    await queueCard(h, earlier.radicado);

    const answered = invokeCard(await press(h, USERS.manager, approval, 'Aprobar'));
    expect(cardText(answered)).toContain('Usted aprobó la solicitud.');
    expect(cardText(answered)).toContain('Aprobada por Jorge Jefe de Área');
    expect(() => findAction(answered, 'Aprobar')).toThrow();

    await waitForMessage(h, personalId(USERS.employee), `Su solicitud ${ticket.radicado} fue aprobada por Jorge Jefe de Área`);
    await queueCard(h, ticket.radicado);
    // The outbox also redraws his posted card, racing the answer above: it says the same to him.
    await drained(h);
    const redrawn = h.connector.sent.filter((r) => r.method === 'PUT' && r.conversationId === personalId(USERS.manager));
    expect(redrawn.length).toBeGreaterThan(0);
    expect(cardOrText(redrawn[redrawn.length - 1])).toContain('Usted aprobó la solicitud.');
    const now = (await h.app.tickets.get(ticket.id))!;
    expect(now.status).toBe('new');
    expect(now.sla).toBeDefined();
    expect(now.sla!.firstResponseDueAt.getTime()).toBeGreaterThan(now.createdAt.getTime());
    expect(await h.app.tickets.queuePosition(now)).toBe(2);
    expect(await h.app.tickets.queuePosition((await h.app.tickets.get(earlier.id))!)).toBe(1);
    const events = await h.app.tickets.events(ticket.id);
    expect(events.find((e) => e.kind === 'approved')).toMatchObject({ actor: { oid: USERS.manager.oid, name: USERS.manager.name } });
    expect(await h.app.tickets.verifyHistory()).toEqual([]);

    // The supervisors' figures: the approval time on its own, the first response counted from the approval.
    await h.post(message(h, USERS.supervisor, 'indicadores'));
    const metrics = cardOrText(await waitForMessage(h, personalId(USERS.supervisor), 'Mediana de aprobación'));
    expect(metrics).toContain('Aprobadas / rechazadas\n1 / 0');
    expect(metrics).toContain('Esperando aprobación\n0');
    const today = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
    const { csv } = await exportTicketsCsv(h.app.services.reports, { from: today, to: today }, exportLabels(h.app.services.catalog, 'es'), new Date(), h.app.services.calendar);
    const [header, ...rows] = csv.split('\r\n');
    expect(header).toContain('Aprobación,Decidió la aprobación,Tiempo de aprobación (horas hábiles)');
    expect(rows.find((r) => r.startsWith(ticket.radicado))).toMatch(/,Aprobada,Jorge Jefe de Área,\d+\.\d,/);
    expect(rows.find((r) => r.startsWith(earlier.radicado))).toMatch(/Pedro Otro,[^,]*,[^,]*,[^,]*,,,,/);

    // Pressed again on the stale card: nothing changes, the card says it was decided.
    const again = invokeCard(await press(h, USERS.manager, approval, 'Aprobar'));
    expect(cardText(again)).toContain('Ya estaba decidida; no se cambió nada.');
    expect((await h.app.tickets.events(ticket.id)).filter((e) => e.kind === 'approved')).toHaveLength(1);
  });

  it('rejected: a reason is required (the card keeps its buttons), then the case is closed as rejected and the requester gets the reason', async () => {
    const { ticket } = await fileRequest(h);
    const approval = await approvalCardOf(h, USERS.manager, ticket.radicado);
    const noReason = invokeCard(await press(h, USERS.manager, approval, 'Rechazar', { reason: '   ' }));
    expect(cardText(noReason)).toContain('Para rechazar, escriba el motivo');
    expect(findAction(noReason, 'Rechazar')).toBeDefined();
    expect((await h.app.tickets.get(ticket.id))!.status).toBe('pending_approval');

    const rejected = invokeCard(await press(h, USERS.manager, noReason, 'Rechazar', { reason: 'El acceso lo pide el jefe de PQRS.' }));
    expect(cardText(rejected)).toContain('Usted rechazó la solicitud.');
    expect(cardText(rejected)).toContain('Motivo: El acceso lo pide el jefe de PQRS.');
    const told = await waitForMessage(h, personalId(USERS.employee), `Su solicitud ${ticket.radicado} fue rechazada por Jorge Jefe de Área`);
    expect(cardOrText(told)).toContain('Motivo: El acceso lo pide el jefe de PQRS.');
    const now = (await h.app.tickets.get(ticket.id))!;
    expect(now.status).toBe('rejected');
    expect(now.closedAt).toBeDefined();
    expect((await h.app.tickets.events(ticket.id)).find((e) => e.kind === 'rejected')?.data).toMatchObject({ reason: 'El acceso lo pide el jefe de PQRS.' });
    await drained(h);
    expect(h.connector.messagesTo(TEAM.channelId).some((r) => cardOrText(r).includes(ticket.radicado))).toBe(false);
    // The status card tells the requester too.
    const status = invokeCard(await h.post(cardAction(h, USERS.employee, 'ticket.status', { ticketId: ticket.id })));
    expect(cardText(status)).toContain('Rechazada');
  });

  it('refuses a crafted decision from everyone who is not an approver exactly as for a ticket that does not exist', async () => {
    const { ticket } = await fileRequest(h);
    const missing = invokeCard(await h.post(cardAction(h, USERS.stranger, 'ticket.status', { ticketId: 999_999 })));
    for (const u of [USERS.employee, USERS.agent, USERS.supervisor, USERS.stranger, MARTA]) {
      for (const verb of ['approval.approve', 'approval.reject', 'approval.show']) {
        const res = invokeCard(await h.post(cardAction(h, u, verb, { ticketId: ticket.id, reason: 'x' })));
        expect(cardText(res)).toBe(cardText(missing));
      }
    }
    // A forged id shape changes nothing either.
    expect(cardText(invokeCard(await h.post(cardAction(h, USERS.manager, 'approval.approve', { ticketId: '1 OR 1=1' }))))).toBe(cardText(missing));
    const now = (await h.app.tickets.get(ticket.id))!;
    expect(now.status).toBe('pending_approval');
    expect(now.version).toBe(ticket.version);
  });

  it('nobody approves their own request: the manager filing the same template is asked of his own head, never himself', async () => {
    const res = await h.post(cardAction(h, USERS.manager, 'ticket.submit', form()));
    const text = cardText(invokeCard(res));
    // Jorge has no manager in the directory and heads Planeación himself: nobody else can approve.
    expect(text).toContain('no encontramos a nadie');
    expect(await h.app.tickets.getByRadicado('MDA-2026-000001')).toBeNull();
  });

  it('a delegate decides on behalf of the approver, and the history says so', async () => {
    const { ticket } = await fileRequest(h);
    const list = cardText(invokeCard(await h.post(cardAction(h, USERS.secretary, 'approvals.mine'))));
    expect(list).toContain(ticket.radicado);
    expect(list).toContain('En nombre de Jorge Jefe de Área');
    const card = invokeCard(await h.post(cardAction(h, USERS.secretary, 'approval.show', { ticketId: ticket.id })));
    expect(cardText(card)).toContain('Usted puede decidir en su nombre');
    const done = invokeCard(await press(h, USERS.secretary, card, 'Aprobar'));
    expect(cardText(done)).toContain('Aprobada por Sara Secretaria, en nombre de Jorge Jefe de Área');
    await waitForMessage(h, personalId(USERS.employee), 'fue aprobada por Sara Secretaria, en nombre de Jorge Jefe de Área');
    const approved = (await h.app.tickets.events(ticket.id)).find((e) => e.kind === 'approved')!;
    expect(approved.actor).toMatchObject({ oid: USERS.secretary.oid });
    expect(approved.data).toMatchObject({ onBehalfOf: { oid: USERS.manager.oid, name: USERS.manager.name } });
    // Jorge's card shows it decided, without buttons.
    await h.connector.waitFor(() => h.connector.sent.some((r) => r.method === 'PUT' && r.conversationId === personalId(USERS.manager) && cardOrText(r).includes('Aprobada por Sara Secretaria')));
    const update = h.connector.sent.filter((r) => r.method === 'PUT' && r.conversationId === personalId(USERS.manager)).pop()!;
    expect(() => findAction(cardOf(update), 'Aprobar')).toThrow();
  });

  it('cancelled by the requester while awaiting approval: the approver\'s card says so and can no longer decide it', async () => {
    const { ticket } = await fileRequest(h);
    const approval = await approvalCardOf(h, USERS.manager, ticket.radicado);
    const status = invokeCard(await h.post(cardAction(h, USERS.employee, 'ticket.status', { ticketId: ticket.id })));
    const cancelled = invokeCard(await press(h, USERS.employee, status, 'Cancelar solicitud'));
    expect(cardText(cancelled)).toContain('Cancelado');
    await h.connector.waitFor(() => h.connector.sent.some((r) => r.method === 'PUT' && r.conversationId === personalId(USERS.manager) && cardOrText(r).includes('El solicitante canceló esta solicitud.')));
    const late = invokeCard(await press(h, USERS.manager, approval, 'Aprobar'));
    expect(cardText(late)).toContain('Ya estaba decidida; no se cambió nada.');
    expect((await h.app.tickets.get(ticket.id))!.status).toBe('cancelled');
    const list = cardText(invokeCard(await h.post(cardAction(h, USERS.manager, 'approvals.mine'))));
    expect(list).not.toContain(ticket.radicado);
  });

  it('two approvers pressing at once: one decision, the other sees it', async () => {
    const { ticket } = await fileRequest(h);
    const jorge = await approvalCardOf(h, USERS.manager, ticket.radicado);
    const sara = invokeCard(await h.post(cardAction(h, USERS.secretary, 'approval.show', { ticketId: ticket.id })));
    const [a, b] = await Promise.all([press(h, USERS.manager, jorge, 'Aprobar'), press(h, USERS.secretary, sara, 'Rechazar', { reason: 'No corresponde.' })]);
    const texts = [cardText(invokeCard(a)), cardText(invokeCard(b))];
    expect(texts.filter((t) => t.includes('Ya estaba decidida')).length).toBe(1);
    const decisions = (await h.app.tickets.events(ticket.id)).filter((e) => e.kind === 'approved' || e.kind === 'rejected');
    expect(decisions).toHaveLength(1);
    expect(await h.app.tickets.verifyHistory()).toEqual([]);
  });

  it('"mis aprobaciones" lists what waits for the person, in Spanish and in English', async () => {
    const { ticket } = await fileRequest(h);
    await h.post(message(h, USERS.manager, 'mis aprobaciones'));
    const es = await waitForMessage(h, personalId(USERS.manager), 'Mis aprobaciones', 'Una solicitud espera su decisión.');
    expect(cardOrText(es)).toContain(ticket.radicado);
    expect(findAction(cardOf(es), 'Revisar y decidir').verb).toBe('approval.show');
    await h.post(message(h, USERS.manager, 'my approvals', 'en-US'));
    const en = await waitForMessage(h, personalId(USERS.manager), 'My approvals', 'One request is waiting for your decision.');
    expect(cardOrText(en)).toContain(ticket.radicado);
    expect(findAction(cardOf(en), 'Review and decide')).toBeDefined();
    await h.post(message(h, USERS.employee, '¿qué tengo por aprobar?'));
    const none = await waitForMessage(h, personalId(USERS.employee), 'No tiene solicitudes esperando su aprobación.');
    expect(cardOrText(none)).not.toContain(ticket.radicado);
  });
});

describe('approvals by a named group, with an approver away', () => {
  it('sends the card to the group members and to the delegate of the one who is away; of two pressing at once one decides', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-appr-'));
    const catalog = JSON.parse(fs.readFileSync(path.join(ROOT, 'config', 'catalog.json'), 'utf8'));
    const template = catalog.categories.flatMap((c: any) => c.services).flatMap((s: any) => s.templates).find((t: any) => t.id === TEMPLATE);
    template.approval = { by: 'group:aprobadores-buzones' };
    const directory = JSON.parse(fs.readFileSync(path.join(ROOT, 'config', 'directory.json'), 'utf8'));
    directory.approverGroups = { 'aprobadores-buzones': [USERS.manager.email, MARTA.email] };
    directory.users.find((u: any) => u.oid === USERS.manager.oid).awayUntil = '2099-01-01';
    fs.writeFileSync(path.join(dir, 'catalog.json'), JSON.stringify(catalog));
    fs.writeFileSync(path.join(dir, 'directory.json'), JSON.stringify(directory));
    const h = await startHarness({ CATALOG_PATH: path.join(dir, 'catalog.json'), DIRECTORY_PATH: path.join(dir, 'directory.json') });
    try {
      h.connector.members.set(MARTA.id, { id: MARTA.id, name: MARTA.name, aadObjectId: MARTA.oid, email: MARTA.email, userPrincipalName: MARTA.email });
      for (const u of [USERS.employee, USERS.manager, USERS.secretary, MARTA]) await h.post(installPersonal(h, u));
      await registerQueue(h);
      const { card, ticket } = await fileRequest(h);
      expect(cardText(card)).toContain('Pendiente de aprobación de Jorge Jefe de Área, Marta Directora de Talento Humano.');
      const marta = await approvalCardOf(h, MARTA, ticket.radicado);
      const sara = await approvalCardOf(h, USERS.secretary, ticket.radicado);
      expect(cardText(sara)).toContain('Ana Empleada pide la aprobación de Jorge Jefe de Área. Usted puede decidir en su nombre.');
      await drained(h);
      expect(approvalCards(h, USERS.manager, ticket.radicado)).toHaveLength(0);
      const [a, b] = await Promise.all([press(h, MARTA, marta, 'Aprobar'), press(h, USERS.secretary, sara, 'Aprobar')]);
      expect([cardText(invokeCard(a)), cardText(invokeCard(b))].filter((t) => t.includes('Ya estaba decidida'))).toHaveLength(1);
      expect((await h.app.tickets.events(ticket.id)).filter((e) => e.kind === 'approved')).toHaveLength(1);
      // The other member's card shows who decided, without buttons.
      const loser = cardText(invokeCard(a)).includes('Ya estaba decidida') ? MARTA : USERS.secretary;
      await h.connector.waitFor(() => h.connector.sent.some((r) => r.method === 'PUT' && r.conversationId === personalId(loser) && cardOrText(r).includes('Aprobada por')));
      await queueCard(h, ticket.radicado);
    } finally {
      await h.close();
    }
  });
});

describe('approval reminders and escalation on the working calendar', () => {
  it('reminds the manager after 4 working hours and escalates to the head of area after 8, who can then approve', async () => {
    const clock = new TestClock(bog('2026-11-24 08:00')); // a Tuesday
    const h = await setUp(clock);
    try {
      await registerQueue(h);
      const { ticket } = await fileRequest(h);
      await approvalCardOf(h, USERS.manager, ticket.radicado);
      clock.set(bog('2026-11-24 11:50'));
      expect(await h.app.approvals.runOnce()).toEqual({ reminded: 0, escalated: 0 });
      clock.set(bog('2026-11-24 12:05'));
      expect(await h.app.approvals.runOnce()).toEqual({ reminded: 1, escalated: 0 });
      await h.connector.waitFor(() => approvalCards(h, USERS.manager, ticket.radicado).some((r) => cardOrText(r).includes('Recordatorio: esta solicitud sigue esperando su decisión.')));
      expect(await h.app.approvals.runOnce()).toEqual({ reminded: 0, escalated: 0 });
      clock.set(bog('2026-11-24 15:55'));
      expect(await h.app.approvals.runOnce()).toEqual({ reminded: 0, escalated: 0 });
      clock.set(bog('2026-11-24 16:05')); // 8 working hours after Tuesday 08:00
      expect(await h.app.approvals.runOnce()).toEqual({ reminded: 0, escalated: 1 });
      const marta = await approvalCardOf(h, MARTA, ticket.radicado);
      await waitForMessage(h, personalId(USERS.employee), `Su solicitud ${ticket.radicado} aún no tiene respuesta`, MARTA.name);
      expect(await h.app.approvals.runOnce()).toEqual({ reminded: 0, escalated: 0 });
      const done = invokeCard(await press(h, MARTA, marta, 'Aprobar'));
      expect(cardText(done)).toContain('Aprobada por Marta Directora de Talento Humano');
      await queueCard(h, ticket.radicado);
      await drained(h);
      expect(approvalCards(h, USERS.manager, ticket.radicado)).toHaveLength(2);
      const kinds = (await h.app.tickets.events(ticket.id)).map((e) => e.kind);
      expect(kinds.filter((k) => k === 'approval_reminded')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'approval_escalated')).toHaveLength(1);
      expect(await h.app.tickets.verifyHistory()).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('approval cards across a restart', () => {
  it('delivers the pending approval card once after the bot restarts', async () => {
    const connector = await new LoopbackConnector().start();
    let h = await setUp(undefined, { connector });
    let radicado = '';
    try {
      await registerQueue(h);
      connector.failNext(503, 1000, (r) => r.conversationId === personalId(USERS.manager));
      ({ ticket: { radicado } } = await fileRequest(h));
      await h.close();
      connector.clearFailures();
      h = await setUp(undefined, { connector, dir: h.dir });
      await approvalCardOf(h, USERS.manager, radicado);
      await drained(h);
      expect(approvalCards(h, USERS.manager, radicado)).toHaveLength(1);
      expect(messagesWith(h, personalId(USERS.manager), 'Solicitud para aprobar')).toHaveLength(1);
    } finally {
      await h.close();
      await connector.stop();
    }
  });
});
