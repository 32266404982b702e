/**
 * `npm run bench`: throughput and latency of the real bot against an echo bot on the same stack
 * (restify + CloudAdapter + TeamsMessageEndpoint), plus radicado creation from two processes, outbox
 * pacing and resident memory over 50,000 turns. Prints a table and writes bench-results/latest.json.
 * Flags: --quick (short phases, small seeds: for development), --only=a,b (phases: echo, help,
 * ticket, status, queue, memory, radicado, outbox, instances), --postgres (every bot and repository on
 * PostgreSQL: DATABASE_URL if set — it must be allowed to create databases — else a throwaway local
 * server with fsync on; adds the "instances" phase: ticket creation through one and two bot processes).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActivityTypes } from 'botbuilder';
import { createApp, type App } from '../app';
import { rawEnvironment, readEnv, type Config } from '../config';
import { openStorage } from '../storage';
import { copySqliteToPostgres } from '../storage/pg/copy-from-sqlite';
import { startLocalPg, type LocalPg } from './pg-local';
import pg from 'pg';
import type { OutboxItem } from '../outbox/items';
import { conversationKey, userKey } from '../outbox/keys';
import { startHttpServer } from '../http/server';
import { createLogger } from '../logger';
import { ROOT } from '../paths';
import { openDb } from '../storage/db';
import { BenchConnector } from './bench-connector';
import { startEchoBot } from './bench-echo';
import type { RunResult, RunSpec, Scenario } from './bench-load';
import { seedTickets } from './bench-seed';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const ONLY = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const PG = args.includes('--postgres');
const want = (phase: string) => (!ONLY || ONLY.includes(phase)) && (phase !== 'instances' || PG);

const P = QUICK
  ? { warmupMs: 500, measureMs: 2000, statusSeed: 50_000, queueSeed: 10_000, memoryTurns: 5_000, radicadoMs: 1500, concurrencies: [8, 32] }
  : { warmupMs: 1500, measureMs: 6000, statusSeed: 1_000_000, queueSeed: 100_000, memoryTurns: 50_000, radicadoMs: 5000, concurrencies: [8, 32] };

const YEAR = new Date(Date.now() - 5 * 3600_000).getUTCFullYear();
const log = createLogger('silent');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-bench-'));
const CHANNEL = '19:soporte@thread.tacv2';
const TEAM = '19:team-general@thread.tacv2';

// ---------- PostgreSQL (--postgres) ----------
let pgServer: LocalPg | undefined;
let pgAdminUrl = '';
/** SQLite file path → the PostgreSQL database standing in for it. */
const pgDatabases = new Map<string, string>();

