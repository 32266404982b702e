/**
 * Real bot processes (`node dist/index.js`) for the tests that run several instances on one
 * PostgreSQL database: the build, the loopback connector that knows the test users and team,
 * the environment, and starting an instance until it listens.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../src/paths';
import { LoopbackConnector } from './connector';
import { TEAM, USERS } from './harness';

export const ENTRY = path.join(ROOT, 'dist', 'index.js');

export interface BotProcess {
  name: string;
  child: ChildProcess;
  url: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Builds dist/ (the processes run the compiled bot); an error only matters when nothing was produced. */
export function buildBot(): void {
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
  } catch (err) {
    if (!fs.existsSync(ENTRY)) throw new Error(`the build did not produce ${ENTRY}: ${String((err as { stdout?: Buffer }).stdout ?? err)}`);
  }
}

/** A loopback connector that answers member look-ups for the test users and the team's roster. */
export async function connectorWithUsers(): Promise<LoopbackConnector> {
  const connector = await new LoopbackConnector().start();
  for (const u of Object.values(USERS)) connector.members.set(u.id, { id: u.id, name: u.name, aadObjectId: u.oid, email: u.email, userPrincipalName: u.email });
  connector.teams.set(TEAM.id, [USERS.agent, USERS.agent2, USERS.supervisor].map((u) => ({ id: u.id, name: u.name, aadObjectId: u.oid })));
  return connector;
}

/** The environment of an anonymous instance on `databaseUrl`; `overrides` win. */
export function botProcessEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    BOT_ALLOW_ANONYMOUS: 'true',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '5',
    LOG_LEVEL: 'info',
    OUTBOX_POLL_MS: '20',
    TICKETS_PER_HOUR: '1000',
    DB_PATH: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-proc-')), 'unused.db'),
    ...overrides,
  };
}

/** Starts `node dist/index.js` and resolves once its log says it listens (with its URL). */
export async function startBotProcess(name: string, env: Record<string, string>): Promise<BotProcess> {
  const child = spawn(process.execPath, [ENTRY], { cwd: ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const inst: BotProcess = { name, child, url: '', stderr: '', exited };
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (inst.stderr += d));
  inst.url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        try {
          const l = JSON.parse(line);
          if (l.msg === 'Mesa de Ayuda listening') resolve(l.url);
        } catch {
          /* not JSON */
        }
      }
    });
    void exited.then(({ code }) => reject(new Error(`${name} exited (${code}) before listening: ${inst.stderr}`)));
  });
  return inst;
}

/** POST /api/messages to one instance. */
export async function postTo(url: string, activity: object): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
