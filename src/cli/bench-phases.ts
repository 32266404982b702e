/** The benchmark's phases beyond the request scenarios: outbox pacing, radicados from several processes, memory over many turns, several bot processes on one database. */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { rawEnvironment } from '../config';
import { openStorage } from '../storage';
import pg from 'pg';
import type { OutboxItem } from '../outbox/items';
import { conversationKey, userKey } from '../outbox/keys';
import { ROOT } from '../paths';
import { openDb } from '../storage/db';
import { BenchConnector } from './bench-connector';
import { startStandInIdp } from '../tab/stand-in-idp';
import type { RunResult } from './bench-load';
import { CHANNEL, LoadClient, P, PG, pgDatabaseFor, QUICK, startBot, TEAM, tmp, YEAR } from './bench-env';

export async function outboxPhase(): Promise<Record<string, unknown>> {
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

export async function radicadoPhase(): Promise<Record<string, unknown>> {
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

export async function memoryPhase(load: LoadClient): Promise<Record<string, unknown>> {
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
export async function instancesPhase(load: LoadClient): Promise<Record<string, unknown>> {
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

export function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * One major-incident update to N linked requesters (5,000; 500 quick): every linked ticket filed on
 * the incident, every requester's chat known; then one "Actualizar estado". Reports how long until
 * every requester had the update, how many got it twice or not at all, and the pace per chat.
 */
export async function incidentPhase(): Promise<Record<string, unknown>> {
  const linked = QUICK ? 500 : 5000;
  const connector = await new BenchConnector().start();
  const bot = await startBot(path.join(tmp, 'incident.db'));
  const { services } = bot.app;
  const requester = (oid: string) => ({ oid, tenantId: 'tenant-1', name: `Persona ${oid}` });
  const form = (oid: string, key: string) => ({
    submissionKey: key,
    requester: requester(oid),
    locale: 'es' as const,
    phone: '300 123 4567',
    contactChannel: 'teams' as const,
    categoryId: 'mesa-servicio-primer-nivel',
    serviceId: 'acceso-remoto',
    templateId: 'falla-conexion-vpn',
    fieldValues: {},
    description: 'La VPN no conecta.',
    priority: 'high' as const,
  });
  const { ticket: master } = await services.tickets.file(form('bench-master', 'bench-incident-master'));
  const supervisor = { oid: 'bench-supervisor', name: 'Supervisora', roles: ['supervisor' as const] };
  const declared = await services.incidents.declare(master, supervisor, { title: 'VPN caída', serviceIds: ['acceso-remoto'], statusText: 'Revisando.' });
  if (!declared.ok) throw new Error(`could not declare the bench incident: ${declared.reason}`);
  const tFile = Date.now();
  for (let i = 0; i < linked; i++) {
    const oid = `bench-linked-${i}`;
    await services.refs.save(
      userKey(oid),
      { channelId: 'msteams', serviceUrl: connector.url, conversation: { id: `a:${oid}`, conversationType: 'personal', tenantId: 'tenant-1' }, bot: { id: '28:bot-id' }, user: { id: `29:${oid}` } },
      new Date(),
    );
    const out = await services.tickets.submit(form(oid, `bench-incident-${i}`), { offerDuplicates: false, linkTo: master.id });
    if (out.kind !== 'filed') throw new Error(`bench ticket ${i} was not filed on the incident: ${out.kind}`);
  }
  const fileSeconds = (Date.now() - tFile) / 1000;
  // Let the filing notices go out first, so only the update is timed.
  while ((await bot.app.storage.outbox.backlog()).pending > 0) await sleep(100);
  connector.reset();
  connector.recordTimes = true;
  const t0 = Date.now();
  const posted = await services.incidents.postUpdate((await bot.app.tickets.get(master.id))!, { oid: 'bench-agent', name: 'Ingeniero', roles: ['agent'] }, 'El proveedor ya identificó la falla.');
  if (!posted.ok) throw new Error(`could not post the bench update: ${posted.reason}`);
  const enqueuedMs = Date.now() - t0;
  bot.app.dispatcher.kick();
  const deadline = t0 + (QUICK ? 60_000 : 300_000);
  const reached = () => [...connector.times.keys()].filter((k) => k.startsWith('a:bench-linked-')).length;
  while (reached() < linked && Date.now() < deadline) await sleep(50);
  const seconds = (Date.now() - t0) / 1000;
  await sleep(500); // anything late (a duplicate) shows up here
  connector.recordTimes = false;
  const perChat = [...connector.times.entries()].filter(([k]) => k.startsWith('a:bench-linked-')).map(([, v]) => v.length);
  // The pace across all chats: the most deliveries that started within any one second.
  const all = [...connector.times.values()].flat().sort((a, b) => a - b);
  let maxInAnyOneSecond = 0;
  for (let i = 0, j = 0; i < all.length; i++) {
    while (all[i] - all[j] >= 1000) j++;
    maxInAnyOneSecond = Math.max(maxInAnyOneSecond, i - j + 1);
  }
  const result = {
    linkedRequesters: linked,
    recipients: posted.value.recipients,
    delivered: perChat.filter((n) => n >= 1).length,
    duplicates: perChat.filter((n) => n > 1).length,
    missing: linked - perChat.length,
    fanOutWriteMs: enqueuedMs,
    secondsToDeliverAll: +seconds.toFixed(2),
    deliveriesPerSecond: +(perChat.length / seconds).toFixed(1),
    maxInAnyOneSecond,
    limitPerSecond: bot.app.dispatcher['opts'].maxPerSecond,
    filingSecondsForSetup: +fileSeconds.toFixed(1),
  };
  console.log(`  major incident: one update to ${linked} linked requesters — ${result.delivered} delivered in ${result.secondsToDeliverAll} s (${result.deliveriesPerSecond}/s, at most ${maxInAnyOneSecond} in one second; limit ${result.limitPerSecond}), ${result.duplicates} twice, ${result.missing} missing`);
  await bot.stop();
  await connector.stop();
  return result;
}

/**
 * The tab's queue page (GET /api/tab/queue, the first 200 rows in arrival order with their SLA
 * state, and the count up to 1,000) against the seeded open tickets, as a supervisor with a signed
 * token from the stand-in identity provider; then the same with filters (state, assignee, age).
 * The target: p95 under 300 ms. Latencies measured from this process over loopback.
 */
export async function tabPhase(queueDb: string, seeded: number): Promise<Record<string, unknown>> {
  const audience = 'api://bench.local/botid-00000000-0000-0000-0000-000000000000';
  const idp = await startStandInIdp({ audience, tenantId: 'tenant-1' });
  const bot = await startBot(queueDb, { TAB_SSO_METADATA_URL: idp.metadataUrl, TAB_SSO_AUDIENCE: audience });
  const token = await idp.sign({ oid: '00000000-0000-0000-0000-0000000000p1', name: 'Sofía Supervisora' });
  const get = async (query: string) => {
    const t0 = performance.now();
    const res = await fetch(`${bot.url}/api/tab/queue${query}`, { headers: { authorization: `Bearer ${token}`, 'accept-language': 'es-CO' } });
    const body = (await res.json()) as { items?: unknown[] };
    if (res.status !== 200 || !body.items) throw new Error(`tab queue answered ${res.status}`);
    return performance.now() - t0;
  };
  const run = async (query: string, c: number) => {
    const until = Date.now() + P.warmupMs;
    while (Date.now() < until) await get(query);
    const lat: number[] = [];
    const end = Date.now() + P.measureMs;
    await Promise.all(Array.from({ length: c }, async () => {
      while (Date.now() < end) lat.push(await get(query));
    }));
    lat.sort((a, b) => a - b);
    const q = (p: number) => +lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
    const r = { query: query || '(none)', c, requests: lat.length, rps: +(lat.length / (P.measureMs / 1000)).toFixed(0), p50: q(0.5), p95: q(0.95), p99: q(0.99), meetsP95Under300ms: q(0.95) < 300 };
    console.log(`  tab queue ${r.query.padEnd(28)} c=${String(c).padEnd(3)} ${String(r.rps).padStart(5)} req/s  p50 ${r.p50} ms  p95 ${r.p95} ms  p99 ${r.p99} ms`);
    return r;
  };
  try {
    const runs = [];
    for (const c of P.concurrencies) runs.push(await run('', c));
    runs.push(await run('?status=new&assignee=none&age=24', 8));
    return { openTickets: seeded, runs };
  } finally {
    await bot.stop();
    await idp.close();
  }
}