async function pgDatabaseFor(dbPath: string): Promise<string> {
  const known = pgDatabases.get(dbPath);
  if (known) return known;
  const name = `mesa_bench_${path.basename(dbPath, '.db').replace(/\W/g, '_')}_${process.pid}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  pgDatabases.set(dbPath, url.toString());
  return url.toString();
}

async function dbEnv(dbPath: string): Promise<Record<string, string>> {
  return PG ? { DB_PATH: dbPath, DATABASE_URL: await pgDatabaseFor(dbPath) } : { DB_PATH: dbPath };
}

function benchConfig(dbPath: string, env: Record<string, string> = {}): Config {
  const cfg = readEnv({
    BOT_ALLOW_ANONYMOUS: 'true',
    PORT: '0',
    HOST: '127.0.0.1',
    DB_PATH: dbPath,
    LOG_LEVEL: 'silent',
    TICKETS_PER_HOUR: '10000',
    LOOKUPS_PER_MINUTE: '10000',
    ...env,
  });
  // readEnv caps both limits at 10,000; the benchmark files far more per user and hour.
  cfg.limits.ticketsPerHour = 1_000_000;
  return cfg;
}

// ---------- load child (hosts the connector) ----------
class LoadClient {
  private next = 1;
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  onProgress: ((n: number) => void) | null = null;
  connectorUrl = '';
  constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<LoadClient> {
    const child = fork(path.join(__dirname, 'bench-load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const client = new LoadClient(child);
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.on('message', (m: any) => {
        if (m.ready) {
          client.connectorUrl = m.connectorUrl;
          resolve();
        } else if (m.progress !== undefined) client.onProgress?.(m.progress);
        else {
          const p = client.pending.get(m.id);
          client.pending.delete(m.id);
          if (m.error) p?.reject(new Error(m.error));
          else p?.resolve(m.result);
        }
      });
    });
    return client;
  }

  call<T>(cmd: string, spec?: RunSpec): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, cmd, spec });
    });
  }

  run(spec: RunSpec) {
    return this.call<RunResult>('run', spec);
  }
}

// ---------- bots under test ----------
interface Target {
  url: string;
  stop(): Promise<void>;
  app?: App;
}

function startEcho(fair: boolean): Promise<Target> {
  return startEchoBot(benchConfig(path.join(tmp, 'echo-unused.db')), log, { fair, channel: { id: CHANNEL, tenantId: 'tenant-1' } });
}

async function startBot(dbPath: string, env: Record<string, string> = {}): Promise<Target & { app: App }> {
  const app = createApp(benchConfig(dbPath, { ...(await dbEnv(dbPath)), ...env }), { log });
  const server = await app.start();
  return { url: server.url, app, stop: () => app.stop() };
}

/** A general support queue in the channel, so each new ticket also posts its queue card. */
async function registerQueue(app: App, serviceUrl: string) {
  await app.services.queues.register({ tenantId: 'tenant-1', teamId: TEAM, channelId: CHANNEL, categoryId: null, registeredBy: 'bench' });
  await app.services.refs.save(
    conversationKey(CHANNEL),
    { channelId: 'msteams', serviceUrl, conversation: { id: CHANNEL, conversationType: 'channel', tenantId: 'tenant-1', isGroup: true }, bot: { id: '28:bot-id', name: 'Mesa de Ayuda' } },
    new Date(),
  );
}

// ---------- phases ----------
const results: Record<string, unknown> = {};
const rows: (RunResult & { baseline?: string; ratio?: number; p99Ratio?: number; fairRatio?: number; fairP99Ratio?: number })[] = [];

async function runScenario(load: LoadClient, target: Target, scenario: Scenario, c: number, extra: Partial<RunSpec> = {}) {
  const r = await load.run({ url: target.url, scenario, concurrency: c, warmupMs: P.warmupMs, durationMs: P.measureMs, ...extra });
  rows.push(r);
  const warn = r.errors ? `  ERRORS ${r.errors}: ${r.firstError}` : '';
  console.log(`  ${scenario.padEnd(13)} c=${String(c).padEnd(3)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms${warn}`);
  return r;
}

async function outboxPhase(): Promise<Record<string, unknown>> {
  const connector = await new BenchConnector().start();
  const bot = await startBot(path.join(tmp, 'outbox.db'));
  const outbox = bot.app.storage.outbox;
  const measure = async (conversations: number, perConversation: number) => {
    connector.reset();
    connector.recordTimes = true;
    const items: OutboxItem[] = [];
    for (let c = 0; c < conversations; c++) {
      const oid = `outbox-${conversations}-${c}`;
      await bot.app.services.refs.save(
        userKey(oid),
        { channelId: 'msteams', serviceUrl: connector.url, conversation: { id: `a:${oid}`, conversationType: 'personal', tenantId: 'tenant-1' }, bot: { id: '28:bot-id' }, user: { id: `29:${oid}` } },
        new Date(),
      );
    }
    for (let i = 0; i < perConversation; i++)
      for (let c = 0; c < conversations; c++) {
        const oid = `outbox-${conversations}-${c}`;
        items.push({ channel: 'teams', paceKey: userKey(oid), payload: { type: 'user_message', userOid: oid, notice: { kind: 'assigned_to_you', by: 'Bench' } } });
      }
    const total = items.length;
    const t0 = Date.now();
    await outbox.enqueue(items);
    bot.app.dispatcher.kick();
    const deadline = t0 + (QUICK ? 10_000 : 20_000);
    while (connector.counts.posts < total && Date.now() < deadline) await sleep(50);
    const elapsed = (Date.now() - t0) / 1000;
    connector.recordTimes = false;
    let maxWindow = 0;
    const perConvRates: number[] = [];
    for (const times of connector.times.values()) {
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i] - times[j] >= 1000) j++;
        maxWindow = Math.max(maxWindow, i - j + 1);
      }
      if (times.length > 1) perConvRates.push((times.length - 1) / ((times[times.length - 1] - times[0]) / 1000));
    }
    const delivered = connector.counts.posts;
    return {
      conversations,
      items: total,
      delivered,
      seconds: +elapsed.toFixed(2),
      deliveriesPerSecond: +(delivered / elapsed).toFixed(1),
      perConversationPerSecond: +(perConvRates.reduce((a, b) => a + b, 0) / (perConvRates.length || 1)).toFixed(2),
      maxInAnyOneSecondPerConversation: maxWindow,
    };
  };
  const one = await measure(1, QUICK ? 15 : 40);
  const many = await measure(QUICK ? 50 : 200, 5);
  await bot.stop();
  await connector.stop();
  return { limitPerConversationPerSecond: 7, oneConversation: one, manyConversations: many };
}

async function radicadoPhase(): Promise<Record<string, unknown>> {
  const runProcs = async (procs: number) => {
    const dbPath = PG ? await pgDatabaseFor(path.join(tmp, `radicado-${procs}.db`)) : path.join(tmp, `radicado-${procs}.db`);
    const children = Array.from({ length: procs }, () =>
      fork(path.join(__dirname, 'bench-radicado.js'), [dbPath, String(P.radicadoMs), String(YEAR)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    // Start them one after the other (migrations), then release them together.
    const ready: Promise<void>[] = [];
    for (const ch of children) {
      ready.push(new Promise((r) => ch.once('message', () => r())));
      await ready[ready.length - 1];
    }
    const done = children.map((ch) => new Promise<{ count: number; ms: number; error?: string }>((r) => ch.once('message', r)));
    for (const ch of children) ch.send({ go: true });
    const out = await Promise.all(done);
    const err = out.find((o) => o.error);
    if (err) throw new Error(err.error);
    let row: { n: number; distinct_n: number; last: string };
    let counter: { last: number };
    if (PG) {
      const c = new pg.Client({ connectionString: dbPath });
      await c.connect();
      const r = (await c.query('SELECT count(*) AS n, count(DISTINCT radicado) AS distinct_n, max(radicado) AS last FROM tickets')).rows[0];
      row = { n: Number(r.n), distinct_n: Number(r.distinct_n), last: r.last };
      counter = (await c.query(`SELECT last FROM radicado_counters WHERE prefix = 'MDA' AND year = $1`, [YEAR])).rows[0];
      await c.end();
    } else {
      const db = openDb(dbPath, { readonly: true });
      row = db.prepare('SELECT count(*) AS n, count(DISTINCT radicado) AS distinct_n, max(radicado) AS last FROM tickets').get() as { n: number; distinct_n: number; last: string };
      counter = db.prepare(`SELECT last FROM radicado_counters WHERE prefix = 'MDA' AND year = ?`).get(YEAR) as { last: number };
      db.close();
    }
    const total = out.reduce((a, o) => a + o.count, 0);
    const seconds = Math.max(...out.map((o) => o.ms)) / 1000;
    return {
      processes: procs,
      perProcess: out.map((o) => o.count),
      created: total,
      perSecond: +(total / seconds).toFixed(0),
      duplicates: row.n - row.distinct_n,
      counterMatches: counter.last === row.n && row.n === total,
      gaps: counter.last - row.distinct_n,
    };
  };
  return { single: await runProcs(1), two: await runProcs(2) };
}

async function memoryPhase(load: LoadClient): Promise<Record<string, unknown>> {
  const bot = await startBot(path.join(tmp, 'memory.db'));
  const samples: { n: number; rssMb: number; heapMb: number }[] = [];
  const mb = (b: number) => +(b / 1048576).toFixed(1);
  let last = 0;
  const sample = () => {
    const m = process.memoryUsage();
    samples.push({ n: last, rssMb: mb(m.rss), heapMb: mb(m.heapUsed) });
  };
  sample();
  load.onProgress = (n) => {
    last = n;
    sample();
  };
  const r = await load.run({ url: bot.url, scenario: 'help', concurrency: 32, warmupMs: 0, durationMs: 300_000, count: P.memoryTurns, progress: true });
  load.onProgress = null;
  last = r.requests;
  sample();
  await bot.stop();
  const warm = Math.floor(P.memoryTurns / 10);
  const afterWarm = samples.find((s) => s.n >= warm) ?? samples[0];
  const end = samples[samples.length - 1];
  // Least-squares slope of RSS against turns after warm-up, in MB per 10,000 turns.
  const pts = samples.filter((s) => s.n >= warm);
  const mx = pts.reduce((a, s) => a + s.n, 0) / pts.length;
  const my = pts.reduce((a, s) => a + s.rssMb, 0) / pts.length;
  const slope = pts.reduce((a, s) => a + (s.n - mx) * (s.rssMb - my), 0) / (pts.reduce((a, s) => a + (s.n - mx) ** 2, 0) || 1);
  const secondHalf = pts.filter((s) => s.n >= (warm + P.memoryTurns) / 2);
  const maxFirst = Math.max(...pts.filter((s) => s.n < (warm + P.memoryTurns) / 2).map((s) => s.rssMb));
  return {
    turns: r.requests,
    errors: r.errors,
    rps: +r.rps.toFixed(0),
    startMb: samples[0].rssMb,
    afterWarmupMb: afterWarm.rssMb,
    endMb: end.rssMb,
    peakMb: Math.max(...samples.map((s) => s.rssMb)),
    slopeMbPer10kTurns: +(slope * 10_000).toFixed(2),
    // "Keeps growing" = the second half after warm-up climbs above the first half's peak by >10%.
    keepsGrowing: Math.max(...secondHalf.map((s) => s.rssMb)) > maxFirst * 1.1,
    heapEndMb: end.heapMb,
    samples: samples.filter((_, i) => i % 8 === 0),
  };
}

/** A bot process (`node dist/index.js`), as one instance behind a load balancer would run. */
async function spawnBot(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'index.js')], {
    cwd: ROOT,
    env: { PATH: rawEnvironment().PATH ?? '/usr/bin:/bin', BOT_ALLOW_ANONYMOUS: 'true', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', TICKETS_PER_HOUR: '10000', LOOKUPS_PER_MINUTE: '10000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const m = buf.match(/"url":"([^"]+)","msg":"Mesa de Ayuda listening"/);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`bot process exited ${code}`)));
  });
  child.stdout!.resume();
  return { url, child };
}

/** Ticket creation through one and through two bot processes sharing one PostgreSQL database. */
async function instancesPhase(load: LoadClient): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const n of [1, 2]) {
    const url = await pgDatabaseFor(path.join(tmp, `instances-${n}.db`));
    const storage = openStorage({ dbPath: ':memory:', databaseUrl: url });
    await storage.ready();
    await storage.queues.register({ tenantId: 'tenant-1', teamId: TEAM, channelId: CHANNEL, categoryId: null, registeredBy: 'bench' });
    await storage.refs.save(
      conversationKey(CHANNEL),
      { channelId: 'msteams', serviceUrl: load.connectorUrl, conversation: { id: CHANNEL, conversationType: 'channel', tenantId: 'tenant-1', isGroup: true }, bot: { id: '28:bot-id', name: 'Mesa de Ayuda' } },
      new Date(),
    );
    await storage.close();
    const bots = await Promise.all(Array.from({ length: n }, () => spawnBot(url)));
    const runs: RunResult[] = [];
    for (const c of P.concurrencies) {
      const r = await load.run({ url: bots[0].url, urls: bots.map((b) => b.url), scenario: 'ticket', concurrency: c, warmupMs: P.warmupMs, durationMs: P.measureMs });
      runs.push(r);
      const warn = r.errors ? `  ERRORS ${r.errors}: ${r.firstError}` : '';
      console.log(`  ticket × ${n} process${n > 1 ? 'es' : ''} c=${String(c).padEnd(3)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms${warn}`);
    }
    for (const b of bots) b.child.kill('SIGTERM');
    await Promise.all(bots.map((b) => new Promise((r) => (b.child.exitCode !== null ? r(null) : b.child.once('exit', r)))));
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const row = (await c.query('SELECT count(*) AS n, count(DISTINCT radicado) AS d, (SELECT max(last) FROM radicado_counters) AS last FROM tickets')).rows[0];
    await c.end();
    out[n === 1 ? 'one' : 'two'] = {
      processes: n,
      runs: runs.map((r) => ({ c: r.concurrency, rps: +r.rps.toFixed(0), p50: +r.p50.toFixed(1), p99: +r.p99.toFixed(1), errors: r.errors })),
      tickets: Number(row.n),
      duplicates: Number(row.n) - Number(row.d),
      gaps: Number(row.last) - Number(row.n),
    };
  }
  return out;
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

async function main() {
  const t0 = Date.now();
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: +(os.totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAvgAtStart: os.loadavg().map((l) => +l.toFixed(2)),
    dbDir: tmp,
  };
  if (PG) {
    const given = rawEnvironment().DATABASE_URL;
    if (given) pgAdminUrl = given;
    else {
      pgServer = await startLocalPg({ durable: true });
      pgAdminUrl = pgServer.url;
    }
  }
  console.log(`Mesa de Ayuda bench${QUICK ? ' (quick)' : ''} on ${PG ? 'PostgreSQL' : 'SQLite'} — ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`);
  const catalogPath = path.join(ROOT, 'config', 'catalog.json');

  const statusDb = path.join(tmp, 'status.db');
  const queueDb = path.join(tmp, 'queue.db');
  if (want('status')) {
    const s = seedTickets(statusDb, { count: P.statusSeed, year: YEAR, catalogPath, status: (n, count) => (n > count - 2000 ? 'new' : n % 50 === 0 ? 'resolved' : 'closed') });
    if (PG) await copySqliteToPostgres({ from: statusDb, to: await pgDatabaseFor(statusDb) });
    console.log(`  seeded ${P.statusSeed} tickets in ${(s.ms / 1000).toFixed(1)} s`);
    results.statusSeed = { tickets: P.statusSeed, ms: s.ms, open: 2000 };
  }
  if (want('queue')) {
    const open = ['new', 'assigned', 'in_progress', 'waiting_user'];
    const s = seedTickets(queueDb, { count: P.queueSeed, year: YEAR, catalogPath, status: (n) => open[n % 4] });
    if (PG) await copySqliteToPostgres({ from: queueDb, to: await pgDatabaseFor(queueDb) });
    console.log(`  seeded ${P.queueSeed} open tickets in ${(s.ms / 1000).toFixed(1)} s`);
    results.queueSeed = { tickets: P.queueSeed, ms: s.ms };
  }

  const load = await LoadClient.start();
  try {
    if (want('echo')) {
      const echo = await startEcho(false);
      for (const c of P.concurrencies) {
        await runScenario(load, echo, 'echo-message', c);
        await runScenario(load, echo, 'echo-invoke', c);
      }
      await echo.stop();
      // The fair ceiling: the same visible work as the bot (a card per answer, an outbound post per action).
      const fair = await startEcho(true);
      for (const c of P.concurrencies) {
        await runScenario(load, fair, 'fair-message', c);
        await runScenario(load, fair, 'fair-invoke', c);
      }
      await fair.stop();
    }
    if (want('help')) {
      const bot = await startBot(path.join(tmp, 'help.db'));
      for (const c of P.concurrencies) await runScenario(load, bot, 'help', c);
      await bot.stop();
    }
    if (want('ticket')) {
      const bot = await startBot(path.join(tmp, 'ticket.db'));
      await registerQueue(bot.app, load.connectorUrl);
      for (const c of P.concurrencies) await runScenario(load, bot, 'ticket', c);
      const pending = await bot.app.dispatcher['d'].outbox.pendingCount();
      results.ticketOutboxPendingAfter = pending;
      // Tickets really filed (warm-up included), from the database, beside what the answers said.
      const inDb = (await bot.app.tickets.listOpen({ tenantId: 'tenant-1', limit: 1, offset: 0 })).total;
      const answered = rows.filter((r) => r.scenario === 'ticket').reduce((a, r) => a + (r.ticketsCreated ?? 0), 0);
      results.ticketsFiled = { inDatabase: inDb, confirmedInMeasuredPhases: answered };
      console.log(`  tickets in the database: ${inDb} (confirmed in the measured phases: ${answered})`);
      await bot.stop();
    }
    if (want('status')) {
      const bot = await startBot(statusDb);
      for (const c of P.concurrencies) await runScenario(load, bot, 'status', c, { year: YEAR, seeded: P.statusSeed });
      await bot.stop();
    }
    if (want('queue')) {
      const bot = await startBot(queueDb);
      for (const c of P.concurrencies) await runScenario(load, bot, 'queue', c);
      await bot.stop();
    }
    if (want('instances')) results.instances = await instancesPhase(load);
    if (want('memory')) {
      console.log(`  memory: ${P.memoryTurns} help turns at c=32 …`);
      results.memory = await memoryPhase(load);
    }
  } finally {
    await load.call('exit').catch(() => undefined);
  }
  if (want('radicado')) results.radicado = await radicadoPhase();
  if (want('outbox')) results.outbox = await outboxPhase();

  // Ratios against the echo bots at the same concurrency and activity shape: the bare echo, and the
  // fair one (the same visible work), which the goals are stated against.
  for (const r of rows) {
    if (r.scenario.startsWith('echo') || r.scenario.startsWith('fair')) continue;
    const shape = r.scenario === 'ticket' ? 'invoke' : 'message';
    const base = rows.find((e) => e.concurrency === r.concurrency && e.scenario === `echo-${shape}`);
    const fair = rows.find((e) => e.concurrency === r.concurrency && e.scenario === `fair-${shape}`);
    if (base) {
      r.baseline = base.scenario;
      r.ratio = r.rps / base.rps;
      r.p99Ratio = r.p99 / base.p99;
    }
    if (fair) {
      r.fairRatio = r.rps / fair.rps;
      r.fairP99Ratio = r.p99 / fair.p99;
    }
  }
  const goal = (scenario: string, target: string, key: 'fairRatio' | 'fairP99Ratio') => ({
    target,
    values: rows.filter((r) => r.scenario === scenario).map((r) => ({ c: r.concurrency, ratio: r[key] })),
  });
  // The goals, against the fair echo in the same run.
  const targets = {
    ticketThroughputRatio: goal('ticket', '>= 0.7', 'fairRatio'),
    ticketP99Ratio: goal('ticket', '<= 2.0', 'fairP99Ratio'),
    statusThroughputRatio: goal('status', '>= 0.8', 'fairRatio'),
    queueThroughputRatio: goal('queue', '>= 0.7', 'fairRatio'),
    helpThroughputRatio: goal('help', '>= 0.9', 'fairRatio'),
  };

  console.log('\n scenario       c    req/s    p50 ms   p99 ms   vs echo (req/s, p99)   vs fair echo (req/s, p99)   errors');
  const pair = (a?: number, b?: number) => (a !== undefined && b !== undefined ? `${a.toFixed(2)}x, ${b.toFixed(2)}x` : '—');
  for (const r of rows) {
    const made = r.ticketsCreated !== undefined ? `   created ${r.ticketsCreated} (offers answered ${r.offers})` : '';
    console.log(
      ` ${r.scenario.padEnd(13)} ${String(r.concurrency).padStart(3)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(1).padStart(9)} ${r.p99.toFixed(1).padStart(8)}   ${pair(r.ratio, r.p99Ratio).padEnd(22)} ${pair(r.fairRatio, r.fairP99Ratio).padEnd(27)} ${r.errors}${made}`,
    );
  }
  const m = results.memory as Record<string, unknown> | undefined;
  if (m) console.log(`\n memory (rss MB): start ${m.startMb}, after warm-up ${m.afterWarmupMb}, end ${m.endMb}, peak ${m.peakMb}; slope ${m.slopeMbPer10kTurns} MB/10k turns; keeps growing: ${m.keepsGrowing}`);
  const rad = results.radicado as any;
  if (rad) console.log(` radicados: 1 process ${rad.single.perSecond}/s; 2 processes ${rad.two.perSecond}/s (${rad.two.perProcess.join(' + ')}), duplicates ${rad.two.duplicates}, counter matches ${rad.two.counterMatches}`);
  const ob = results.outbox as any;
  if (ob) console.log(` outbox: one conversation ${ob.oneConversation.deliveriesPerSecond}/s (max ${ob.oneConversation.maxInAnyOneSecondPerConversation} in any 1 s, limit 7); ${ob.manyConversations.conversations} conversations ${ob.manyConversations.deliveriesPerSecond}/s total (max ${ob.manyConversations.maxInAnyOneSecondPerConversation}/s per conversation)`);

  const inst = results.instances as any;
  if (inst) console.log(` instances (ticket creation): 1 process ${inst.one.runs.map((r: any) => r.rps).join(' / ')} req/s; 2 processes ${inst.two.runs.map((r: any) => r.rps).join(' / ')} req/s (c=${P.concurrencies.join(' / ')}); duplicates ${inst.two.duplicates}, gaps ${inst.two.gaps}`);

  const out = { at: new Date().toISOString(), quick: QUICK, engine: PG ? 'postgres' : 'sqlite', machine, params: P, scenarios: rows, targets, ...results, totalSeconds: (Date.now() - t0) / 1000 };
  const dir = path.join(ROOT, 'bench-results');
  fs.mkdirSync(dir, { recursive: true });
  const file = PG ? 'latest-postgres.json' : 'latest.json';
  fs.writeFileSync(path.join(dir, file), JSON.stringify(out, null, 2));
  console.log(`\n wrote bench-results/${file} (${out.totalSeconds.toFixed(0)} s)`);
  pgServer?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  pgServer?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
});
