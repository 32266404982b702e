/**
 * Outbox leases (issue 18): a claim lasts a short lease (20 s by default) and the dispatcher renews the
 * claims of its deliveries in flight with a heartbeat (every quarter of the lease). So a delivery slower
 * than the lease is not taken over by another instance while its holder lives, and the claims of an
 * instance that dies mid-delivery are taken over by another within one lease.
 *
 * - the heartbeat itself, on the engine of the run: it renews while a delivery runs (also during
 *   stop(), which waits for it) and stops when nothing is in flight;
 * - two dispatchers on one PostgreSQL database, a 400 ms lease and a connector that holds the delivery
 *   three leases long: delivered exactly once (and, as a control, twice when nobody renews);
 * - two bot processes (`node dist/index.js`) on one PostgreSQL database, the default lease: the one
 *   delivering a queue card is killed with SIGKILL while the connector holds its call; the other
 *   delivers the card within 30 s, and the card is delivered once (the killed call never completed).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { readEnv } from '../../src/config';
import { systemClock, type OutboxRepository } from '../../src/domain/ports';
import { createLogger } from '../../src/logger';
import { openStorage, type Storage } from '../../src/storage';
import { createCloudAdapter } from '../../src/teams/adapter';
import { OutboxDispatcher, type DeliveryOutcomeHandler } from '../../src/outbox/dispatcher';
import { TeamsSender, type TeamsSenderDeps } from '../../src/teams/outbox-sender';
import { ProactivePoster } from '../../src/teams/proactive';
import { buildBot, botProcessEnv, connectorWithUsers, postTo, startBotProcess, type BotProcess } from '../helpers/bot-process';
import { LoopbackConnector, type Recorded } from '../helpers/connector';
import { createPgDatabase, describePg, ENGINE, sql } from '../helpers/engine';
import { BOT, cardAction, cardText, channelMessage, installPersonal, TEAM, USERS, type Harness } from '../helpers/harness';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met after ${timeoutMs} ms`);
    await sleep(10);
  }
}

// ---------------------------------------------------------------------------------------------
// In-process: dispatchers over real storage and a real CloudAdapter posting to the loopback connector.

const LEASE_MS = 400;
const CONVERSATION = 'a:slow-delivery';

function dispatcherOn(outbox: OutboxRepository) {
  const cfg = readEnv({ BOT_ALLOW_ANONYMOUS: 'true', PORT: '0', HOST: '127.0.0.1', DB_PATH: ':memory:', LOG_LEVEL: 'silent' });
  const log = createLogger('silent');
  // A `turn_reply` delivery only needs the adapter: the other dependencies are never reached.
  const poster = new ProactivePoster(createCloudAdapter(cfg, log), cfg.auth.appId ?? '', { get: async () => null, save: async () => {}, people: async () => [] });
  const teams = new TeamsSender({ poster } as unknown as TeamsSenderDeps);
  const outcomes: DeliveryOutcomeHandler = { fanOut: async () => null, delivered: async () => {}, failedForGood: async () => {} };
  return new OutboxDispatcher({ log, clock: systemClock, outbox, send: (p) => teams.send(p), outcomes }, { pollMs: 20, perKeyIntervalMs: 5, maxAttempts: 5, batch: 10 });
}

function slowItem(connector: LoopbackConnector, text: string) {
  return {
    channel: 'teams' as const,
    paceKey: `conv:${CONVERSATION}`,
    payload: {
      type: 'turn_reply' as const,
      reference: { serviceUrl: connector.url, channelId: 'msteams', conversation: { id: CONVERSATION }, bot: BOT, user: { id: USERS.employee.id } },
      activity: { type: 'message', text },
    },
  };
}

async function storageWithLease(url?: string): Promise<Storage> {
  const st = url ? openStorage({ dbPath: ':memory:', databaseUrl: url }, { outboxLeaseMs: LEASE_MS }) : openStorage({ dbPath: ':memory:' }, { outboxLeaseMs: LEASE_MS });
  await st.ready();
  return st;
}

const delivered = (connector: LoopbackConnector, text: string) => connector.messagesTo(CONVERSATION).filter((r) => r.body?.text === text);
const statusOf = async (st: Storage) => (await sql<{ status: string; attempts: number }>(st, 'SELECT status, attempts FROM outbox'))[0];

describe(`outbox lease heartbeat (${ENGINE})`, () => {
  let connector: LoopbackConnector;
  let st: Storage;

  beforeEach(async () => {
    connector = await new LoopbackConnector().start();
    st = await storageWithLease(ENGINE === 'postgres' ? (await createPgDatabase()).url : undefined);
  });
  afterEach(async () => {
    connector.beforeRespond = undefined;
    await st.close();
    await connector.stop();
  });

  it('renews the claims of a delivery in flight every quarter of the lease, also while stop() waits for it, and stops after', async () => {
    const renewals: number[][] = [];
    const renew = st.outbox.renew.bind(st.outbox);
    st.outbox.renew = async (ids, now) => {
      renewals.push([...ids]);
      return renew(ids, now);
    };
    const d = dispatcherOn(st.outbox);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    connector.beforeRespond = () => held;
    await st.outbox.enqueue([slowItem(connector, 'lenta')]);
    d.start();
    await connector.waitFor(() => delivered(connector, 'lenta').length === 1);
    // A beat every 100 ms (timers may lag on a loaded machine: no exact count).
    await until(() => renewals.length >= 5, 5000, 'five renewals');
    const [id] = (await sql<{ id: number }>(st, 'SELECT id FROM outbox')).map((r) => r.id);
    expect(new Set(renewals.flat())).toEqual(new Set([id]));
    // stop() waits for the delivery: the heartbeat goes on meanwhile.
    const stopped = d.stop();
    const atStop = renewals.length;
    await until(() => renewals.length >= atStop + 2, 5000, 'renewals during stop()');
    release();
    await stopped;
    expect(await statusOf(st)).toEqual({ status: 'sent', attempts: 1 });
    const after = renewals.length;
    await sleep(LEASE_MS);
    expect(renewals.length).toBe(after);
  });

  it('beats only while something is in flight', async () => {
    let renewals = 0;
    const renew = st.outbox.renew.bind(st.outbox);
    st.outbox.renew = async (ids, now) => {
      renewals++;
      return renew(ids, now);
    };
    const d = dispatcherOn(st.outbox);
    d.start();
    try {
      await st.outbox.enqueue([slowItem(connector, 'rápida')]);
      d.kick();
      await until(async () => (await statusOf(st)).status === 'sent', 5000, 'delivered');
      await sleep(50); // the dispatcher finishes the delivery
      const after = renewals;
      await sleep(LEASE_MS); // idle polling: no heartbeat
      expect(renewals).toBe(after);
    } finally {
      await d.stop();
    }
  });
});

describePg('two dispatchers on one PostgreSQL database, a delivery slower than the lease', () => {
  let connector: LoopbackConnector;
  let stores: Storage[] = [];
  let dispatchers: OutboxDispatcher[] = [];

  beforeEach(async () => {
    connector = await new LoopbackConnector().start();
    const { url } = await createPgDatabase();
    stores = [await storageWithLease(url), await storageWithLease(url)];
    dispatchers = stores.map((s) => dispatcherOn(s.outbox));
  });
  afterEach(async () => {
    connector.beforeRespond = undefined;
    await Promise.all(dispatchers.map((d) => d.stop()));
    for (const s of stores) await s.close();
    await connector.stop();
  });

  /** The connector takes three leases to answer the delivery; both instances poll all along. */
  async function slowDelivery(text: string) {
    connector.beforeRespond = (r: Recorded) => (r.conversationId === CONVERSATION ? sleep(LEASE_MS * 3) : undefined);
    await stores[0].outbox.enqueue([slowItem(connector, text)]);
    for (const d of dispatchers) d.start();
    await until(async () => (await statusOf(stores[0])).status === 'sent', 10_000, 'delivered');
    await sleep(LEASE_MS * 3); // a late second delivery would show up here
  }

  it('is delivered exactly once: the holder renews its lease while it waits for the connector', async () => {
    await slowDelivery('una vez');
    expect(delivered(connector, 'una vez')).toHaveLength(1);
    expect(await statusOf(stores[0])).toEqual({ status: 'sent', attempts: 1 });
  });

  it('(control) would be delivered twice if nobody renewed the lease', async () => {
    for (const s of stores) s.outbox.renew = async () => {};
    await slowDelivery('dos veces');
    expect(delivered(connector, 'dos veces').length).toBeGreaterThanOrEqual(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Two bot processes: the one delivering dies with SIGKILL, the other takes its claim over.

const RADICADO = /MDA-\d{4}-\d{6}/;
type Instance = BotProcess;
const post = postTo;

const alive = (i: Instance) => i.child.exitCode === null && i.child.signalCode === null;

describePg('an instance killed in the middle of a delivery (two bot processes on one PostgreSQL database)', () => {
  const instances: Instance[] = [];
  let connector: LoopbackConnector;
  let dbUrl: string;

  beforeAll(async () => {
    buildBot();
    connector = await connectorWithUsers();
    dbUrl = (await createPgDatabase()).url;
    const env = botProcessEnv(dbUrl, { OUTBOX_POLL_MS: '200' });
    instances.push(...(await Promise.all([startBotProcess('a', env), startBotProcess('b', env)])));
  }, 200_000);

  afterAll(async () => {
    // Only our own children, by pid.
    for (const i of instances) {
      if (!alive(i)) continue;
      i.child.kill('SIGCONT');
      i.child.kill('SIGKILL');
    }
    await connector?.stop();
  });

  it('lets the other instance deliver the dying one’s claim within 30 s, once', async () => {
    const [a, b] = instances;
    const h = { connector } as Harness; // activity builders only need the serviceUrl
    expect((await post(a.url, installPersonal(h, USERS.employee))).status).toBe(200);
    expect((await post(a.url, channelMessage(h, USERS.supervisor, 'registrar cola'))).status).toBe(200);
    await connector.waitFor(() => connector.messagesTo(TEAM.channelId).length >= 1);
    await sleep(500); // the set-up's other deliveries
    connector.clear();

    // The connector holds the first queue card it is sent (for as long as the test runs).
    let releaseHeld!: () => void;
    const held = new Promise<void>((r) => (releaseHeld = r));
    const queueCardOf = (r: Recorded) => RADICADO.exec(cardText(r.body?.attachments?.[0]?.content ?? {}).split('\n')[0])?.[0];
    let heldCall: Recorded | undefined;
    connector.beforeRespond = (r) => {
      if (heldCall || r.method !== 'POST' || r.conversationId !== TEAM.channelId || !queueCardOf(r)) return undefined;
      heldCall = r;
      return held;
    };

    // b is paused while the ticket is filed on a, so that a is the one that claims the queue card.
    b.child.kill('SIGSTOP');
    let radicado = '';
    try {
      const res = await post(
        a.url,
        cardAction(h, USERS.employee, 'ticket.submit', {
          templateId: 'falla-conexion-vpn',
          submissionKey: randomUUID(),
          network: 'hogar',
          errorMessage: 'Error 809',
          description: 'La VPN no conecta desde la casa.',
          phone: '300 123 4567',
          contactChannel: 'teams',
          duplicateChoice: 'new',
        }),
      );
      radicado = RADICADO.exec(cardText(res.body?.value ?? {}))?.[0] ?? '';
      expect(radicado).not.toBe('');
      await connector.waitFor(() => connector.messagesTo(TEAM.channelId).some((r) => queueCardOf(r) === radicado), 10_000);
    } finally {
      b.child.kill('SIGCONT');
    }
    const posts = () => connector.messagesTo(TEAM.channelId).filter((r) => queueCardOf(r) === radicado);

    // a is delivering (its call is held by the connector) and b is polling: a dies.
    await sleep(1000); // b runs again and sees the claim leased to a
    expect(posts()).toEqual([heldCall]);
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    expect(await a.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await connector.waitFor(() => !!heldCall!.aborted, 5000); // its connection is gone: the call never completed

    // b delivers the card within 30 s of the kill.
    await connector.waitFor(() => posts().some((r) => !r.aborted), 30_000);
    const takeoverMs = posts().find((r) => !r.aborted)!.at - killedAt;
    console.log(`outbox take-over after SIGKILL: ${takeoverMs} ms (lease 20 s, claimed ${killedAt - posts()[0].at} ms before the kill)`);
    expect(takeoverMs).toBeLessThan(30_000);

    // Exactly once: a's call never completed (the connector never answered it), b's did; nothing later.
    await sleep(1000);
    expect(posts().map((r) => !!r.aborted)).toEqual([true, false]);
    const pool = new pg.Pool({ connectionString: dbUrl });
    try {
      await until(async () => (await pool.query(`SELECT 1 FROM outbox WHERE status <> 'sent'`)).rowCount === 0, 5000, 'outbox drained');
      const row = (await pool.query(`SELECT status, attempts FROM outbox WHERE payload LIKE '%"queue_post"%'`)).rows;
      expect(row).toEqual([{ status: 'sent', attempts: 1 }]);
      const ticket = (await pool.query(`SELECT queue_activity_id FROM tickets WHERE radicado = $1`, [radicado])).rows[0];
      expect(ticket.queue_activity_id).toBeTruthy();
    } finally {
      await pool.end();
    }
    expect(alive(b)).toBe(true);
    releaseHeld();
  }, 40_000);
});
