/**
 * Two bot processes (`node dist/index.js`) on one PostgreSQL database behind one "load balancer" (the
 * test alternates between them), driven at the same time: every ticket gets a distinct radicado, the
 * numbers run 1..N with no gap, every queue card reaches the channel exactly once, and every notice
 * to a requester arrives exactly once — none lost, none doubled, whichever instance delivered it.
 * PostgreSQL pass only: two processes on one SQLite file are covered by radicado-concurrency.test.ts.
 */
import pg from 'pg';
import { bogotaYear } from '../../src/domain/tickets/radicado';
import { buildBot, botProcessEnv, connectorWithUsers, postTo, startBotProcess, type BotProcess } from '../helpers/bot-process';
import { LoopbackConnector, type Recorded } from '../helpers/connector';
import { createPgDatabase, describePg } from '../helpers/engine';
import {
  cardText,
  channelConversation,
  channelMessage,
  installPersonal,
  invokeCard,
  message,
  personalConversation,
  press,
  TEAM,
  USERS,
  type Harness,
  type TestUser,
} from '../helpers/harness';

const PER_USER = 20;
const REQUESTERS = [USERS.employee, USERS.manager];

type Instance = BotProcess;

/** The test's view of one instance: the builders only need the connector; post goes to that instance. */
function client(connector: LoopbackConnector, inst: Instance): Harness {
  return {
    connector,
    url: inst.url,
    post: (activity: object) => postTo(inst.url, activity),
  } as unknown as Harness;
}

const cardOf = (r: Recorded): any => r.body?.attachments?.[0]?.content;
const radicadoOf = (r: Recorded) => (cardOf(r) ? cardText(cardOf(r)).split('\n')[0] : '');

