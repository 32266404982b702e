/**
 * Helpers for the end-to-end suite: the bot in-process on a free port, the Microsoft 365 Agents
 * Playground as a child process (one per "person at a keyboard"), and Chromium through
 * playwright-core. Everything binds to 127.0.0.1 on ephemeral ports and is torn down by the test.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { createApp, type App } from '../../src/app';
import { readEnv } from '../../src/config';
import { databaseEnv } from '../helpers/engine';
import { createLogger } from '../../src/logger';
import { ROOT } from '../../src/paths';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'e2e');
export const SCREENSHOTS = path.join(ROOT, 'test', 'e2e', 'screenshots');
const PLAYGROUND_CLI = path.join(ROOT, 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');
const CONFIG = path.join(ROOT, '.m365agentsplayground.yml');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The bot's log in the e2e run: silent unless E2E_LOG_LEVEL asks (debug, info, …) for a failure's story. */
const E2E_LOG_LEVEL = process.env.E2E_LOG_LEVEL || 'silent';

/** The real app (restify + CloudAdapter + this run's engine) on a free port with a throw-away database. */
export async function startBot(dir: string): Promise<{ app: App; url: string }> {
  const cfg = readEnv({
    BOT_ALLOW_ANONYMOUS: 'true',
    PORT: '0',
    HOST: '127.0.0.1',
    ...(await databaseEnv(dir, 'e2e.db')),
    LOG_LEVEL: E2E_LOG_LEVEL,
    OUTBOX_POLL_MS: '50',
  });
  const app = createApp(cfg, { log: createLogger(E2E_LOG_LEVEL as 'silent'), dispatcher: { perKeyIntervalMs: 20 } });
  const server = await app.start();
  return { app, url: server.url };
}

export { startLocaleProxy } from '../../src/cli/locale-proxy';

interface MockUser {
  id: string;
  name: string;
  [k: string]: unknown;
}
interface PlaygroundConfig {
  currentUser: MockUser;
  users: MockUser[];
  personalChat: { id: string };
  [k: string]: unknown;
}

/**
 * The Playground has no user switcher: whoever is `currentUser` in its config types in the browser.
 * To act as someone else, write a copy of .m365agentsplayground.yml with that person as currentUser
 * (the former currentUser joins `users`, which must stay exactly five) and their own personal chat.
 * JSON is valid YAML, so the copy is written as JSON.
 */
export function configFor(userId: string, dir: string): string {
  // js-yaml ships with jest (via @istanbuljs/load-nyc-config); the Playground's own parser is bundled.
  const yaml = require('js-yaml') as { load(s: string): unknown };
  const base = yaml.load(fs.readFileSync(CONFIG, 'utf8')) as PlaygroundConfig;
  const everyone = [base.currentUser, ...base.users];
  const me = everyone.find((u) => u.id === userId);
  if (!me) throw new Error(`${userId} is not a user of ${CONFIG}`);
  const cfg: PlaygroundConfig = {
    ...base,
    currentUser: me,
    users: everyone.filter((u) => u !== me),
    personalChat: { id: `a:personal-${userId.replace(/[^A-Za-z0-9]/g, '')}` },
  };
  const file = path.join(dir, `playground-${userId.replace(/[^A-Za-z0-9]/g, '')}.yml`);
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
  return file;
}

