/**
 * `npm run bench`: throughput and latency of the real bot against an echo bot on the same stack
 * (restify + CloudAdapter + TeamsMessageEndpoint), each bot scenario in slices beside the fair echo
 * (runPaired), plus radicado creation from two processes, outbox
 * pacing and resident memory over 50,000 turns. Prints a table and writes bench-results/latest.json.
 * Flags: --quick (short phases, small seeds: for development), --only=a,b (phases: echo, help,
 * ticket, status, queue, tab, memory, radicado, outbox, incident, instances), --postgres (every bot and repository on
 * PostgreSQL: DATABASE_URL if set — it must be allowed to create databases — else a throwaway local
 * server with fsync on; adds the "instances" phase: ticket creation through one and two bot processes),
 * --solo (bot scenarios without the fair echo's slices: for CPU profiles of the bot alone).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copySqliteToPostgres } from '../storage/pg/copy-from-sqlite';
import { ROOT } from '../paths';
import { startEchoBot } from './bench-echo';
import type { RunResult, RunSpec, Scenario } from './bench-load';
import { seedTickets } from './bench-seed';
import { benchConfig, CHANNEL, knownFilers, knownRequesters, log, LoadClient, P, PG, SOLO, pgDatabaseFor, QUICK, registerQueue, startBot, startPostgres, stopPostgres, tmp, want, YEAR, type Target } from './bench-env';
import { median } from '../domain/reports/metrics';
import { incidentPhase, instancesPhase, memoryPhase, outboxPhase, radicadoPhase, tabPhase } from './bench-phases';

// ---------- phases ----------
const results: Record<string, unknown> = {};
type Row = RunResult & { baseline?: string; ratio?: number; p99Ratio?: number; fairRatio?: number; fairP99Ratio?: number; rounds?: Round[] };
/** One slice of a bot scenario and the fair echo's slice beside it. */
interface Round {
  rps: number;
  p99: number;
  fairRps: number;
  fairP99: number;
  ratio: number;
  p99Ratio: number;
}
const rows: Row[] = [];

function printRun(r: RunResult, note = '') {
  const warn = r.errors ? `  ERRORS ${r.errors}: ${r.firstError}` : '';
  console.log(`  ${r.scenario.padEnd(13)} c=${String(r.concurrency).padEnd(3)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms${note}${warn}`);
}

async function runScenario(load: LoadClient, target: Target, scenario: Scenario, c: number, extra: Partial<RunSpec> = {}) {
  const r = await load.run({ url: target.url, scenario, concurrency: c, warmupMs: P.warmupMs, durationMs: P.measureMs, ...extra });
  rows.push(r);
  printRun(r);
  return r;
}

/** The median of a phase's slices (never empty). */
const middle = (xs: number[]) => median(xs)!;

/**
 * A bot scenario measured in P.rounds slices, each beside a slice of the fair echo of the same shape and
 * concurrency (which goes first alternates), so both meet the same moment of this machine: its speed
 * drifts by a third within minutes (noisy neighbours), more than most changes move a ratio measured
 * minutes apart. The ratios reported are the medians of the slices' ratios; req/s is the bot's over
 * all its slices, p50 and p99 the medians of its slices'.
 */
async function runPaired(load: LoadClient, bot: Target, fair: Target, scenario: Scenario, c: number, extra: Partial<RunSpec> = {}) {
  if (SOLO) return runScenario(load, bot, scenario, c, extra);
  const shape: Scenario = scenario === 'ticket' ? 'fair-invoke' : 'fair-message';
  const slice = Math.round(P.measureMs / P.rounds);
  const mine: RunResult[] = [];
  const rounds: Round[] = [];
  for (let i = 0; i < P.rounds; i++) {
    const warmupMs = i === 0 ? P.warmupMs : P.sliceWarmupMs;
    const runBot = () => load.run({ url: bot.url, scenario, concurrency: c, warmupMs, durationMs: slice, ...extra });
    const runFair = () => load.run({ url: fair.url, scenario: shape, concurrency: c, warmupMs, durationMs: slice });
    // Even rounds: the echo's slice first; odd rounds: the bot's first.
    const early = i % 2 === 0 ? await runFair() : undefined;
    const b = await runBot();
    const f = early ?? (await runFair());
    mine.push(b);
    rounds.push({ rps: +b.rps.toFixed(0), p99: +b.p99.toFixed(1), fairRps: +f.rps.toFixed(0), fairP99: +f.p99.toFixed(1), ratio: b.rps / f.rps, p99Ratio: b.p99 / f.p99 });
  }
  const sum = (k: 'requests' | 'errors' | 'seconds' | 'connectorPosts' | 'ticketsCreated' | 'offers') => mine.reduce((a, r) => a + (r[k] ?? 0), 0);
  const firstError = mine.find((m) => m.firstError)?.firstError;
  const r: Row = {
    scenario,
    concurrency: c,
    requests: sum('requests'),
    errors: sum('errors'),
    ...(firstError ? { firstError } : {}),
    seconds: sum('seconds'),
    rps: sum('requests') / sum('seconds'),
    p50: middle(mine.map((m) => m.p50)),
    p99: middle(mine.map((m) => m.p99)),
    mean: mine.reduce((a, m) => a + m.mean * m.requests, 0) / Math.max(1, sum('requests')),
    connectorPosts: sum('connectorPosts'),
    ...(scenario === 'ticket' ? { ticketsCreated: sum('ticketsCreated'), offers: sum('offers') } : {}),
    fairRatio: middle(rounds.map((x) => x.ratio)),
    fairP99Ratio: middle(rounds.map((x) => x.p99Ratio)),
    rounds,
  };
  rows.push(r);
  printRun(r, `  vs fair echo ${r.fairRatio!.toFixed(2)}x (slices ${rounds.map((x) => `${x.rps}/${x.fairRps}`).join(', ')})`);
  return r;
}

