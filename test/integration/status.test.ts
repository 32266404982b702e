import type { Actor } from '../../src/domain/tickets/state-machine';
import type { Ticket } from '../../src/domain/tickets/model';
import { bogotaYear } from '../../src/domain/tickets/radicado';
import {
  cardAction,
  cardText,
  findAction,
  invokeCard,
  message,
  press,
  startHarness,
  USERS,
  type Harness,
  type TestUser,
} from '../helpers/harness';
import { REMOTE_ACCESS_FORM } from '../helpers/desk';

const YEAR = bogotaYear(new Date());
const RAD1 = `MDA-${YEAR}-000001`;

// These tests file the same service again on purpose: they answer the duplicate check (#13) as
// its "Registrar uno nuevo de todos modos" button does. duplicates.test.ts covers the offer itself.
const REMOTE = { ...REMOTE_ACCESS_FORM, duplicateChoice: 'new' };

const actor = (u: TestUser, roles: Actor['roles']): Actor => ({ oid: u.oid, name: u.name, roles });
const AGENT = actor(USERS.agent, ['agent']);
const REQUESTER = actor(USERS.employee, ['employee']);

/** Files "Solicitud de acceso remoto" over HTTP as `user`; returns the radicado. */
async function file(h: Harness, user: TestUser = USERS.employee): Promise<string> {
  const form = invokeCard(await h.post(cardAction(h, user, 'catalog.form', { templateId: 'solicitud-acceso-remoto' })));
  const done = cardText(invokeCard(await press(h, user, form, 'Guardar', REMOTE)));
  return /MDA-\d{4}-\d{6}/.exec(done)![0];
}

/** Sends a text message and returns the card the bot answered with. */
async function ask(h: Harness, activity: any): Promise<any> {
  // Proactive notifications (outbox) land in the same chat: take the reply to this activity.
  const isReply = (r: any) => r.body?.replyToId === activity.id || r.replyToId === activity.id;
  const res = await h.post(activity);
  expect(res.status).toBeLessThan(300);
  await h.connector.waitFor(() => h.connector.sent.some(isReply));
  const reply = h.connector.sent.find(isReply)!;
  return reply.body.attachments?.[0]?.content ?? { text: reply.body.text };
}

const askText = (h: Harness, user: TestUser, text: string, locale = 'es-CO') => ask(h, message(h, user, text, locale));

async function ticket(h: Harness, radicado: string): Promise<Ticket> {
  return (await h.app.tickets.getByRadicado(radicado))!;
}

function actionTitles(card: any): string[] {
  const out: string[] = [];
  const walk = (n: any) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n && typeof n === 'object') {
      if (typeof n.type === 'string' && n.type.startsWith('Action.')) out.push(n.title);
      Object.values(n).forEach(walk);
    }
  };
  walk(card);
  return out;
}

