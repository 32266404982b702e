/**
 * `npm run dev`: the bot (anonymous, embedded SQLite in ./data) plus the Microsoft 365 Agents
 * Playground with the mock users and team of .m365agentsplayground.yml. The Playground always sends
 * en-US; a small proxy in front of the bot sets DEV_LOCALE (default es-CO, as a Colombian employee's
 * Teams does; DEV_LOCALE=en-US for English). Logs are pretty-printed. Prints the URL to open;
 * Ctrl-C stops both.
 *
 * The Teams tab (http://localhost:3978/tab/) works in a plain browser too: a stand-in identity
 * provider on loopback signs tokens for the directory's people (TAB_DEV_SIGNIN), in the Playground's
 * tenant, so the page offers them to choose from.
 */
import { rawEnvironment } from '../config';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pinoPretty from 'pino-pretty';
import { ROOT } from '../paths';
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { startLocaleProxy } from './locale-proxy';
import { startStandInIdp } from '../tab/stand-in-idp';

// The CLI's only environment reads: the port the developer may have chosen, and the environment
// handed to the children. The bot itself reads its configuration in src/config.ts.
const env = rawEnvironment();
const port = env.PORT || '3978';
const botUrl = `http://localhost:${port}`;
const locale = env.DEV_LOCALE || 'es-CO';
const playgroundCli = path.join(ROOT, 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');
const children: ChildProcess[] = [];
let stopIdp: (() => Promise<void>) | undefined;

function stopAll(code: number): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  void stopIdp?.();
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

/** The Playground's tenant: the tab's tokens must name the tenant its tickets are filed in. */
function playgroundTenant(): string {
  const file = env.M365_AGENTS_PLAYGROUND_CONFIG_PATH || path.join(ROOT, '.m365agentsplayground.yml');
  const cfg = parseYaml(fs.readFileSync(file, 'utf8')) as { tenantId?: string };
  return cfg.tenantId || '00000000-0000-0000-0000-000000000000';
}

async function main(): Promise<void> {
  const audience = 'api://localhost/botid-00000000-0000-0000-0000-000000000000';
  const idp = await startStandInIdp({ audience, tenantId: playgroundTenant() });
  stopIdp = () => idp.close();
  const bot = spawn(process.execPath, [path.join(ROOT, 'dist', 'index.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...env,
      BOT_ALLOW_ANONYMOUS: 'true',
      DB_PATH: env.DB_PATH || './data/mesa-ayuda.db',
      PORT: port,
      TAB_SSO_METADATA_URL: idp.metadataUrl,
      TAB_SSO_AUDIENCE: audience,
      TAB_DEV_SIGNIN: 'true',
    },
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
      console.log(
        `\n  Mesa de Ayuda is running (${locale}). Open http://localhost:${m[1]} (Agents Playground), and the tab at ${botUrl}/tab/ — Ctrl-C stops both.\n`,
      );
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
