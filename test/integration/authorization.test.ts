/**
 * The authorisation gate, table-driven (issue 18): every card verb of the routing table and the
 * typed commands, for every kind of caller, on a ticket of theirs, someone else's and a missing
 * one. Allowed callers get through; everyone else gets exactly the "does not exist" answer and
 * changes nothing.
 */
import { VERBS } from '../../src/teams/bot';
import { cardOrText, fileTicket, registerQueue } from '../helpers/desk';
import {
  BOT,
  cardAction,
  installPersonal,
  message,
  personalConversation,
  randomUUID,
  startHarness,
  TEAM,
  TENANT,
  USERS,
  type Harness,
  type TestUser,
} from '../helpers/harness';

/** An engineer of another support team (mail and collaboration), not in the directory. */
const MARTA: TestUser = { id: '29:marta', oid: '00000000-0000-0000-0000-0000000000m1', name: 'Marta Correo', email: 'marta@entidad.gov.co' };
const MAIL_TEAM = { id: '19:team-correo@thread.tacv2', channelId: '19:correo@thread.tacv2' };
/** Someone of another tenant, with the supervisor's object id (roles come from the directory by oid). */
const FOREIGN: TestUser = { ...USERS.supervisor, id: '29:foreign' };
const OTHER_TENANT = 'tenant-2';

type Caller = 'requester' | 'otherEmployee' | 'queueEngineer' | 'otherQueueEngineer' | 'supervisor' | 'otherTenant';
const CALLERS: Record<Caller, TestUser> = {
  requester: USERS.employee,
  otherEmployee: USERS.stranger,
  queueEngineer: USERS.agent,
  otherQueueEngineer: MARTA,
  supervisor: USERS.supervisor,
  otherTenant: FOREIGN,
};
const ALLOWED: Record<'viewer' | 'requester' | 'staff' | 'approver', Caller[]> = {
  viewer: ['requester', 'queueEngineer', 'supervisor'],
  requester: ['requester'],
  staff: ['queueEngineer', 'supervisor'],
  // Nobody decides an ordinary ticket: approvers exist only for a request awaiting approval, and
  // approvals.test.ts proves them (and everyone else refused) on one.
  approver: [],
};

const tenantOf = (c: Caller) => (c === 'otherTenant' ? OTHER_TENANT : TENANT);

function asTenant<T extends { channelData?: any; conversation?: any }>(activity: T, tenant: string): T {
  return { ...activity, channelData: { ...(activity.channelData ?? {}), tenant: { id: tenant } }, conversation: { ...activity.conversation, tenantId: tenant } };
}

