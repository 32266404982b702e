/**
 * The outbox: every outbound Teams effect is persisted with the state change and delivered by the
 * dispatcher — paced per conversation, retried on 429/412/5xx, final on 403/404, resumed after a
 * restart, never lost and never duplicated.
 */
import type { Ticket } from '../../src/domain/tickets/model';
import type { Recorded } from '../helpers/connector';
import {
  cardAction,
  cardText,
  channelMessage,
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
import { sql } from '../helpers/engine';

const cardOf = (r: Recorded): any => r.body?.attachments?.[0]?.content;
const textOf = (r: Recorded) => [r.body?.text ?? '', cardOf(r) ? cardText(cardOf(r)) : ''].join('\n');
const personalId = (u: TestUser) => personalConversation(u).id;
const radicadoOf = (r: Recorded) => (cardOf(r) ? cardText(cardOf(r)).split('\n')[0] : '');

async function until(pred: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition') {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function outboxRows(h: Harness) {
  return sql<{
    id: number;
    pace_key: string;
    payload: string;
    status: string;
    attempts: number;
    last_error: string | null;
  }>(h.app.storage, 'SELECT id, pace_key, payload, status, attempts, last_error FROM outbox ORDER BY id');
}
const pending = async (h: Harness) => (await outboxRows(h)).filter((r) => r.status === 'pending').length;

async function setUp(h: Harness) {
  await h.post(installPersonal(h, USERS.employee));
  await h.post(channelMessage(h, USERS.supervisor, 'registrar cola'));
  await h.connector.waitFor(() => h.connector.messagesTo(TEAM.channelId).length >= 1 && h.connector.messagesTo(personalId(USERS.employee)).length >= 1);
  expect(await h.app.services.queues.list()).toHaveLength(1);
  h.connector.clear();
}

let n = 0;
async function fileTicket(h: Harness, requester: TestUser = USERS.employee): Promise<Ticket> {
  const { ticket } = await h.app.services.tickets.file({
    submissionKey: randomUUID(),
    requester: { oid: requester.oid, tenantId: TENANT, name: requester.name, email: requester.email },
    locale: 'es',
    phone: '300 123 4567',
    contactChannel: 'teams',
    categoryId: 'mesa-servicio-primer-nivel',
    serviceId: 'acceso-remoto',
    templateId: 'falla-conexion-vpn',
    fieldValues: {},
    description: `Caso de prueba ${++n}`,
    priority: 'normal' as Ticket['priority'],
  });
  h.app.dispatcher.kick();
  return ticket;
}

const actor = (u: TestUser, roles: ('agent' | 'supervisor' | 'employee')[] = ['agent']) => ({ oid: u.oid, name: u.name, roles });

/** Queue cards posted to the channel (top level), by radicado. */
const queuePosts = (h: Harness) => h.connector.messagesTo(TEAM.channelId).filter((r) => /^MDA-\d{4}-\d{6}$/.test(radicadoOf(r)));

describe('the outbox dispatcher', () => {
  let h: Harness;
  afterEach(async () => {
    h.connector.beforeRespond = undefined;
    await h.close();
  });

  it('delivers a burst of 200 queue cards under a 20/s rate limit: all of them, in order, once each', async () => {
    h = await startHarness({ TICKETS_PER_HOUR: '1000' });
    await setUp(h);
    h.connector.rateLimitPerSecond = 20;
    const tickets: Ticket[] = [];
    for (let i = 0; i < 200; i++) tickets.push(await fileTicket(h));
    await until(async () => queuePosts(h).length >= 200 && (await pending(h)) === 0, 40_000, '200 queue cards delivered');
    const radicados = queuePosts(h).map(radicadoOf);
    expect(radicados).toEqual(tickets.map((t) => t.radicado));
    expect(new Set(radicados).size).toBe(200);
    expect(h.connector.throttled).toBeGreaterThan(0);
    // Every ticket knows its card, and nothing failed.
    for (const t of tickets) expect((await h.app.tickets.get(t.id))!.queueActivityId).toBeTruthy();
    expect((await outboxRows(h)).filter((r) => r.status === 'failed')).toEqual([]);
    // Throttled items were retried, not dropped.
    expect((await outboxRows(h)).some((r) => r.attempts > 1 && /429/.test(r.last_error ?? ''))).toBe(true);
  }, 45_000);

  it('retries a 503 and then delivers the queue card', async () => {
    h = await startHarness();
    await setUp(h);
    h.connector.failNext(503, 1, (r) => r.conversationId === TEAM.channelId);
    const t = await fileTicket(h);
    await until(async () => queuePosts(h).length === 1 && (await pending(h)) === 0, 10_000, 'queue card after 503');
    expect(radicadoOf(queuePosts(h)[0])).toBe(t.radicado);
    const row = (await outboxRows(h)).find((r) => JSON.parse(r.payload).type === 'queue_post')!;
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    expect(row.last_error).toMatch(/503/);
  });

  it('retries a 412 as well', async () => {
    h = await startHarness();
    await setUp(h);
    h.connector.failNext(412, 1, (r) => r.conversationId === TEAM.channelId);
    await fileTicket(h);
    await until(async () => queuePosts(h).length === 1 && (await pending(h)) === 0, 10_000, 'queue card after 412');
  });

  it('marks a requester notice answered 403 as failed, records delivery_failed and warns on the queue card', async () => {
    h = await startHarness();
    await setUp(h);
    const t = await fileTicket(h);
    await until(async () => !!(await h.app.tickets.get(t.id))?.queueActivityId);
    const fresh = (await h.app.tickets.get(t.id))!;
    h.connector.failNext(403, 1, (r) => r.conversationId === personalId(USERS.employee));
    const out = await h.app.services.tickets.take(fresh, actor(USERS.agent));
    expect(out.ok).toBe(true);
    h.app.dispatcher.kick();
    await until(async () => (await outboxRows(h)).some((r) => r.status === 'failed'), 10_000, 'a failed delivery');
    const failed = (await outboxRows(h)).filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(JSON.parse(failed[0].payload)).toMatchObject({ type: 'user_message', userOid: USERS.employee.oid });
    expect(failed[0].last_error).toMatch(/403/);
    expect(failed[0].attempts).toBe(1);
    const events = await h.app.tickets.events(t.id);
    const df = events.find((e) => e.kind === 'delivery_failed');
    expect(df?.data).toMatchObject({ type: 'user_message' });
    expect(String(df?.data.reason)).toMatch(/403/);
    await h.connector.waitFor(() =>
      h.connector.sent.some((r) => r.method === 'PUT' && r.activityId === fresh.queueActivityId && textOf(r).includes('No se pudo escribir a Ana Empleada (solicitante) en Teams: bloqueó o quitó la aplicación.')),
    );
    // The ticket itself is still assigned to Iván.
    expect((await h.app.tickets.get(t.id))!.assignee?.oid).toBe(USERS.agent.oid);
  });

  it('marks a 404 (conversation gone) as failed without retrying', async () => {
    h = await startHarness();
    await setUp(h);
    const t = await fileTicket(h);
    await until(async () => (await pending(h)) === 0);
    h.connector.failNext(404, 1, (r) => r.conversationId === personalId(USERS.employee));
    await h.app.services.tickets.take((await h.app.tickets.get(t.id))!, actor(USERS.agent));
    h.app.dispatcher.kick();
    await until(async () => (await outboxRows(h)).some((r) => r.status === 'failed') && (await pending(h)) === 0);
    expect((await outboxRows(h)).filter((r) => r.status === 'failed').map((r) => r.attempts)).toEqual([1]);
  });

  it('updates the card after a take that happened while the queue card was still being posted', async () => {
    h = await startHarness();
    await setUp(h);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    h.connector.beforeRespond = (r) => (r.method === 'POST' && r.conversationId === TEAM.channelId ? held : undefined);
    const t = await fileTicket(h);
    await h.connector.waitFor(() => queuePosts(h).length === 1);
    expect(textOf(queuePosts(h)[0])).toContain('Nuevo, en cola');
    // Iván takes it and Ana writes before Teams has answered the post.
    const out = await h.app.services.tickets.take((await h.app.tickets.get(t.id))!, actor(USERS.agent));
    expect(out.ok).toBe(true);
    const reply = await h.app.services.tickets.reply((await h.app.tickets.get(t.id))!, actor(USERS.employee, ['employee']), 'Sigo sin VPN.');
    expect(reply.ok).toBe(true);
    h.connector.beforeRespond = undefined;
    release();
    await until(async () => (await pending(h)) === 0);
    const root = (await h.app.tickets.get(t.id))!.queueActivityId!;
    expect(h.connector.sent.some((r) => r.method === 'PUT' && r.activityId === root && textOf(r).includes('Iván Ingeniero'))).toBe(true);
    expect(h.connector.messagesTo(`${TEAM.channelId};messageid=${root}`).map(textOf).join('\n')).toContain('Sigo sin VPN.');
  });

  it('delivers everything pending exactly once after a restart', async () => {
    const h1 = await startHarness();
    h = h1;
    await setUp(h1);
    // The dispatcher is down (a crash right after the state changes were committed).
    await h1.app.dispatcher.stop();
    const tickets: Ticket[] = [];
    for (let i = 0; i < 5; i++) tickets.push(await fileTicket(h1));
    await h1.app.services.tickets.take(tickets[0], actor(USERS.agent));
    await h1.app.services.tickets.reply((await h1.app.tickets.get(tickets[0].id))!, actor(USERS.agent), 'Ya lo reviso.');
    await h1.app.services.tickets.take(tickets[1], actor(USERS.agent2));
    const pendingBefore = await pending(h1);
    expect(pendingBefore).toBeGreaterThan(5);
    expect(h1.connector.sent).toEqual([]);
    await h1.app.stop();

    // A new process on the same database file and the same Teams connector.
    const h2 = await startHarness({}, { dir: h1.dir, connector: h1.connector });
    h = h2;
    expect(h2.dbPath).toBe(h1.dbPath);
    await until(async () => (await pending(h2)) === 0, 10_000, 'outbox drained after restart');
    await new Promise((r) => setTimeout(r, 200)); // nothing more arrives

    const radicados = queuePosts(h2).map(radicadoOf);
    expect(radicados).toEqual(tickets.map((t) => t.radicado));
    // The cards render the state at delivery time.
    expect(textOf(queuePosts(h2)[0])).toContain('Iván Ingeniero');
    expect(textOf(queuePosts(h2)[1])).toContain('Laura Ingeniera');
    const toAna = h2.connector.messagesTo(personalId(USERS.employee)).map(textOf);
    expect(toAna.filter((s) => s.includes('Ya lo reviso.'))).toHaveLength(1);
    expect(toAna.filter((s) => s.includes(`Su caso ${tickets[0].radicado} lo atiende ahora Iván Ingeniero`))).toHaveLength(1);
    expect(toAna.filter((s) => s.includes(`Su caso ${tickets[1].radicado} lo atiende ahora Laura Ingeniera`))).toHaveLength(1);
    expect((await outboxRows(h2)).every((r) => r.status === 'sent')).toBe(true);
    expect((await outboxRows(h2)).every((r) => r.attempts === 1)).toBe(true);
    // The e-mails ("ticket created") went out too, once each.
    expect(h2.mail.sent).toHaveLength(5);
    h1.connector.beforeRespond = undefined;
    await h2.close();
    h = { ...h2, close: () => h1.connector.stop() } as Harness;
  });
});

describe('waking the dispatcher', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('after a turn that wrote to the outbox, at once; a turn that wrote nothing makes it claim nothing', async () => {
    // The poll alone would wait a minute: what arrives sooner came from the wake after the turn.
    h = await startHarness({ OUTBOX_POLL_MS: '60000' });
    await setUp(h);
    await new Promise((r) => setTimeout(r, 200));
    const due = jest.spyOn(h.app.storage.outbox, 'due');
    for (let i = 0; i < 5; i++) expect((await h.post(message(h, USERS.employee, 'ayuda'))).status).toBe(200);
    await h.connector.waitFor(() => h.connector.messagesTo(personalId(USERS.employee)).length >= 5);
    await new Promise((r) => setTimeout(r, 100));
    expect(due).not.toHaveBeenCalled();
    const filed = await h.post(
      cardAction(h, USERS.employee, 'ticket.submit', {
        templateId: 'solicitud-acceso-remoto',
        submissionKey: randomUUID(),
        accessType: 'vpn',
        startDate: '2026-12-01',
        description: 'Necesito VPN para trabajar desde casa durante la semana.',
        phone: '300 123 4567',
        contactChannel: 'teams',
      }),
    );
    const radicado = /MDA-\d{4}-\d{6}/.exec(JSON.stringify(filed.body))?.[0];
    expect(radicado).toBeDefined();
    await h.connector.waitFor(() => queuePosts(h).some((r) => radicadoOf(r) === radicado), 5000);
    expect(due).toHaveBeenCalled();
  });
});
