/**
 * The built bot as a process (`npm start` = node dist/index.js): it refuses to start without an app id
 * (exit 2, with the fix on stderr), warns loudly when it runs anonymously, serves, and shuts down
 * gracefully on SIGTERM (exit 0). Waits on process events and log lines, never on the clock.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../src/paths';
import { databaseEnv, ENGINE } from '../helpers/engine';

const ENTRY = path.join(ROOT, 'dist', 'index.js');

interface Running {
  child: ChildProcess;
  stdout: string[];
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first JSON log line that matches (rejects if the process exits first). */
  logLine(pred: (l: Record<string, any>) => boolean): Promise<Record<string, any>>;
}

function run(env: Record<string, string>): Running {
  // A clean environment: nothing of this machine's (or jest's) variables leaks into the bot.
  const child = spawn(process.execPath, [ENTRY], { cwd: os.tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const r: Running = {
    child,
    stdout: [],
    stderr: '',
    // 'close', not 'exit': fires once stdout and stderr are fully read.
    exited: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal }))),
    logLine: (pred) =>
      new Promise((resolve, reject) => {
        const find = () =>
          r.stdout
            .map((line) => {
              try {
                return JSON.parse(line) as Record<string, any>;
              } catch {
                return null;
              }
            })
            .find((obj) => obj !== null && pred(obj));
        const onData = () => {
          const hit = find();
          if (!hit) return;
          child.stdout!.off('data', onData);
          resolve(hit);
        };
        // Registered after the line splitter below, so each chunk is already in r.stdout.
        child.stdout!.on('data', onData);
        onData();
        void r.exited.then(({ code }) => {
          if (!find()) reject(new Error(`process exited (${code}) before the log line; stderr:\n${r.stderr}\nstdout:\n${r.stdout.join('\n')}`));
        });
      }),
  };
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    r.stdout.push(...lines.filter(Boolean));
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (r.stderr += chunk));
  return r;
}

describe('the bot process', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
    } catch (err) {
      // tsc still emits on type errors (another engineer's work in progress); only a missing build is fatal.
      if (!fs.existsSync(ENTRY)) throw new Error(`the build did not produce ${ENTRY}: ${String((err as { stdout?: Buffer }).stdout ?? err)}`);
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-process-'));
  }, 200_000);

  afterAll(() => {
    // Only our own children, by pid, if a test failed half-way.
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('refuses to start without MicrosoftAppId: exit code 2 and how to fix it on stderr', async () => {
    const p = run({ DB_PATH: path.join(dir, 'refused.db') });
    children.push(p.child);
    const { code } = await p.exited;
    expect(code).toBe(2);
    expect(p.stderr).toContain('MicrosoftAppId is not set');
    expect(p.stderr).toContain('BOT_ALLOW_ANONYMOUS');
    expect(fs.existsSync(path.join(dir, 'refused.db'))).toBe(false);
  });

  it('refuses to start on a bad PORT with exit code 2', async () => {
    const p = run({ BOT_ALLOW_ANONYMOUS: 'true', PORT: 'http', DB_PATH: path.join(dir, 'bad-port.db') });
    children.push(p.child);
    expect((await p.exited).code).toBe(2);
    expect(p.stderr).toContain('PORT: must be an integer between 0 and 65535');
  });

  it('exits 1 with a message when the catalog cannot be read', async () => {
    const p = run({ BOT_ALLOW_ANONYMOUS: 'true', PORT: '0', HOST: '127.0.0.1', DB_PATH: path.join(dir, 'no-catalog.db'), CATALOG_PATH: path.join(dir, 'missing.json') });
    children.push(p.child);
    expect((await p.exited).code).toBe(1);
    expect(p.stderr).toContain('could not start');
    expect(p.stderr).toContain('CATALOG_PATH');
  });

  it('exits 1 saying so when DATABASE_URL points at no PostgreSQL server', async () => {
    const p = run({ BOT_ALLOW_ANONYMOUS: 'true', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: 'postgres://mesa@127.0.0.1:1/mesa' });
    children.push(p.child);
    expect((await p.exited).code).toBe(1);
    expect(p.stderr).toContain('could not start');
    expect(p.stderr).toMatch(/ECONNREFUSED/);
  });

  it('refuses a DATABASE_URL that is not a PostgreSQL URL, with exit code 2', async () => {
    const p = run({ BOT_ALLOW_ANONYMOUS: 'true', DATABASE_URL: 'mysql://db/mesa' });
    children.push(p.child);
    expect((await p.exited).code).toBe(2);
    expect(p.stderr).toContain('DATABASE_URL: must be a PostgreSQL URL');
  });

  it('runs anonymously with BOT_ALLOW_ANONYMOUS=true behind a loud warning, serves, and exits 0 on SIGTERM', async () => {
    const p = run({ BOT_ALLOW_ANONYMOUS: 'true', PORT: '0', HOST: '127.0.0.1', ...(await databaseEnv(dir, 'anon.db')), LOG_LEVEL: 'info' });
    children.push(p.child);
    const warning = await p.logLine((l) => typeof l.msg === 'string' && l.msg.includes('BOT_ALLOW_ANONYMOUS'));
    expect(warning.level).toBeGreaterThanOrEqual(40); // pino: 40 = warn
    expect(warning.msg).toMatch(/NOT authenticated/);

    const listening = await p.logLine((l) => l.msg === 'Mesa de Ayuda listening');
    const health = await fetch(`${listening.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'ok', engine: ENGINE });

    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.stdout.some((l) => l.includes('"stopped"'))).toBe(true);
    // restify prints a Node deprecation warning on stderr; nothing else may be there.
    expect(p.stderr.split('\n').filter((l) => l && !/DEP0111|DeprecationWarning|--trace-deprecation/.test(l))).toEqual([]);
  });
});