describePg('two bot instances on one PostgreSQL database', () => {
  const instances: Instance[] = [];
  let connector: LoopbackConnector;
  let dbUrl: string;

  beforeAll(async () => {
    buildBot();
    connector = await connectorWithUsers();
    dbUrl = (await createPgDatabase()).url;
    const env = botProcessEnv(dbUrl);
    // Both start at once: the migrations run once, under the advisory lock.
    instances.push(...(await Promise.all([startBotProcess('a', env), startBotProcess('b', env)])));
  }, 200_000);

  afterAll(async () => {
    for (const i of instances) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGKILL');
    await connector?.stop();
  });

  it('files and delivers through both at once: no duplicate radicado, no gap, every queue card and notice exactly once', async () => {
    const [a, b] = instances.map((i) => client(connector, i));
    // Set-up through instance a: requesters and engineers have talked to the bot; the queue is registered.
    for (const u of [...REQUESTERS, USERS.agent, USERS.agent2]) await a.post(installPersonal(a, u));
    await a.post(channelMessage(a, USERS.supervisor, 'registrar cola'));
    await connector.waitFor(() => connector.messagesTo(TEAM.channelId).length >= 1 && REQUESTERS.every((u) => connector.messagesTo(personalConversation(u).id).length >= 1));
    connector.clear();

    // Each requester opens the template list once; then every form is opened on one instance and saved on the other.
    const templatesFor = async (h: Harness, u: TestUser) => {
      const before = connector.messagesTo(personalConversation(u).id).length;
      await h.post(message(h, u, 'nueva solicitud'));
      await connector.waitFor(() => connector.messagesTo(personalConversation(u).id).length > before);
      const cats = cardOf(connector.messagesTo(personalConversation(u).id)[before]);
      let card = invokeCard(await press(h, u, cats, 'Mesa de servicio primer nivel'));
      card = invokeCard(await press(h, u, card, 'Acceso remoto'));
      return invokeCard(await press(h, u, card, 'Ver todas las plantillas'));
    };
    const templates = new Map<string, any>();
    for (const u of REQUESTERS) templates.set(u.oid, await templatesFor(a, u));

    const radicados: string[] = [];
    await Promise.all(
      REQUESTERS.flatMap((u) =>
        Array.from({ length: PER_USER }, async (_, i) => {
          const [open, save] = i % 2 ? [a, b] : [b, a];
          const list = templates.get(u.oid);
          const title = cardText(list).split('\n').find((l) => l.startsWith('Solicitud de acceso remoto'))!;
          const form = invokeCard(await press(open, u, list, title));
          const inputs = { accessType: 'vpn', startDate: '2026-12-01', description: `Caso ${i} de ${u.name}: necesito VPN.`, phone: '300 123 4567', contactChannel: 'teams' };
          let done = invokeCard(await press(save, u, form, 'Guardar', inputs));
          // The same person has open cases of this service: the duplicate check offers to add to one; file anyway.
          const anyway = 'Registrar uno nuevo de todos modos';
          if (cardText(done).includes(anyway)) done = invokeCard(await press(open, u, done, anyway, inputs));
          const r = cardText(done).match(/MDA-\d{4}-\d{6}/);
          expect(r).not.toBeNull();
          radicados.push(r![0]);
        }),
      ),
    );
    const total = REQUESTERS.length * PER_USER;
    const year = bogotaYear(new Date());
    expect(new Set(radicados).size).toBe(total);
    expect(radicados.map((r) => Number(r.slice(-6))).sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (const r of radicados) expect(r.startsWith(`MDA-${year}-`)).toBe(true);

    // Every queue card reaches the channel exactly once, whichever instance's dispatcher took it.
    const queuePosts = () => connector.messagesTo(TEAM.channelId).filter((r) => /^MDA-\d{4}-\d{6}$/.test(radicadoOf(r)));
    await connector.waitFor(() => queuePosts().length >= total, 30_000);
    await new Promise((r) => setTimeout(r, 300)); // a late duplicate would show up here
    expect(queuePosts().map(radicadoOf).sort()).toEqual([...radicados].sort());

    // Engineers take every case from its card, alternating instances: each requester hears of each case once.
    await Promise.all(
      queuePosts().map(async (post, i) => {
        const [via, who] = i % 2 ? [a, USERS.agent] : [b, USERS.agent2];
        const taken = invokeCard(await press(via, who, cardOf(post), 'Tomar', {}, channelConversation()));
        expect(cardText(taken)).toContain(who.name);
      }),
    );
    const notices = () =>
      REQUESTERS.flatMap((u) => connector.messagesTo(personalConversation(u).id))
        .map((r) => (cardOf(r) ? cardText(cardOf(r)) : ''))
        .filter((t) => /lo atiende ahora/.test(t))
        .map((t) => t.match(/MDA-\d{4}-\d{6}/)?.[0]);
    await connector.waitFor(() => notices().length >= total, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(notices().sort()).toEqual([...radicados].sort());

    // Nothing left behind, each delivered in one attempt, both instances alive.
    const pool = new pg.Pool({ connectionString: dbUrl });
    try {
      let left = 1;
      for (let i = 0; i < 200 && left > 0; i++) {
        left = Number((await pool.query(`SELECT count(*) AS n FROM outbox WHERE status <> 'sent'`)).rows[0].n);
        if (left) await new Promise((r) => setTimeout(r, 50));
      }
      expect(left).toBe(0);
      expect(Number((await pool.query(`SELECT count(*) AS n FROM outbox WHERE attempts <> 1`)).rows[0].n)).toBe(0);
      expect((await pool.query(`SELECT last FROM radicado_counters WHERE prefix = 'MDA' AND year = $1`, [year])).rows[0].last).toBe(total);
      // Both dispatchers took part (leases are stamped with the instance that claimed them).
      expect(Number((await pool.query('SELECT count(DISTINCT lease_owner) AS n FROM outbox')).rows[0].n)).toBe(2);
    } finally {
      await pool.end();
    }
    for (const i of instances) expect(i.child.exitCode).toBeNull();
  }, 120_000);
});