/** The data a card would carry for each verb, naming ticket `id` (and its attachment `attachmentId`). */
const DATA: Record<string, (ref: { id: number; attachmentId: number }) => Record<string, unknown>> = {
  'ticket.status': ({ id }) => ({ ticketId: id }),
  'ticket.refresh': ({ id }) => ({ ticketId: id, view: 'created' }),
  'ticket.addToExisting': ({ id }) => ({ ticketId: id, submissionKey: 'form-key-00000001', description: 'Más detalles del problema.' }),
  'ticket.reply': ({ id }) => ({ ticketId: id, message: 'Sigue fallando.' }),
  'ticket.confirm': ({ id }) => ({ ticketId: id }),
  'ticket.reopen': ({ id }) => ({ ticketId: id, reopenReason: 'Volvió a fallar.' }),
  'ticket.cancel': ({ id }) => ({ ticketId: id }),
  'queue.take': ({ id }) => ({ ticketId: id }),
  'queue.reply': ({ id }) => ({ ticketId: id, message: 'Ya lo reviso.' }),
  'queue.start': ({ id }) => ({ ticketId: id }),
  'queue.wait': ({ id }) => ({ ticketId: id }),
  'queue.resolve': ({ id }) => ({ ticketId: id, resolutionNote: 'Se reinició el servicio.' }),
  'queue.assign': ({ id }) => ({ ticketId: id, assignTo: USERS.agent2.oid }),
  'queue.refresh': ({ id }) => ({ ticketId: id }),
  // To the queue it is in ("ya está en la cola"): through the gate, and no other test's queue changes.
  'queue.move': ({ id }) => ({ ticketId: id, queueCategoryId: 'mesa-servicio-primer-nivel' }),
  'survey.submit': ({ id }) => ({ ticketId: id, score: '5', comment: '' }),
  'attachment.link': ({ id }) => ({ ticketId: id, attachmentIds: [1] }),
  'attachment.send': ({ attachmentId }) => ({ attachmentId }),
  'approval.approve': ({ id }) => ({ ticketId: id }),
  'approval.reject': ({ id }) => ({ ticketId: id, reason: 'No corresponde.' }),
  'approval.show': ({ id }) => ({ ticketId: id }),
  'kb.draft': ({ id }) => ({ ticketId: id }),
  'incident.declareForm': ({ id }) => ({ ticketId: id }),
  'incident.declare': ({ id }) => ({ ticketId: id, title: 'La VPN no conecta', services: 'acceso-remoto', statusText: 'Revisando.' }),
  'incident.choose': ({ id }) => ({ ticketId: id }),
  'incident.link': ({ id }) => ({ ticketId: id, masterId: id }),
  'incident.update': ({ id }) => ({ ticketId: id, incidentUpdate: 'Seguimos revisando.' }),
};
/** Verbs that name no ticket, with their role rule's callers. */
const ROLE_VERBS: Record<string, Caller[] | 'all'> = {
  help: 'all',
  'catalog.categories': 'all',
  'catalog.services': 'all',
  'catalog.templates': 'all',
  'catalog.all': 'all',
  'catalog.form': 'all',
  'ticket.submit': 'all',
  'tickets.mine': 'all',
  'approvals.mine': 'all',
  'queue.show': ['queueEngineer', 'otherQueueEngineer', 'supervisor', 'otherTenant'],
  'queue.next': ['queueEngineer', 'otherQueueEngineer', 'supervisor', 'otherTenant'],
  'privacy.anonymise': ['supervisor', 'otherTenant'],
  'queue.register': ['supervisor', 'otherTenant'],
  'kb.answered': 'all',
  'kb.feedback': 'all',
  'kb.show': 'all',
  'kb.drafts': ['supervisor', 'otherTenant'],
  'kb.review': ['supervisor', 'otherTenant'],
  'kb.publish': ['supervisor', 'otherTenant'],
  'kb.discard': ['supervisor', 'otherTenant'],
  'incident.declareNew': ['supervisor', 'otherTenant'],
  'incident.affects': 'all',
};

const MISSING = { id: 999_999, attachmentId: 999_999 };
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(256, 7)]);

