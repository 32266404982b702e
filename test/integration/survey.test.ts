/**
 * The satisfaction survey: sent to the requester when the ticket is resolved, answered once,
 * changeable for SURVEY_CHANGE_MINUTES, then locked; re-validated on the server; a low score
 * notifies the supervisor.
 */
import type { Ticket } from '../../src/domain/tickets/model';
import { cardOf, drained, fileTicket, messagesWith, personalId, queueCard, registerQueue, waitForMessage } from '../helpers/desk';
import { cardAction, cardText, channelConversation, installPersonal, invokeCard, press, startHarness, TestClock, USERS, type Harness, type TestUser } from '../helpers/harness';
import { sql } from '../helpers/engine';

const bog = (local: string) => new Date(`${local.replace(' ', 'T')}:00-05:00`);

describe('the satisfaction survey', () => {
  let h: Harness;
  let clock: TestClock;
  beforeEach(async () => {
    clock = new TestClock(bog('2026-11-24 08:00'));
    h = await startHarness({ SURVEY_CHANGE_MINUTES: '30', SURVEY_LOW_SCORE: '2' }, { clock });
    for (const u of [USERS.employee, USERS.agent, USERS.supervisor]) await h.post(installPersonal(h, u));
    await registerQueue(h);
  });
  afterEach(async () => {
    await h.close();
  });

  async function resolved(): Promise<{ ticket: Ticket; survey: any }> {
    const ticket = await fileTicket(h);
    const post = await queueCard(h, ticket.radicado);
    const taken = invokeCard(await press(h, USERS.agent, cardOf(post), 'Tomar', {}, channelConversation()));
    invokeCard(await press(h, USERS.agent, taken, 'Resolver', { resolutionNote: 'Se reconfiguró el cliente VPN.' }, channelConversation()));
    const msg = await waitForMessage(h, personalId(USERS.employee), '¿Cómo le atendimos en el caso', ticket.radicado);
    return { ticket, survey: cardOf(msg) };
  }

  const answer = (u: TestUser, ticketId: number, score: unknown, comment = '') => h.post(cardAction(h, u, 'survey.submit', { ticketId, score, comment }));
  const stored = async (ticketId: number) => (await sql(h.app.storage, 'SELECT score, comment FROM satisfaction_surveys WHERE ticket_id = ?', ticketId))[0];

  it('is answered from its card, can be changed within the window, and is locked after it', async () => {
    const { ticket, survey } = await resolved();
    expect(cardText(survey)).toContain('5 — Excelente');
    let card = invokeCard(await press(h, USERS.employee, survey, 'Enviar calificación', { score: '4', comment: 'Rápido y amable' }));
    expect(cardText(card)).toContain('Gracias por su calificación (4/5)');
    expect(await stored(ticket.id)).toEqual({ score: 4, comment: 'Rápido y amable' });

    clock.advance(20);
    card = invokeCard(await press(h, USERS.employee, card, 'Enviar calificación', { score: '5' }));
    expect(cardText(card)).toContain('Actualizamos su calificación a 5/5');
    expect(await stored(ticket.id)).toEqual({ score: 5, comment: null });

    clock.advance(15); // 35 minutes after the first answer
    card = invokeCard(await press(h, USERS.employee, card, 'Enviar calificación', { score: '1' }));
    expect(cardText(card)).toContain('Su calificación (5/5) ya quedó registrada y no se puede cambiar.');
    expect(JSON.stringify(card)).not.toContain('survey.submit');
    expect(await stored(ticket.id)).toEqual({ score: 5, comment: null });
    const events = (await h.app.tickets.events(ticket.id)).filter((e) => e.kind === 'survey_answered');
    expect(events.map((e) => e.data.score)).toEqual([4, 5]);
  });

  it('notifies the supervisor of a low score once, with the comment', async () => {
    const { ticket, survey } = await resolved();
    invokeCard(await press(h, USERS.employee, survey, 'Enviar calificación', { score: '3' }));
    await drained(h);
    expect(messagesWith(h, personalId(USERS.supervisor), 'Calificación baja')).toHaveLength(0);

    clock.advance(5);
    invokeCard(await answer(USERS.employee, ticket.id, '2', 'Tardaron mucho'));
    await waitForMessage(h, personalId(USERS.supervisor), 'Calificación baja en el caso', ticket.radicado, '2/5', 'Tardaron mucho');
    clock.advance(5);
    invokeCard(await answer(USERS.employee, ticket.id, '1'));
    await drained(h);
    expect(messagesWith(h, personalId(USERS.supervisor), 'Calificación baja')).toHaveLength(1);
    expect(await stored(ticket.id)).toEqual({ score: 1, comment: null });
  });

  it('refuses answers from anyone but the requester, for open tickets, and out-of-range scores', async () => {
    const { ticket } = await resolved();
    for (const u of [USERS.agent, USERS.supervisor, USERS.stranger]) {
      // Only the requester may answer: to anyone else the ticket does not exist.
      expect(cardText(invokeCard(await answer(u, ticket.id, '1')))).toContain('No encontré ese caso entre los que puede consultar');
    }
    for (const bad of ['9', '0', '3.5', 'cinco', '', null]) {
      expect(cardText(invokeCard(await answer(USERS.employee, ticket.id, bad, 'conservar esto')))).toContain('Elija una calificación de 1 a 5.');
    }
    expect(cardText(invokeCard(await answer(USERS.employee, ticket.id, '4', 'x'.repeat(1001))))).toContain('demasiado largo');
    expect(cardText(invokeCard(await answer(USERS.employee, 999_999, '4')))).toContain('No encontré ese caso entre los que puede consultar');
    const open = await fileTicket(h);
    expect(cardText(invokeCard(await answer(USERS.employee, open.id, '5')))).toContain('Solo quien registró el caso puede calificarlo');
    expect(await stored(ticket.id)).toBeUndefined();
    expect(await stored(open.id)).toBeUndefined();
  });

  it('is not sent again when an answered ticket is reopened and resolved again', async () => {
    const { ticket, survey } = await resolved();
    invokeCard(await press(h, USERS.employee, survey, 'Enviar calificación', { score: '4' }));
    invokeCard(await h.post(cardAction(h, USERS.employee, 'ticket.reopen', { ticketId: ticket.id, reopenReason: 'Volvió a fallar.' })));
    invokeCard(await h.post(cardAction(h, USERS.agent, 'queue.resolve', { ticketId: ticket.id, resolutionNote: 'Ahora sí.' }, 'es-CO', channelConversation())));
    await waitForMessage(h, personalId(USERS.employee), 'Ahora sí.');
    await drained(h);
    expect(messagesWith(h, personalId(USERS.employee), '¿Cómo le atendimos en el caso')).toHaveLength(1);
  });

  it('is not sent again when an unanswered ticket is reopened and resolved again', async () => {
    const { ticket } = await resolved();
    invokeCard(await h.post(cardAction(h, USERS.employee, 'ticket.reopen', { ticketId: ticket.id, reopenReason: 'Volvió a fallar.' })));
    invokeCard(await h.post(cardAction(h, USERS.agent, 'queue.resolve', { ticketId: ticket.id, resolutionNote: 'Quedó configurado de nuevo.' }, 'es-CO', channelConversation())));
    await waitForMessage(h, personalId(USERS.employee), 'Quedó configurado de nuevo.');
    await drained(h);
    expect(messagesWith(h, personalId(USERS.employee), '¿Cómo le atendimos en el caso')).toHaveLength(1);
    // The first card can still be answered.
    expect(cardText(invokeCard(await answer(USERS.employee, ticket.id, '5')))).toContain('5');
  });
});
