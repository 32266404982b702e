/** The benchmark's settings and shared pieces: flags, phase sizes, the PostgreSQL stand-in, the load child, the bots under test. */
import type { ConversationAccount } from 'botbuilder';
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../app';
import { rawEnvironment, readEnv, type Config } from '../config';
import { startLocalPg, type LocalPg } from './pg-local';
import pg from 'pg';
import { conversationKey, userKey } from '../outbox/keys';
import { conversationReference } from '../teams/handlers/welcome';
import { createLogger } from '../logger';
import { BOT, filer, SEED_USERS, seedUser, TENANT, TICKET_USERS, type RunResult, type RunSpec } from './bench-load';

export const args = process.argv.slice(2);
export const QUICK = args.includes('--quick');
export const ONLY = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
export const PG = args.includes('--postgres');
/** --solo: bot scenarios without the fair echo's slices beside them (for CPU profiles of the bot alone; no fair ratios). */
export const SOLO = args.includes('--solo');
export const want = (phase: string) => (!ONLY || ONLY.includes(phase)) && (phase !== 'instances' || PG);

/**
 * Phase sizes. A bot scenario is measured in `rounds` slices of measureMs / rounds, each beside a slice of
 * the fair echo of the same length (sliceWarmupMs of warm-up before each slice after the first).
 */
export const P = QUICK
  ? { warmupMs: 500, measureMs: 2000, rounds: 2, sliceWarmupMs: 200, statusSeed: 50_000, queueSeed: 10_000, memoryTurns: 5_000, radicadoMs: 1500, concurrencies: [8, 32] }
  : { warmupMs: 1500, measureMs: 6000, rounds: 4, sliceWarmupMs: 300, statusSeed: 1_000_000, queueSeed: 100_000, memoryTurns: 50_000, radicadoMs: 5000, concurrencies: [8, 32] };

export const YEAR = new Date(Date.now() - 5 * 3600_000).getUTCFullYear();
export const log = createLogger('silent');
export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-bench-'));
export const CHANNEL = '19:soporte@thread.tacv2';
export const TEAM = '19:team-general@thread.tacv2';

// ---------- PostgreSQL (--postgres) ----------
let pgServer: LocalPg | undefined;
let pgAdminUrl = '';
/** SQLite file path → the PostgreSQL database standing in for it. */
export const pgDatabases = new Map<string, string>();

export async function pgDatabaseFor(dbPath: string): Promise<string> {
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

export async function dbEnv(dbPath: string): Promise<Record<string, string>> {
  return PG ? { DB_PATH: dbPath, DATABASE_URL: await pgDatabaseFor(dbPath) } : { DB_PATH: dbPath };
}

export function benchConfig(dbPath: string, env: Record<string, string> = {}): Config {
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
export class LoadClient {
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
export interface Target {
  url: string;
  stop(): Promise<void>;
  app?: App;
}


export async function startBot(dbPath: string, env: Record<string, string> = {}): Promise<Target & { app: App }> {
  const app = createApp(benchConfig(dbPath, { ...(await dbEnv(dbPath)), ...env }), { log });
  const server = await app.start();
  return { url: server.url, app, stop: () => app.stop() };
}

/** A general support queue in the channel, so each new ticket also posts its queue card. */
export async function registerQueue(app: App, serviceUrl: string) {
  await app.services.queues.register({ tenantId: 'tenant-1', teamId: TEAM, channelId: CHANNEL, categoryId: null, registeredBy: 'bench' });
  await app.services.refs.save(
    conversationKey(CHANNEL),
    { channelId: 'msteams', serviceUrl, conversation: { id: CHANNEL, conversationType: 'channel', tenantId: 'tenant-1', isGroup: true }, bot: { id: '28:bot-id', name: 'Mesa de Ayuda' } },
    new Date(),
  );
}


/**
 * The ticket scenario's employees as the bot knows them when they press Guardar: their profile was
 * resolved (and cached, PROFILE_TTL_MINUTES) by the turns before it — the catalog, the form — as the
 * status scenario's requesters are. Resolved through the bot's own identity service, on either engine.
 */
export async function knownFilers(app: App) {
  for (let i = 0; i < TICKET_USERS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, TICKET_USERS - i) }, (_, k) => {
        const u = filer(i + k);
        return app.services.identity.resolve({ oid: u.oid, tenantId: 'tenant-1', activityName: u.name, fetchProfile: async () => ({ name: u.name, email: `${u.oid}@entidad.gov.co` }) });
      }),
    );
  }
}

/**
 * The status scenario's requesters as the bot knows them: they filed their cases through it, so it
 * remembers their personal chats (the reference it stores on every message, as it builds it) and
 * has no first message of theirs to store during the measured phase.
 */
export async function knownRequesters(app: App, serviceUrl: string) {
  for (let n = 0; n < SEED_USERS; n++) {
    const u = seedUser(n);
    const from = { id: u.id, name: u.name, aadObjectId: u.oid };
    const conversation = { id: `a:personal-${u.oid}`, conversationType: 'personal', tenantId: TENANT } as ConversationAccount;
    const ref = conversationReference({ channelId: 'msteams', serviceUrl, conversation, recipient: BOT, from }, TENANT, true, 'es-CO');
    await app.services.refs.save(userKey(u.oid), ref, new Date());
  }
}

/** With --postgres: DATABASE_URL if set (it must be allowed to create databases), else a throwaway local server with fsync on. */
export async function startPostgres(): Promise<void> {
  const given = rawEnvironment().DATABASE_URL;
  if (given) pgAdminUrl = given;
  else {
    pgServer = await startLocalPg({ durable: true });
    pgAdminUrl = pgServer.url;
  }
}

export function stopPostgres(): void {
  pgServer?.stop();
}