describe('the authorisation gate', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ TICKETS_PER_HOUR: '1000', LOOKUPS_PER_MINUTE: '1000' });
    h.connector.members.set(MARTA.id, { id: MARTA.id, name: MARTA.name, aadObjectId: MARTA.oid, email: MARTA.email });
    h.connector.members.set(FOREIGN.id, { id: FOREIGN.id, name: FOREIGN.name, aadObjectId: FOREIGN.oid });
    h.connector.teams.set(MAIL_TEAM.id, [{ id: MARTA.id, name: MARTA.name, aadObjectId: MARTA.oid }]);
    await registerQueue(h);
    // A second support team serves mail and collaboration in its own channel.
    const register = {
      type: 'message',
      id: `reg-${randomUUID()}`,
      channelId: 'msteams',
      serviceUrl: h.connector.url,
      locale: 'es-CO',
      from: { id: USERS.supervisor.id, name: USERS.supervisor.name, aadObjectId: USERS.supervisor.oid },
      recipient: BOT,
      text: '<at>Mesa de Ayuda</at> registrar cola Correo y colaboración',
      conversation: { id: MAIL_TEAM.channelId, conversationType: 'channel', isGroup: true, tenantId: TENANT },
      channelData: { tenant: { id: TENANT }, team: { id: MAIL_TEAM.id }, channel: { id: MAIL_TEAM.channelId } },
      entities: [{ type: 'mention', mentioned: BOT, text: '<at>Mesa de Ayuda</at>' }],
    };
    expect((await h.post(register)).status).toBe(200);
    await h.connector.waitFor(() => h.connector.messagesTo(MAIL_TEAM.channelId).length > 0);
    for (const u of Object.values(CALLERS)) await h.post(asTenant(installPersonal(h, u), tenantOf(callerName(u))));
  });
  afterAll(() => h.close());

  function callerName(u: TestUser): Caller {
    return (Object.entries(CALLERS).find(([, v]) => v === u)?.[0] ?? 'otherEmployee') as Caller;
  }

  function post(caller: Caller, verb: string, data: Record<string, unknown>) {
    const u = CALLERS[caller];
    return h.post(asTenant(cardAction(h, u, verb, data), tenantOf(caller)));
  }

  /** A fresh ticket of Ana's in the general queue, with one attached file. */
  async function anasTicket() {
    const ticket = await fileTicket(h, USERS.employee, `La VPN no conecta (${randomUUID().slice(0, 8)}).`);
    const attachment = await h.app.services.attachments.attach(
      { oid: USERS.employee.oid, name: USERS.employee.name, tenantId: TENANT, roles: ['employee'] },
      { name: 'captura.png', fileType: 'png', contentType: 'image/png', bytes: PNG, source: 'teams_file' },
      ticket,
    );
    return { ticket, ref: { id: ticket.id, attachmentId: attachment.id } };
  }

  /**
   * What the database and the connector hold about a ticket: any change shows here. The answers
   * to the callers themselves (in their personal chats) are compared separately.
   */
  async function snapshot(ticketId: number) {
    const t = await h.app.tickets.get(ticketId);
    const events = await h.app.tickets.events(ticketId);
    const chats = Object.values(CALLERS).map((u) => personalConversation(u).id);
    const sent = h.connector.sent.filter((r) => !chats.includes(r.conversationId)).length;
    return { ticket: JSON.stringify(t), events: events.length, outbox: await h.app.storage.outbox.pendingCount(), sent };
  }

  it('declares a rule for every verb of the routing table, and this test covers each', () => {
    for (const [verb, route] of Object.entries(VERBS)) {
      expect('who' in route || 'ticket' in route).toBe(true);
      if ('ticket' in route) expect(DATA[verb]).toBeDefined();
      else expect(ROLE_VERBS[verb]).toBeDefined();
    }
    expect(Object.keys(DATA).length + Object.keys(ROLE_VERBS).length).toBe(Object.keys(VERBS).length);
  });

  it('answers every refused caller of a ticket verb exactly as for a missing ticket, and changes nothing', async () => {
    for (const [verb, route] of Object.entries(VERBS)) {
      if (!('ticket' in route)) continue;
      const { ticket, ref } = await anasTicket();
      await h.app.dispatcher.stop();
      const before = await snapshot(ticket.id);
      for (const caller of Object.keys(CALLERS) as Caller[]) {
        if (ALLOWED[route.ticket].includes(caller)) continue;
        const missing = await post(caller, verb, DATA[verb](MISSING));
        const refused = await post(caller, verb, DATA[verb](ref));
        expect({ verb, caller, status: refused.status, body: refused.body }).toEqual({ verb, caller, status: missing.status, body: missing.body });
        expect(missing.status).toBe(200);
        expect(cardOrText({ body: { attachments: [{ content: missing.body.value }] } } as never)).toMatch(/No encontré ese caso entre los que puede consultar/);
      }
      expect({ verb, ...(await snapshot(ticket.id)) }).toEqual({ verb, ...before });
      h.app.dispatcher.start();
    }
  });

  it('lets every allowed caller of a ticket verb through the gate', async () => {
    for (const [verb, route] of Object.entries(VERBS)) {
      if (!('ticket' in route)) continue;
      for (const caller of ALLOWED[route.ticket]) {
        const { ref } = await anasTicket();
        const res = await post(caller, verb, DATA[verb](ref));
        const missing = await post(caller, verb, DATA[verb](MISSING));
        expect(res.status).toBe(200);
        expect({ verb, caller, body: res.body }).not.toEqual({ verb, caller, body: missing.body });
        expect(JSON.stringify(res.body)).not.toContain('No encontré ese caso');
      }
    }
  });

  it('applies the role rules of the verbs that name no ticket', async () => {
    for (const [verb, allowed] of Object.entries(ROLE_VERBS)) {
      for (const caller of Object.keys(CALLERS) as Caller[]) {
        const res = await post(caller, verb, verb === 'privacy.anonymise' ? { who: '00000000-0000-0000-0000-000000000000' } : {});
        expect(res.status).toBe(200);
        const text = JSON.stringify(res.body);
        const refused = /solo para el equipo de soporte|Solo un supervisor/.test(text);
        expect({ verb, caller, refused }).toEqual({ verb, caller, refused: allowed !== 'all' && !allowed.includes(caller) });
      }
    }
  });

  describe('typed commands', () => {
    /** Sends a message and returns what the bot answered in that chat, with radicados masked. */
    async function say(caller: Caller, text: string): Promise<string> {
      const u = CALLERS[caller];
      const conv = personalConversation(u).id;
      const seen = h.connector.messagesTo(conv).length;
      expect((await h.post(asTenant(message(h, u, text), tenantOf(caller)))).status).toBe(200);
      return h.connector
        .messagesTo(conv)
        .slice(seen)
        .map((r) => cardOrText(r))
        .join('\n---\n')
        .replace(/MDA-\d{4}-\d{6}/g, 'MDA-XXXX-XXXXXX');
    }

    const year = new Date().getFullYear();
    const missingRadicado = `MDA-${year}-999999`;

    it.each([
      ['estado del radicado', 'viewer'],
      ['tomar', 'staff'],
      ['cancelar radicado', 'requester'],
    ] as const)('"%s <radicado>" answers refused callers exactly as for a missing radicado', async (command, audience) => {
      const { ticket } = await anasTicket();
      await h.app.dispatcher.stop();
      const before = await snapshot(ticket.id);
      for (const caller of Object.keys(CALLERS) as Caller[]) {
        if (ALLOWED[audience].includes(caller)) continue;
        const missing = await say(caller, `${command} ${missingRadicado}`);
        const refused = await say(caller, `${command} ${ticket.radicado}`);
        expect({ caller, refused }).toEqual({ caller, refused: missing });
        expect(missing).toContain('No encontré el radicado MDA-XXXX-XXXXXX entre los casos que puede consultar');
      }
      expect(await snapshot(ticket.id)).toEqual(before);
      h.app.dispatcher.start();
      for (const caller of ALLOWED[audience]) {
        const fresh = await anasTicket();
        expect({ caller, answer: await say(caller, `${command} ${fresh.ticket.radicado}`) }).not.toEqual({
          caller,
          answer: expect.stringContaining('No encontré el radicado'),
        });
      }
    });

    it('"siguiente" and "cola" hand out and list only tickets of the caller\'s own queues', async () => {
      const { ticket } = await anasTicket();
      const queueOf = async (u: TestUser, tenant = TENANT) => JSON.stringify((await h.post(asTenant(cardAction(h, u, 'queue.show', {}), tenant))).body);
      // Marta serves mail only: no VPN ticket is in her queue view, and none is handed to her.
      expect(await queueOf(MARTA)).toContain('Cola de casos abiertos (0)');
      expect(await say('otherQueueEngineer', 'siguiente')).toContain('No hay casos sin asignar en la cola.');
      expect((await h.app.tickets.get(ticket.id))!.assignee).toBeFalsy();
      // Someone of another tenant with a supervisor's id sees nothing of this tenant.
      expect(await queueOf(FOREIGN, OTHER_TENANT)).toContain('Cola de casos abiertos (0)');
      await say('otherTenant', 'siguiente');
      expect((await h.app.tickets.get(ticket.id))!.assignee).toBeFalsy();
      // Employees are told the queue is for the support team.
      expect(await say('otherEmployee', 'cola')).toContain('solo para el equipo de soporte');
      expect(await say('otherEmployee', 'siguiente')).toContain('solo para el equipo de soporte');
      // A mail ticket is Marta's: in her queue, and not Iván's to take.
      const mail = await h.app.services.tickets.file({
        submissionKey: randomUUID(),
        requester: { oid: USERS.employee.oid, tenantId: TENANT, name: USERS.employee.name, email: USERS.employee.email },
        locale: 'es',
        contactChannel: 'teams',
        categoryId: 'correo-y-colaboracion',
        serviceId: 'correo-electronico',
        templateId: 'falla-correo',
        fieldValues: {},
        description: 'No me llegan los correos desde ayer.',
        priority: 'high',
      });
      expect(await queueOf(MARTA)).toContain(mail.ticket.radicado);
      expect(await queueOf(USERS.agent)).not.toContain(mail.ticket.radicado);
      expect(await say('queueEngineer', `tomar ${mail.ticket.radicado}`)).toContain('No encontré el radicado');
      expect(await say('otherQueueEngineer', 'siguiente')).toContain(mail.ticket.radicado.replace(/\d{4}-\d{6}/, 'XXXX-XXXXXX'));
      expect((await h.app.tickets.get(mail.ticket.id))!.assignee?.oid).toBe(MARTA.oid);
    });

    it('exports and personal-data commands are for supervisors only', async () => {
      for (const caller of ['requester', 'otherEmployee', 'queueEngineer', 'otherQueueEngineer'] as Caller[]) {
        for (const command of ['exportar casos 2026-11-01 2026-11-30', `exportar datos de ${USERS.employee.email}`, `anonimizar datos de ${USERS.employee.email}`, 'indicadores']) {
          expect({ caller, command, answer: await say(caller, command) }).toEqual({ caller, command, answer: expect.stringContaining('Solo un supervisor puede hacer esto.') });
        }
      }
    });

    it('a file naming someone else\'s radicado is answered as for a radicado that does not exist', async () => {
      const { ticket } = await anasTicket();
      const file = (text: string) => ({
        ...message(h, USERS.stranger, text),
        attachments: [
          {
            contentType: 'application/vnd.microsoft.teams.file.download.info',
            name: 'captura.png',
            contentUrl: 'https://contoso.sharepoint.com/personal/docs/captura.png',
            content: { downloadUrl: `${h.connector.url}never-downloaded.png`, uniqueId: randomUUID(), fileType: 'png' },
          },
        ],
      });
      const conv = personalConversation(USERS.stranger).id;
      const answer = async (text: string) => {
        const seen = h.connector.messagesTo(conv).length;
        await h.post(file(text));
        return h.connector.messagesTo(conv).slice(seen).map(cardOrText).join('\n').replace(/MDA-\d{4}-\d{6}/g, 'MDA-XXXX-XXXXXX');
      };
      await h.app.dispatcher.stop();
      const before = await snapshot(ticket.id);
      const missing = await answer(`aquí va la captura del ${missingRadicado}`);
      expect(await answer(`aquí va la captura del ${ticket.radicado}`)).toEqual(missing);
      expect(missing).toContain('No encontré el radicado MDA-XXXX-XXXXXX entre sus casos. No se guardó ningún archivo.');
      expect(await snapshot(ticket.id)).toEqual(before);
      h.app.dispatcher.start();
    });
  });
});