export interface Playground {
  url: string;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the Playground CLI against the bot. Its stdin stays an open pipe: it exits when stdin
 * closes. TEAMSAPPTESTER_BROWSER=none stops it from opening a browser; telemetry is off.
 */
export async function startPlayground(opts: { botUrl: string; port: number; configPath: string; logFile: string }): Promise<Playground> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [PLAYGROUND_CLI, 'start', '-e', `${opts.botUrl}/api/messages`, '-c', 'msteams', '-p', String(opts.port), '--disable-telemetry'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        TEAMSAPPTESTER_BROWSER: 'none',
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: opts.configPath,
        M365_AGENTS_PLAYGROUND_LOGFILE: opts.logFile,
      },
      stdio: 'pipe',
    },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 200))]);
    if (early !== 'running') {
      throw new Error(`Agents Playground exited with code ${early}. Output:\n${out}\nLog: ${opts.logFile}`);
    }
    if (out.includes(`Listening on ${opts.port}`)) {
      const ok = await fetch(`${url}/`).then((r) => r.ok, () => false);
      if (ok) break;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Agents Playground did not listen on ${opts.port} within 30 s. Output:\n${out}`);
    }
  }
  return {
    url,
    port: opts.port,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin.end();
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Debian's Chromium with a fresh profile, Spanish (Colombia) locale. */
export async function launchChromium(profileDir: string): Promise<BrowserContext> {
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-quic',
    '--no-first-run',
    '--disable-component-update',
    '--disable-sync',
    '--lang=es-CO',
  ];
  // playwright-core passes --user-data-dir itself for a persistent context.
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    args,
    locale: 'es-CO',
    timezoneId: 'America/Bogota',
    viewport: { width: 1400, height: 1000 },
  });
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-e2e-'));
}

/** A screenshot of the page into test-artifacts/e2e (and optionally the committed copy). */
export async function shot(page: Page, name: string, committedAs?: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  // What a person sees must never hold a template placeholder.
  const visible = await page.locator('body').innerText();
  const leftover = /\$\{[^}]*\}/.exec(visible);
  if (leftover) throw new Error(`step ${name} shows an unfilled placeholder: ${leftover[0]}`);
  // The committed copies (shown in the README) change only when asked: E2E_UPDATE_SCREENSHOTS=1.
  if (committedAs && process.env.E2E_UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    fs.copyFileSync(file, path.join(SCREENSHOTS, committedAs));
  }
}

/** Adaptive Cards rendered in the conversation, newest last. */
export function cards(page: Page): Locator {
  return page.locator('.ac-adaptiveCard');
}

/** Clicks the newest visible button with this title (as a person clicks the latest card). */
export async function clickButton(page: Page, title: string, scope?: Locator): Promise<void> {
  const where = scope ?? page;
  const button = where.getByRole('button', { name: title, exact: true }).last();
  try {
    await button.waitFor({ state: 'visible', timeout: 20_000 });
  } catch (err) {
    await shot(page, `failed-${title.replace(/[^A-Za-z0-9]+/g, '-')}`).catch(() => undefined);
    const seen = await where.getByRole('button').allInnerTexts().catch(() => []);
    throw new Error(`No button "${title}". Buttons on screen: ${JSON.stringify(seen.slice(-25))}\n${(err as Error).message}`);
  }
  await button.click();
}

/** Picks a choice in a compact Input.ChoiceSet (rendered as a combobox) found by its label. */
export async function choose(page: Page, scope: Locator, label: string | RegExp, option: string): Promise<void> {
  const box = scope.getByRole('combobox', { name: label });
  try {
    await box.waitFor({ state: 'visible', timeout: 20_000 });
  } catch (err) {
    await shot(page, `failed-choose-${option.replace(/[^A-Za-z0-9]+/g, '-')}`).catch(() => undefined);
    const seen = await scope.getByRole('combobox').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent)).catch(() => []);
    throw new Error(`No list "${label}". Lists in scope: ${JSON.stringify(seen)}\n${(err as Error).message}`);
  }
  await box.click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** Types into the Playground's message box (a Lexical editor) and sends with Enter. */
export async function typeMessage(page: Page, text: string): Promise<void> {
  const box = page.locator('[data-lexical-editor]').last();
  await box.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/**
 * Posts a new conversation in the open channel, @mentioning the bot first: in a channel the
 * Playground (like Teams) only delivers messages that mention the bot. The mention is picked from
 * the editor's typeahead menu, as a person does.
 */
export async function postInChannel(page: Page, botName: string, text: string): Promise<void> {
  const box = page.locator('[data-lexical-editor]').first(); // "Start a new post"
  await box.click();
  await page.keyboard.type(`@${botName.split(' ')[0]}`);
  await page.locator('#typeahead-menu [role=menuitem]').filter({ hasText: botName }).first().click();
  await page.keyboard.type(` ${text}`);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
}

/** Opens a chat or channel in the left rail by its visible name. */
export async function openConversation(page: Page, name: string): Promise<void> {
  await page.getByText(name, { exact: true }).first().click();
}

/**
 * Waits for a card (or text) a person expects to see; when it does not come, keeps a screenshot and
 * the text of the last cards on screen in the error, so a failure says what was shown instead.
 */
export async function expectSeen(page: Page, what: Locator, name: string, timeout = 30_000): Promise<void> {
  try {
    await what.waitFor({ timeout });
  } catch (err) {
    await shot(page, `failed-${name}`).catch(() => undefined);
    const all = await cards(page).allInnerTexts().catch(() => [] as string[]);
    const last = all.slice(-3).map((t) => t.replace(/\s+/g, ' ').slice(0, 400));
    throw new Error(`"${name}" was not shown. Last cards on screen:\n- ${last.join('\n- ')}\n${(err as Error).message}`);
  }
}