function startEcho(fair: boolean): Promise<Target> {
  return startEchoBot(benchConfig(path.join(tmp, 'echo-unused.db')), log, { fair, channel: { id: CHANNEL, tenantId: 'tenant-1' } });
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
  if (PG) await startPostgres();
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
  if (want('queue') || want('tab')) {
    const open = ['new', 'assigned', 'in_progress', 'waiting_user'];
    const s = seedTickets(queueDb, { count: P.queueSeed, year: YEAR, catalogPath, status: (n) => open[n % 4] });
    if (PG) await copySqliteToPostgres({ from: queueDb, to: await pgDatabaseFor(queueDb) });
    console.log(`  seeded ${P.queueSeed} open tickets in ${(s.ms / 1000).toFixed(1)} s`);
    results.queueSeed = { tickets: P.queueSeed, ms: s.ms };
  }

  const load = await LoadClient.start();
  // The fair echo stays up beside every bot scenario (runPaired).
  const fair = await startEcho(true);
  try {
    if (want('echo')) {
      const echo = await startEcho(false);
      for (const c of P.concurrencies) {
        await runScenario(load, echo, 'echo-message', c);
        await runScenario(load, echo, 'echo-invoke', c);
      }
      await echo.stop();
      // The fair ceiling on its own: the same visible work as the bot (a card per answer, an outbound post per action).
      for (const c of P.concurrencies) {
        await runScenario(load, fair, 'fair-message', c);
        await runScenario(load, fair, 'fair-invoke', c);
      }
    }
    if (want('help')) {
      const bot = await startBot(path.join(tmp, 'help.db'));
      for (const c of P.concurrencies) await runPaired(load, bot, fair, 'help', c);
      await bot.stop();
    }
    if (want('ticket')) {
      const bot = await startBot(path.join(tmp, 'ticket.db'));
      await registerQueue(bot.app, load.connectorUrl);
      await knownFilers(bot.app);
      // The queue cards wait in the outbox, paced to 7 a second in the one channel as Teams allows: the
      // backlog outlives the phase (its dispatcher runs during the echo's slices too, at that pace).
      for (const c of P.concurrencies) await runPaired(load, bot, fair, 'ticket', c);
      const pending = await bot.app.dispatcher['d'].outbox.pendingCount();
      results.ticketOutboxPendingAfter = pending;
      // Tickets really filed (warm-up included), from the database, beside what the answers said.
      const inDb = (await bot.app.storage.sql.one<{ n: number }>('SELECT count(*) AS n FROM tickets'))!.n;
      const answered = rows.filter((r) => r.scenario === 'ticket').reduce((a, r) => a + (r.ticketsCreated ?? 0), 0);
      results.ticketsFiled = { inDatabase: inDb, confirmedInMeasuredPhases: answered };
      console.log(`  tickets in the database: ${inDb} (confirmed in the measured phases: ${answered})`);
      await bot.stop();
    }
    if (want('status')) {
      const bot = await startBot(statusDb);
      await knownRequesters(bot.app, load.connectorUrl);
      for (const c of P.concurrencies) await runPaired(load, bot, fair, 'status', c, { year: YEAR, seeded: P.statusSeed });
      await bot.stop();
    }
    if (want('queue')) {
      const bot = await startBot(queueDb);
      for (const c of P.concurrencies) await runPaired(load, bot, fair, 'queue', c);
      await bot.stop();
    }
    if (want('tab')) results.tab = await tabPhase(queueDb, P.queueSeed);
    if (want('instances')) results.instances = await instancesPhase(load);
    if (want('memory')) {
      console.log(`  memory: ${P.memoryTurns} help turns at c=32 …`);
      results.memory = await memoryPhase(load);
    }
  } finally {
    await fair.stop();
    await load.call('exit').catch(() => undefined);
  }
  if (want('radicado')) results.radicado = await radicadoPhase();
  if (want('outbox')) results.outbox = await outboxPhase();
  if (want('incident')) results.incident = await incidentPhase();

  // Ratios against the bare echo at the same concurrency and activity shape, measured on its own
  // (minutes apart: indicative only); the fair ones, which the goals are stated against, come from
  // the slices measured side by side (runPaired).
  for (const r of rows) {
    if (r.scenario.startsWith('echo') || r.scenario.startsWith('fair')) continue;
    const shape = r.scenario === 'ticket' ? 'invoke' : 'message';
    const base = rows.find((e) => e.concurrency === r.concurrency && e.scenario === `echo-${shape}`);
    if (base) {
      r.baseline = base.scenario;
      r.ratio = r.rps / base.rps;
      r.p99Ratio = r.p99 / base.p99;
    }
  }
  const goal = (scenario: string, target: string, key: 'fairRatio' | 'fairP99Ratio') => ({
    target,
    values: rows.filter((r) => r.scenario === scenario).map((r) => ({ c: r.concurrency, ratio: r[key] })),
  });
  // The issue's goals, against the fair echo in the same run.
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
  stopPostgres();
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  stopPostgres();
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
});
