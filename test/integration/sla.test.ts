/**
 * SLAs end to end with an injected clock: due times on the queue and status cards, the warning
 * before the target and the escalation at breach (each fired once), the pause while waiting for
 * the user, and the catch-up at start after downtime.
 */
import { formatDateTime } from '../../src/i18n';
import { LoopbackConnector } from '../helpers/connector';
import { cardOf, cardOrText, channelAnswer, drained, fileTicket, lastCardUpdate, messagesWith, personalId, queueCard, registerQueue, threadId, waitForMessage } from '../helpers/desk';
import { cardAction, cardText, channelConversation, installPersonal, invokeCard, press, startHarness, TestClock, USERS, type Harness } from '../helpers/harness';

const bog = (local: string) => new Date(`${local.replace(' ', 'T')}:00-05:00`);

async function setUp(clock: TestClock, opts: { dir?: string; connector?: LoopbackConnector } = {}) {
  const h = await startHarness({}, { clock, ...opts });
  for (const u of [USERS.employee, USERS.agent, USERS.agent2, USERS.supervisor]) await h.post(installPersonal(h, u));
  return h;
}

describe('SLAs on the working calendar', () => {
  let h: Harness;
  let clock: TestClock;
  beforeEach(async () => {
    clock = new TestClock(bog('2026-11-24 08:00')); // a Tuesday
    h = await setUp(clock);
    await registerQueue(h);
  });
  afterEach(async () => {
    await h?.close();
  });

  it('finds every alert due when the pass reads the tickets in several id ranges and pages, each once', async () => {
    const filed = [];
    for (let i = 0; i < 7; i++) filed.push(await fileTicket(h, USERS.employee, `La VPN no conecta desde la sede ${i + 1}.`));
    clock.set(bog('2026-11-24 09:40')); // past the 80 % warning of the first response of all seven
    // Ranges of 3 ids, pages of 2 candidates: (0,3] gives 1-2, (2,5] 3-4, (4,7] 5-6, (6,7] 7.
    expect(filed.map((t) => t.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await h.app.sla.monitor.tick(2, 3)).toEqual({ warnings: 7, breaches: 0 });
    for (const t of filed) {
      const warnedAt = (await h.app.tickets.get(t.id))!.sla!.firstResponseWarnedAt!.getTime() - bog('2026-11-24 09:40').getTime();
      expect(warnedAt >= 0 && warnedAt < 1000).toBe(true); // the test clock moves a millisecond per reading
    }
    expect(await h.app.sla.monitor.tick(2, 3)).toEqual({ warnings: 0, breaches: 0 });
  });

  it('shows the due times on the queue card, warns once before the first-response target and escalates once at breach', async () => {
    const ticket = await fileTicket(h);
    const post = await queueCard(h, ticket.radicado);
    const root = String((await h.app.tickets.get(ticket.id))!.queueActivityId);
    // Catalog SLA of "Falla de conexión a la VPN": 2 working hours to the first response, 8 to the resolution.
    const text = cardText(cardOf(post));
    expect(text).toContain(`Primera respuesta antes de\n${formatDateTime(bog('2026-11-24 10:00'), 'es')}`);
    expect(text).toContain(`Solución antes de\n${formatDateTime(bog('2026-11-24 16:00'), 'es')}`);

    clock.set(bog('2026-11-24 09:30'));
    expect(await h.app.sla.runOnce()).toEqual({ warnings: 0, breaches: 0 });
    clock.set(bog('2026-11-24 09:40')); // 80 % of 120 minutes: 09:36
    expect(await h.app.sla.runOnce()).toEqual({ warnings: 1, breaches: 0 });
    // Nobody has the ticket yet: the warning goes to the queue thread.
    await waitForMessage(h, threadId(root), '⏰', ticket.radicado, 'primera respuesta');
    expect(await h.app.sla.runOnce()).toEqual({ warnings: 0, breaches: 0 });

    clock.set(bog('2026-11-24 10:05'));
    expect(await h.app.sla.runOnce()).toEqual({ warnings: 0, breaches: 1 });
    const inThread = await waitForMessage(h, threadId(root), 'ANS vencido', ticket.radicado);
    // The supervisor is mentioned in the thread and told 1:1.
    expect(inThread.body.entities).toEqual([expect.objectContaining({ type: 'mention', mentioned: expect.objectContaining({ id: USERS.supervisor.id }) })]);
    expect(inThread.body.text).toContain(`<at>${USERS.supervisor.name}</at>`);
    await waitForMessage(h, personalId(USERS.supervisor), 'ANS vencido', ticket.radicado);
    // The queue card is flagged.
    await h.connector.waitFor(() => cardText(lastCardUpdate(h, root) ?? {}).includes('⛔ ANS vencido: primera respuesta'));
    // And so is its line in "cola" (read as a list's summary of each ticket), with the resolution due.
    const list = await channelAnswer(h, USERS.supervisor, 'cola');
    const line = list.slice(list.indexOf(ticket.radicado));
    expect(line).toContain('⛔ ANS vencido: primera respuesta');
    expect(line).toContain(`Solución antes de ${formatDateTime(bog('2026-11-24 16:00'), 'es')}`);

    expect(await h.app.sla.runOnce()).toEqual({ warnings: 0, breaches: 0 });
    clock.set(bog('2026-11-24 12:00'));
    expect(await h.app.sla.runOnce()).toEqual({ warnings: 0, breaches: 0 });
    await drained(h);
    expect(messagesWith(h, threadId(root), '⏰')).toHaveLength(1);
    expect(messagesWith(h, threadId(root), 'ANS vencido')).toHaveLength(1);
    expect(messagesWith(h, personalId(USERS.supervisor), 'ANS vencido')).toHaveLength(1);
    expect(messagesWith(h, personalId(USERS.agent), 'ANS vencido')).toHaveLength(0);
    expect(messagesWith(h, personalId(USERS.employee), 'ANS')).toHaveLength(0);
    const escalations = (await h.app.tickets.events(ticket.id)).filter((e) => e.kind === 'escalated');
    expect(escalations).toHaveLength(1);
    expect(escalations[0].data).toMatchObject({ reason: 'sla_breach', target: 'first_response', notified: [USERS.supervisor.oid] });
    expect(await h.app.tickets.verifyHistory()).toEqual([]);
  });

  it('warns the assignee before the resolution target, pauses while waiting for the user and moves the due time', async () => {
    const ticket = await fileTicket(h);
    const post = await queueCard(h, ticket.radicado);
    clock.set(bog('2026-11-24 08:05'));
    let card = invokeCard(await press(h, USERS.agent, cardOf(post), 'Tomar', {}, channelConversation()));

    clock.set(bog('2026-11-24 14:30')); // 80 % of 480 minutes: 14:24
    expect(await h.app.sla.runOnce()).toEqual({ warnings: 1, breaches: 0 });
    await waitForMessage(h, personalId(USERS.agent), '⏰', ticket.radicado, 'solución', formatDateTime(bog('2026-11-24 16:00'), 'es'));

    clock.set(bog('2026-11-24 15:00'));
    card = invokeCard(await press(h, USERS.agent, card, 'Esperando al usuario', {}, channelConversation()));
    expect(cardText(card)).toContain('Plazos en pausa');
    expect(cardText(card)).not.toContain('Solución antes de');

    // Past the original due time while paused: no breach.
    clock.set(bog('2026-11-24 16:30'));
    expect(await h.app.sla.runOnce()).toEqual({ warnings: 0, breaches: 0 });

    // The requester answers the next morning: 2 h Tuesday + 1 h Wednesday paused → due Wednesday 09:00.
    clock.set(bog('2026-11-25 08:00'));
    const status = invokeCard(await h.post(cardAction(h, USERS.employee, 'ticket.reply', { ticketId: ticket.id, message: 'Ya reinicié el equipo.' })));
    expect(cardText(status)).toContain(`Solución prevista antes de\n${formatDateTime(bog('2026-11-25 09:00'), 'es')}`);
    expect(cardText(status)).not.toContain('Primera respuesta antes de');
    const stored = (await h.app.tickets.get(ticket.id))!;
    // The test clock runs at real speed between moves: compare to the minute.
    expect(Math.round(stored.sla!.pausedMinutes)).toBe(180);
    expect(Math.abs(stored.sla!.resolutionDueAt.getTime() - bog('2026-11-25 09:00').getTime())).toBeLessThan(60_000);
    expect(stored.sla!.pausedAt).toBeUndefined();

    clock.set(bog('2026-11-25 08:55'));
    expect(await h.app.sla.runOnce()).toEqual({ warnings: 0, breaches: 0 });
    clock.set(bog('2026-11-25 09:05'));
    expect(await h.app.sla.runOnce()).toEqual({ warnings: 0, breaches: 1 });
    await waitForMessage(h, personalId(USERS.supervisor), 'ANS vencido', ticket.radicado, 'solución', USERS.agent.name);
    await drained(h);
    expect(messagesWith(h, personalId(USERS.agent), '⏰')).toHaveLength(1);
    const kinds = (await h.app.tickets.events(ticket.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'sla_warning')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'escalated')).toHaveLength(1);
  });
});

describe('SLA timers across a restart', () => {
  it('escalates at start-up a breach that fell due while the bot was stopped, without a stale warning', async () => {
    const connector = await new LoopbackConnector().start();
    const clock = new TestClock(bog('2026-11-24 08:00'));
    let h = await setUp(clock, { connector });
    await registerQueue(h);
    const ticket = await fileTicket(h);
    await queueCard(h, ticket.radicado);
    await drained(h);
    await h.close();

    clock.set(bog('2026-11-24 11:00'));
    h = await setUp(clock, { connector, dir: h.dir });
    try {
      // No runOnce here: start() catches up by itself.
      await waitForMessage(h, personalId(USERS.supervisor), 'ANS vencido', ticket.radicado);
      await drained(h);
      expect(connector.sent.filter((r) => cardOrText(r).includes('⏰'))).toHaveLength(0);
      expect((await h.app.tickets.events(ticket.id)).filter((e) => e.kind === 'escalated')).toHaveLength(1);
      expect(await h.app.sla.runOnce()).toEqual({ warnings: 0, breaches: 0 });
    } finally {
      await h.close();
      await connector.stop();
    }
  });
});