describe('ticket status: "estado del radicado", states, authorization, "mis casos"', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  describe('with default limits', () => {
    beforeEach(async () => {
      h = await startHarness();
    });

    it('answers "estado del radicado", "¿cómo va el radicado mda-YYYY-1?" and "status of radicado" with the status card', async () => {
      expect(await file(h)).toBe(RAD1);
      const t = await ticket(h, RAD1);
      const replied = await h.app.services.tickets.take(t, AGENT);
      expect(replied.ok).toBe(true);
      const r = await h.app.services.tickets.reply(replied.ticket, AGENT, 'Hola Ana, ¿desde qué equipo se conecta?');
      expect(r.ok).toBe(true);

      for (const text of [`estado del radicado ${RAD1}`, `¿cómo va el radicado mda-${YEAR}-1?`]) {
        const card = await askText(h, USERS.employee, text);
        const s = cardText(card);
        expect(s).toContain(RAD1);
        expect(s).toContain('Acceso remoto');
        expect(s).toContain('En progreso');
        expect(s).toContain('Lo atiende');
        expect(s).toContain(USERS.agent.name);
        expect(s).toContain('Creado');
        expect(s).toContain('Actualizado');
        expect(s).toContain('Últimos mensajes');
        expect(s).toContain('¿desde qué equipo se conecta?');
      }
      const en = cardText(await askText(h, USERS.employee, `status of radicado ${RAD1}`, 'en-US'));
      expect(en).toContain(RAD1);
      expect(en).toContain('Remote access');
      expect(en).toContain('In progress');
      expect(en).not.toContain('En progreso');
    });

    it('shows the queue position while the ticket is new', async () => {
      await file(h, USERS.manager);
      const rad = await file(h);
      const s = cardText(await askText(h, USERS.employee, `estado del radicado ${rad}`));
      expect(s).toContain('Nuevo, en cola');
      // Said once, as a sentence (no separate "Posición en la cola" fact).
      expect(s).toContain('Usted es el número 2 en la cola');
      expect(s).not.toContain('Posición en la cola');
      expect(s).toContain('Sin asignar');
    });

    it('shows the right state text and actions in each state', async () => {
      const expectState = async (rad: string, status: string, yes: string[], no: string[]) => {
        const card = await askText(h, USERS.employee, `estado del radicado ${rad}`);
        const s = cardText(card);
        expect(s).toContain(status);
        const titles = actionTitles(card);
        for (const t of yes) expect(titles).toContain(t);
        for (const t of no) expect(titles).not.toContain(t);
        return card;
      };
      const all = ['Cancelar solicitud', 'Reabrir', 'Confirmar solución'];
      const rad = await file(h);
      await expectState(rad, 'Nuevo, en cola', ['Cancelar solicitud', 'Enviar'], ['Reabrir', 'Confirmar solución']);
      const svc = h.app.services.tickets;
      expect((await svc.take(await ticket(h, rad), AGENT)).ok).toBe(true);
      await expectState(rad, 'Asignado', ['Enviar'], all);
      expect((await svc.setStatus(await ticket(h, rad), 'start', AGENT)).ok).toBe(true);
      await expectState(rad, 'En progreso', [], all);
      expect((await svc.setStatus(await ticket(h, rad), 'wait', AGENT)).ok).toBe(true);
      await expectState(rad, 'Esperando su respuesta', [], all);
      expect((await svc.setStatus(await ticket(h, rad), 'resolve', AGENT, 'Se configuró el cliente VPN.')).ok).toBe(true);
      const resolved = await expectState(rad, 'Resuelto', ['Reabrir', 'Confirmar solución'], ['Cancelar solicitud']);
      expect(cardText(resolved)).toContain('Se configuró el cliente VPN.');
      // The buttons work: confirm closes it.
      const closed = invokeCard(await press(h, USERS.employee, resolved, 'Confirmar solución'));
      expect(cardText(closed)).toContain('Cerrado');
      await expectState(rad, 'Cerrado', ['Reabrir'], ['Cancelar solicitud', 'Confirmar solución', 'Enviar']);

      const rad2 = await file(h);
      expect((await svc.cancel(await ticket(h, rad2), REQUESTER)).ok).toBe(true);
      await expectState(rad2, 'Cancelado', [], all);

      // Cancel from the card while new.
      const rad3 = await file(h);
      const card3 = await askText(h, USERS.employee, `estado del radicado ${rad3}`);
      const cancelled = invokeCard(await press(h, USERS.employee, card3, 'Cancelar solicitud'));
      expect(cardText(cancelled)).toContain('Cancelado');
    });

    it('lets the requester and an agent see it; another employee and another tenant get exactly the not-found answer', async () => {
      const rad = await file(h);
      expect(cardText(await askText(h, USERS.employee, `estado del radicado ${rad}`))).toContain('Nuevo, en cola');
      const agentView = cardText(await askText(h, USERS.agent, `estado del radicado ${rad}`));
      expect(agentView).toContain(rad);
      expect(agentView).toContain('Acceso remoto');

      const missing = `MDA-${YEAR}-000999`;
      const strip = (card: any, r: string) => JSON.stringify(card).split(r).join('<R>');
      const foreign = await askText(h, USERS.stranger, `estado del radicado ${rad}`);
      const absent = await askText(h, USERS.stranger, `estado del radicado ${missing}`);
      expect(cardText(foreign)).not.toContain('Acceso remoto');
      expect(strip(foreign, rad)).toBe(strip(absent, missing));

      // The same through a crafted card action with the ticket id.
      const t = await ticket(h, rad);
      const byId = await h.post(cardAction(h, USERS.stranger, 'ticket.status', { ticketId: t.id }));
      const byMissingId = await h.post(cardAction(h, USERS.stranger, 'ticket.status', { ticketId: 999999 }));
      expect(JSON.stringify(byId.body)).toBe(JSON.stringify(byMissingId.body));
      expect(cardText(byId.body)).not.toContain('Acceso remoto');

      // Another tenant, even with the requester's own object id.
      const other = (text: string) => {
        const a: any = message(h, USERS.employee, text);
        a.channelData = { tenant: { id: 'tenant-2' } };
        a.conversation = { ...a.conversation, tenantId: 'tenant-2' };
        return a;
      };
      const otherTenant = await ask(h, other(`estado del radicado ${rad}`));
      const otherMissing = await ask(h, other(`estado del radicado ${missing}`));
      expect(cardText(otherTenant)).not.toContain('Acceso remoto');
      expect(strip(otherTenant, rad)).toBe(strip(otherMissing, missing));
      expect(strip(otherTenant, rad)).toBe(strip(absent, missing));
    });

    it('lists "mis casos" open first then closed, 5 per page, with "Más" going to page 2', async () => {
      const rads: string[] = [];
      for (let i = 0; i < 7; i++) rads.push(await file(h));
      const svc = h.app.services.tickets;
      // Close the 1st and the 3rd (cancelled), leave the others open.
      expect((await svc.cancel(await ticket(h, rads[0]), REQUESTER)).ok).toBe(true);
      expect((await svc.cancel(await ticket(h, rads[2]), REQUESTER)).ok).toBe(true);
      const page1 = await askText(h, USERS.employee, 'mis casos');
      const order1 = [...cardText(page1).matchAll(/MDA-\d{4}-\d{6}/g)].map((m) => m[0]);
      expect(order1).toEqual([rads[1], rads[3], rads[4], rads[5], rads[6]]);
      expect(cardText(page1)).toContain('Página 1 de 2');
      const page2 = invokeCard(await press(h, USERS.employee, page1, 'Más'));
      const order2 = [...cardText(page2).matchAll(/MDA-\d{4}-\d{6}/g)].map((m) => m[0]);
      expect(order2).toHaveLength(2);
      expect(new Set(order2)).toEqual(new Set([rads[0], rads[2]]));
      expect(cardText(page2)).toContain('Página 2 de 2');
      expect(cardText(page2)).toContain('Cancelado');
      expect(() => findAction(page2, 'Más')).toThrow();
      // Someone else's list does not show them.
      const others = cardText(await askText(h, USERS.manager, 'mis casos'));
      for (const r of rads) expect(others).not.toContain(r);
    });

    it('answers unknown text helpfully with the main buttons', async () => {
      const card = await askText(h, USERS.employee, 'qwerty asdf zxcv');
      expect(cardText(card)).toContain('No entendí');
      for (const t of ['Nueva solicitud', 'Mis casos', 'Ayuda']) findAction(card, t);
      const en = await askText(h, USERS.employee, 'qwerty asdf zxcv', 'en-US');
      expect(cardText(en)).toContain('did not understand');
      for (const t of ['New request', 'My tickets', 'Help']) findAction(en, t);
    });
  });

  it('rate-limits lookups (LOOKUPS_PER_MINUTE=3): the 4th gets the message', async () => {
    h = await startHarness({ LOOKUPS_PER_MINUTE: '3' });
    const rad = await file(h);
    for (let i = 0; i < 3; i++) expect(cardText(await askText(h, USERS.employee, `estado del radicado ${rad}`))).toContain(rad);
    const fourth = cardText(await askText(h, USERS.employee, `estado del radicado ${rad}`));
    expect(fourth).toContain('Demasiadas consultas seguidas');
    expect(fourth).not.toContain('Acceso remoto');
    // Also through the card action.
    const t = await ticket(h, rad);
    const res = await h.post(cardAction(h, USERS.employee, 'ticket.status', { ticketId: t.id }));
    expect(cardText(res.body)).toContain('Demasiadas consultas seguidas');
    // Another person is not affected.
    expect(cardText(await askText(h, USERS.agent, `estado del radicado ${rad}`))).toContain(rad);
  });
});
