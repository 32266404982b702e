/**
 * Starts the real app (restify + CloudAdapter + SQLite, or PostgreSQL on the PostgreSQL pass) on an ephemeral port with a loopback
 * connector, and builds Teams-shaped activities.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createApp, type App } from '../../src/app';
import { readEnv } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { MailMessage, MailTransport } from '../../src/domain/mail';
import { LoopbackConnector } from './connector';
import { databaseEnv } from './engine';

export const TENANT = 'tenant-1';
export const BOT = { id: '28:bot-id', name: 'Mesa de Ayuda' };

export interface TestUser {
  id: string;
  oid: string;
  name: string;
  email: string;
}

/** Users of config/directory.json. */
export const USERS = {
  employee: { id: '29:ana', oid: '00000000-0000-0000-0000-0000000000e1', name: 'Ana Empleada', email: 'ana.empleada@entidad.gov.co' },
  manager: { id: '29:jorge', oid: '00000000-0000-0000-0000-0000000000a1', name: 'Jorge Jefe de Área', email: 'jorge.jefe@entidad.gov.co' },
  secretary: { id: '29:sara', oid: '00000000-0000-0000-0000-0000000000s1', name: 'Sara Secretaria', email: 'sara.secretaria@entidad.gov.co' },
  agent: { id: '29:ivan', oid: '00000000-0000-0000-0000-0000000000g1', name: 'Iván Ingeniero', email: 'ivan.ingeniero@entidad.gov.co' },
  agent2: { id: '29:laura', oid: '00000000-0000-0000-0000-0000000000g2', name: 'Laura Ingeniera', email: 'laura.ingeniera@entidad.gov.co' },
  supervisor: { id: '29:sofia', oid: '00000000-0000-0000-0000-0000000000p1', name: 'Sofía Supervisora', email: 'sofia.supervisora@entidad.gov.co' },
  stranger: { id: '29:pedro', oid: '00000000-0000-0000-0000-0000000000x9', name: 'Pedro Otro', email: 'pedro@entidad.gov.co' },
} satisfies Record<string, TestUser>;

export const TEAM = { id: '19:team-general@thread.tacv2', channelId: '19:soporte@thread.tacv2' };

export class RecordingMail implements MailTransport {
  readonly name = 'recording';
  readonly sent: MailMessage[] = [];
  async send(msg: MailMessage) {
    this.sent.push(msg);
  }
}

export interface Harness {
  app: App;
  url: string;
  connector: LoopbackConnector;
  mail: RecordingMail;
  dbPath: string;
  dir: string;
  post(activity: object, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startHarness(
  env: Record<string, string> = {},
  opts: {
    dir?: string;
    /** Logger for the app (default: silent). */
    log?: import('../../src/logger').Logger;
    /** false: do not pass the RecordingMail, so MAIL_TRANSPORT in env decides the transport. */
    recordMail?: boolean;
    /** Reuse a running connector (e.g. across an app restart); close() then leaves it running. */
    connector?: LoopbackConnector;
    /** Dispatcher options (default: perKeyIntervalMs 5). */
    dispatcher?: Partial<import('../../src/outbox/dispatcher').DispatcherOptions>;
    /** How long turns retry throttled replies before the outbox takes them (default: the app's). */
    replyGuard?: Partial<import('../../src/teams/reply-guard').ReplyGuardOptions>;
    /** The app's clock (default: the system clock), e.g. a TestClock the test moves forward. */
    clock?: import('../../src/domain/ports').Clock;
  } = {},
): Promise<Harness> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-'));
  const dbPath = path.join(dir, 'test.db');
  const ownConnector = !opts.connector;
  const connector = opts.connector ?? (await new LoopbackConnector().start());
  for (const u of Object.values(USERS)) {
    connector.members.set(u.id, { id: u.id, name: u.name, aadObjectId: u.oid, email: u.email, userPrincipalName: u.email });
  }
  connector.teams.set(TEAM.id, [USERS.agent, USERS.agent2, USERS.supervisor].map((u) => ({ id: u.id, name: u.name, aadObjectId: u.oid })));
  const cfg = readEnv({ BOT_ALLOW_ANONYMOUS: 'true', PORT: '0', HOST: '127.0.0.1', ...(await databaseEnv(dir)), LOG_LEVEL: 'silent', OUTBOX_POLL_MS: '20', ...env });
  const mail = new RecordingMail();
  const app = createApp(cfg, {
    log: opts.log ?? createLogger('silent'),
    mail: opts.recordMail === false ? undefined : mail,
    dispatcher: { perKeyIntervalMs: 5, ...opts.dispatcher },
    replyGuard: opts.replyGuard,
    clock: opts.clock,
  });
  const server = await app.start();
  const post = async (activity: object, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(activity),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* keep text */
    }
    return { status: res.status, body };
  };
  return {
    app,
    url: server.url,
    connector,
    mail,
    dbPath,
    dir,
    post,
    async close() {
      await app.stop();
      if (ownConnector) await connector.stop();
    },
  };
}

/**
 * A clock the test sets and moves forward (SLA due times, survey window). Between moves it runs at
 * real speed, so the outbox's per-conversation pacing still sees time pass.
 */
export class TestClock {
  private base: number;
  private realStart = Date.now();
  constructor(start: Date | string) {
    this.base = new Date(start).getTime();
  }
  now = (): Date => new Date(this.base + (Date.now() - this.realStart));
  set(at: Date | string) {
    this.base = new Date(at).getTime();
    this.realStart = Date.now();
  }
  advance(minutes: number) {
    this.set(new Date(this.now().getTime() + minutes * 60_000));
  }
}

