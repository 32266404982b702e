/**
 * `npm run dev`: the bot (anonymous, embedded SQLite in ./data) plus the Microsoft 365 Agents
 * Playground with the mock users and team of .m365agentsplayground.yml. The Playground always sends
 * en-US; a small proxy in front of the bot sets DEV_LOCALE (default es-CO, as a Colombian employee's
 * Teams does; DEV_LOCALE=en-US for English). Logs are pretty-printed. Prints the URL to open;
 * Ctrl-C stops both.
 */
import { rawEnvironment } from '../config';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pinoPretty from 'pino-pretty';
import { ROOT } from '../paths';
import { startLocaleProxy } from './locale-proxy';

// The CLI's only environment reads: the port the developer may have chosen, and the environment
// handed to the children. The bot itself reads its configuration in src/config.ts.
const env = rawEnvironment();
const port = env.PORT || '3978';
const botUrl = `http://localhost:${port}`;
const locale = env.DEV_LOCALE || 'es-CO';
const playgroundCli = path.join(ROOT, 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');
const children: ChildProcess[] = [];

function stopAll(code: number): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}

async function waitForHealth(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the bot did not answer ${url}/healthz within ${ms / 1000} s`);
}

async function main(): Promise<void> {
  const bot = spawn(process.execPath, [path.join(ROOT, 'dist', 'index.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...env, BOT_ALLOW_ANONYMOUS: 'true', DB_PATH: env.DB_PATH || './data/mesa-ayuda.db', PORT: port },
  });
  children.push(bot);
  // The bot logs JSON lines (as in production); here they are made readable.
  bot.stdout!.pipe(pinoPretty({ colorize: !!process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,app' }));
  bot.on('exit', (code) => {
    console.error(`The bot exited (code ${code}).`);
    stopAll(code ?? 1);
  });
  await waitForHealth(botUrl, 30_000);
  const proxy = await startLocaleProxy(botUrl, locale);

  // The Playground exits when its stdin closes, so it gets a pipe that stays open.
  const playground = spawn(process.execPath, [playgroundCli, 'start', '-e', `${proxy.url}/api/messages`, '-c', 'msteams', '--disable-telemetry'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...env, TEAMSAPPTESTER_BROWSER: 'none' },
  });
  children.push(playground);
  let announced = false;
  playground.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    process.stdout.write(text);
    const m = /Listening on (\d+)/.exec(text);
    if (m && !announced) {
      announced = true;
      console.log(`\n  Mesa de Ayuda is running (${locale}). Open http://localhost:${m[1]} (Agents Playground) — Ctrl-C stops both.\n`);
    }
  });
  playground.on('exit', (code) => {
    console.error(
      `The Agents Playground exited (code ${code}).` +
        (code === 1 ? ' Check .m365agentsplayground.yml; set M365_AGENTS_PLAYGROUND_LOGFILE=/tmp/pg.log to see why.' : ''),
    );
    stopAll(code ?? 1);
  });
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
}

main().catch((err) => {
  console.error(`npm run dev could not start: ${(err as Error).message}`);
  stopAll(1);
});