let seq = 0;
const nextId = () => `act-${Date.now()}-${++seq}`;

export function personalConversation(user: TestUser) {
  return { id: `a:personal-${user.oid}`, conversationType: 'personal', tenantId: TENANT };
}

function base(h: Harness, user: TestUser, locale = 'es-CO') {
  return {
    id: nextId(),
    channelId: 'msteams',
    serviceUrl: h.connector.url,
    timestamp: new Date().toISOString(),
    locale,
    from: { id: user.id, name: user.name, aadObjectId: user.oid },
    recipient: BOT,
    channelData: { tenant: { id: TENANT } },
  };
}

export function message(h: Harness, user: TestUser, text: string, locale = 'es-CO') {
  return { ...base(h, user, locale), type: 'message', text, conversation: personalConversation(user) };
}

export function cardAction(h: Harness, user: TestUser, verb: string, data: object = {}, locale = 'es-CO', conversation?: object) {
  return {
    ...base(h, user, locale),
    type: 'invoke',
    name: 'adaptiveCard/action',
    value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
    conversation: conversation ?? personalConversation(user),
  };
}

/** Any other invoke (a message extension's query, select item, fetch task, submit action), from a group chat by default. */
export function invoke(h: Harness, user: TestUser, name: string, value: unknown, locale = 'es-CO', conversation?: object) {
  return {
    ...base(h, user, locale),
    type: 'invoke',
    name,
    value,
    conversation: conversation ?? { id: '19:group-chat@thread.v2', conversationType: 'groupChat', tenantId: TENANT },
  };
}

export function channelMessage(h: Harness, user: TestUser, text: string, threadRootId?: string) {
  return {
    ...base(h, user),
    type: 'message',
    text: `<at>Mesa de Ayuda</at> ${text}`,
    conversation: {
      id: threadRootId ? `${TEAM.channelId};messageid=${threadRootId}` : TEAM.channelId,
      conversationType: 'channel',
      isGroup: true,
      tenantId: TENANT,
    },
    channelData: { tenant: { id: TENANT }, team: { id: TEAM.id }, channel: { id: TEAM.channelId } },
    entities: [{ type: 'mention', mentioned: BOT, text: '<at>Mesa de Ayuda</at>' }],
  };
}

export function channelConversation() {
  return { id: TEAM.channelId, conversationType: 'channel', isGroup: true, tenantId: TENANT };
}

export function installPersonal(h: Harness, user: TestUser) {
  return { ...base(h, user), type: 'conversationUpdate', membersAdded: [BOT], conversation: personalConversation(user) };
}

/** The card in an invoke response (Universal Actions replace the card with it). */
export function invokeCard(res: { status: number; body: any }): any {
  expect(res.status).toBe(200);
  expect(res.body?.type).toBe('application/vnd.microsoft.card.adaptive');
  return res.body.value;
}

/** All text of a card, flattened, to assert what a person would read. */
export function cardText(card: any): string {
  const out: string[] = [];
  const walk = (n: any) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n && typeof n === 'object') {
      for (const k of ['text', 'title', 'value', 'label']) if (typeof n[k] === 'string') out.push(n[k]);
      Object.values(n).forEach(walk);
    }
  };
  walk(card);
  return out.join('\n');
}

/** Finds an action (button) by its visible title anywhere in a card. */
export function findAction(card: any, title: string): any {
  let found: any;
  const walk = (n: any) => {
    if (found) return;
    if (Array.isArray(n)) return n.forEach(walk);
    if (n && typeof n === 'object') {
      if (typeof n.type === 'string' && n.type.startsWith('Action.') && n.title === title) {
        found = n;
        return;
      }
      Object.values(n).forEach(walk);
    }
  };
  walk(card);
  if (!found) throw new Error(`no button "${title}" in card:\n${cardText(card)}`);
  return found;
}

/** Presses a button: posts its Action.Execute with the inputs a person typed. */
export async function press(h: Harness, user: TestUser, card: any, title: string, inputs: Record<string, string> = {}, conversation?: object) {
  const action = findAction(card, title);
  return h.post(cardAction(h, user, action.verb, { ...(action.data ?? {}), ...inputs }, 'es-CO', conversation));
}

export { randomUUID };

/** The knowledge base's offer before filing ("¿Esto resuelve su caso?"), if that is what a card is. */
export function isArticleOffer(card: any): boolean {
  return !!card && cardText(card).startsWith('¿Esto resuelve su caso?');
}

/**
 * "Guardar" on a ticket form the way a person who needs the case does it: where the knowledge base
 * offers articles first, "No, registrar la solicitud". Returns the final response.
 */
export async function save(h: Harness, user: TestUser, form: any, inputs: Record<string, string> = {}, conversation?: object) {
  const res = await press(h, user, form, 'Guardar', inputs, conversation);
  const card = res.body?.type === 'application/vnd.microsoft.card.adaptive' ? res.body.value : undefined;
  if (!isArticleOffer(card)) return res;
  return press(h, user, card, 'No, registrar la solicitud', {}, conversation);
}

/** The buttons a person sees on a card, in order (a button's fallback for older clients is the same button). */
export function buttonTitles(card: any): string[] {
  const out: string[] = [];
  const walk = (n: any) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n && typeof n === 'object') {
      if (typeof n.type === 'string' && n.type.startsWith('Action.')) return out.push(n.title);
      Object.values(n).forEach(walk);
    }
  };
  walk(card);
  return out;
}
