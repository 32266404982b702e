/**
 * Teams SSO over real HTTP: the app talks to a loopback Bot Framework token service (OAuthUrl:
 * GetToken, exchange, GetSignInResource) and a loopback Microsoft Graph (GRAPH_BASE_URL).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AppCredentials } from 'botframework-connector';
import { createApp, type App } from '../../src/app';
import { databaseEnv } from '../helpers/engine';
import { readEnv } from '../../src/config';
import { createLogger } from '../../src/logger';
import { FileDirectory } from '../../src/identity/file-directory';
import { ROOT } from '../../src/paths';
import { LoopbackConnector } from '../helpers/connector';
import { cardAction, cardText, invokeCard, message, RecordingMail, TENANT, USERS, type Harness, type TestUser } from '../helpers/harness';

const CONNECTION = 'graph-sso';
const RESTRICTED = 'Dotación tecnológica del área';
const TTL_MINUTES = 60;

type Handler = (req: http.IncomingMessage, url: URL, body: string) => { status: number; body?: unknown };

async function loopback(handler: Handler) {
  const calls: { method: string; path: string; query: URLSearchParams; body: string; auth?: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      calls.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, body, auth: req.headers.authorization });
      const out = handler(req, url, body);
      res.writeHead(out.status, { 'content-type': 'application/json' });
      res.end(out.body === undefined ? '' : JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: () => {
      server.closeAllConnections?.();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Stand-in for the Bot Framework token service. */
async function tokenService() {
  /** Teams user id → Graph token the service holds for the connection. */
  const tokens = new Map<string, string>();
  /** Teams SSO token → Graph token it exchanges to. */
  const exchangeable = new Map<string, string>();
  /** Magic code (verifyState) → Graph token. */
  const codes = new Map<string, string>();
  const srv = await loopback((req, url, body) => {
    const q = url.searchParams;
    if (req.method === 'GET' && url.pathname === '/api/usertoken/GetToken') {
      const userId = q.get('userId') ?? '';
      const code = q.get('code');
      if (code) {
        const t = codes.get(code);
        if (!t) return { status: 404, body: {} };
        tokens.set(userId, t);
      }
      const token = tokens.get(userId);
      return token ? { status: 200, body: { connectionName: q.get('connectionName'), token, channelId: q.get('channelId') } } : { status: 404, body: {} };
    }
    if (req.method === 'POST' && url.pathname === '/api/usertoken/exchange') {
      const graph = exchangeable.get(JSON.parse(body || '{}').token);
      if (!graph) return { status: 400, body: { error: { code: 'ConsentRequired', message: 'consent required' } } };
      tokens.set(q.get('userId') ?? '', graph);
      return { status: 200, body: { connectionName: q.get('connectionName'), token: graph, channelId: q.get('channelId') } };
    }
    if (req.method === 'GET' && url.pathname === '/api/botsignin/GetSignInResource') {
      return {
        status: 200,
        body: {
          signInLink: 'https://token.example/sign-in?state=abc',
          tokenExchangeResource: { id: 'ter-1', uri: 'api://botid-app/access_as_user', providerId: 'aad' },
          tokenPostResource: { sasUrl: 'https://token.example/post' },
        },
      };
    }
    return { status: 404, body: { error: 'not found' } };
  });
  const count = (p: string) => srv.calls.filter((c) => c.path === p).length;
  return { ...srv, tokens, exchangeable, codes, count };
}

/** Stand-in for Microsoft Graph: users by bearer token; no `manager` answers /me/manager with 404, 'fail' with 503. */
async function graphService() {
  const users = new Map<string, { me: Record<string, unknown>; groups: string[]; manager?: { id: string; displayName: string } | 'fail' }>();
  const srv = await loopback((req, url) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const u = users.get(token);
    if (!u) return { status: 401, body: { error: { code: 'InvalidAuthenticationToken' } } };
    if (url.pathname === '/v1.0/me') return { status: 200, body: u.me };
    if (url.pathname === '/v1.0/me/memberOf') {
      return { status: 200, body: { value: u.groups.map((id) => ({ '@odata.type': '#microsoft.graph.group', id })) } };
    }
    if (url.pathname === '/v1.0/me/manager') {
      if (u.manager === 'fail') return { status: 503, body: { error: { code: 'serviceNotAvailable' } } };
      if (!u.manager) return { status: 404, body: { error: { code: 'Request_ResourceNotFound', message: "Resource 'manager' does not exist" } } };
      return { status: 200, body: { '@odata.type': '#microsoft.graph.user', ...u.manager } };
    }
    return { status: 404, body: {} };
  });
  return { ...srv, users };
}

interface SsoHarness extends Harness {
  tokens: Awaited<ReturnType<typeof tokenService>>;
  graph: Awaited<ReturnType<typeof graphService>>;
  advance(ms: number): void;
}

const APP_ID = '11111111-2222-3333-4444-555555555555';
const ISSUER = 'https://api.botframework.test';
const OUTBOUND_SCOPE = 'https://api.botframework.com';
const KEY = generateKeyPairSync('rsa', { modulusLength: 2048 });

/**
 * The sign-in resource needs the bot's app id (botframework-connector refuses to build the token
 * exchange state without one), so that test runs authenticated: a loopback OpenID metadata + JWKS
 * server, RS256 tokens signed here, and the bot's outbound AAD token primed in AppCredentials.cache.
 */
async function openIdServer() {
  const jwk = { ...KEY.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256', endorsements: ['msteams'] };
  let base = '';
  const srv = await loopback((_req, url) => {
    if (url.pathname === '/v1/.well-known/openidconfiguration') return { status: 200, body: { issuer: ISSUER, jwks_uri: `${base}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'] } };
    if (url.pathname === '/v1/.well-known/keys') return { status: 200, body: { keys: [jwk] } };
    return { status: 404, body: {} };
  });
  base = srv.url;
  return srv;
}

async function startSso(opts: { sso?: boolean; appId?: boolean } = {}): Promise<SsoHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-sso-'));
  const dbPath = path.join(dir, 'test.db');
  const directory = JSON.parse(fs.readFileSync(path.join(ROOT, 'config', 'directory.json'), 'utf8'));
  directory.groups = { 'grp-secretarias': ['secretary'], 'grp-mesa': ['agent'] };
  fs.writeFileSync(path.join(dir, 'directory.json'), JSON.stringify(directory));
  const connector = await new LoopbackConnector().start();
  for (const u of Object.values(USERS)) {
    connector.members.set(u.id, { id: u.id, name: u.name, aadObjectId: u.oid, email: u.email, userPrincipalName: u.email });
  }
  const tokens = await tokenService();
  const graph = await graphService();
  let now = Date.parse('2026-03-02T15:00:00Z');
  const openId = opts.appId ? await openIdServer() : undefined;
  if (openId) {
    (AppCredentials as unknown as { cache: Map<string, unknown> }).cache.set(`${APP_ID}${OUTBOUND_SCOPE}-cache`, { accessToken: 'outbound-token-for-the-bot', expiresOn: new Date(Date.now() + 3600_000) });
  }
  const authEnv: Record<string, string> = openId
    ? {
        MicrosoftAppId: APP_ID,
        MicrosoftAppPassword: 'not-a-real-secret',
        MicrosoftAppType: 'MultiTenant',
        // The test users' tenant is the app's own: the only one accepted by default (#18).
        MicrosoftAppTenantId: TENANT,
        ToBotFromChannelOpenIdMetadataUrl: `${openId.url}/v1/.well-known/openidconfiguration`,
        ToBotFromChannelTokenIssuer: ISSUER,
        ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
        ToChannelFromBotOAuthScope: OUTBOUND_SCOPE,
      }
    : { BOT_ALLOW_ANONYMOUS: 'true' };
  const cfg = readEnv({
    ...authEnv,
    PORT: '0',
    HOST: '127.0.0.1',
    ...(await databaseEnv(dir)),
    DIRECTORY_PATH: path.join(dir, 'directory.json'),
    LOG_LEVEL: 'silent',
    OUTBOX_POLL_MS: '20',
    PROFILE_TTL_MINUTES: String(TTL_MINUTES),
    OAuthUrl: tokens.url,
    GRAPH_BASE_URL: `${graph.url}/v1.0`,
    ...(opts.sso === false ? {} : { SSO_CONNECTION_NAME: CONNECTION }),
  });
  const mail = new RecordingMail();
  const app: App = createApp(cfg, { log: createLogger('silent'), mail, clock: { now: () => new Date(now) }, dispatcher: { perKeyIntervalMs: 5 } });
  const server = await app.start();
  const post = async (activity: object, headers: Record<string, string> = {}) => {
    const serviceUrl = (activity as { serviceUrl?: string }).serviceUrl;
    const t = Math.floor(Date.now() / 1000);
    const bearer: Record<string, string> = openId
      ? { authorization: `Bearer ${jwt.sign({ aud: APP_ID, iss: ISSUER, serviceurl: serviceUrl, nbf: t - 60, iat: t - 60, exp: t + 3600 }, KEY.privateKey, { algorithm: 'RS256', keyid: 'k1' })}` }
      : {};
    const res = await fetch(`${server.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer, ...headers },
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
    tokens,
    graph,
    advance: (ms) => (now += ms),
    async close() {
      await app.stop();
      await connector.stop();
      await tokens.stop();
      await graph.stop();
      await openId?.stop();
    },
  };
}

function signin(h: Harness, user: TestUser, name: 'signin/tokenExchange' | 'signin/verifyState', value: object) {
  return { ...message(h, user, ''), type: 'invoke', name, value, text: undefined };
}

const oauthCards = (h: Harness) =>
  h.connector.sent.flatMap((r) => (r.body.attachments ?? []).filter((a: any) => a.contentType === 'application/vnd.microsoft.card.oauth'));

/** Sends "nueva solicitud" and returns the text of the categories card it gets. */
async function categoriesSeenBy(h: Harness, user: TestUser): Promise<string> {
  const before = h.connector.sent.length;
  const res = await h.post(message(h, user, 'nueva solicitud'));
  expect(res.status).toBe(200);
  await h.connector.waitFor(() =>
    h.connector.sent.slice(before).some((r) => (r.body.attachments ?? []).some((a: any) => a.contentType === 'application/vnd.microsoft.card.adaptive')),
  );
  const rec = h.connector.sent.slice(before).find((r) => (r.body.attachments ?? []).some((a: any) => a.contentType === 'application/vnd.microsoft.card.adaptive'))!;
  return cardText(rec.body.attachments.find((a: any) => a.contentType === 'application/vnd.microsoft.card.adaptive').content);
}

async function profileOf(h: SsoHarness, user: TestUser) {
  return h.app.services.identity.resolve({ oid: user.oid, tenantId: TENANT, fetchProfile: async () => null });
}

describe('Teams SSO: identity from the token service and Microsoft Graph', () => {
  let h: SsoHarness;
  afterEach(async () => {
    await h.close();
  });

  describe('with SSO_CONNECTION_NAME', () => {
    beforeEach(async () => {
      h = await startSso();
    });

    it('gives area_manager to a user whose Graph job title is "Jefe de Planeación", who then sees the restricted catalog options', async () => {
      const pedro = USERS.stranger;
      h.tokens.tokens.set(pedro.id, 'graph-pedro');
      h.graph.users.set('graph-pedro', {
        me: { displayName: 'Pedro Pérez', mail: 'pedro.perez@entidad.gov.co', jobTitle: 'Jefe de Planeación', department: 'Planeación', officeLocation: 'Piso 3', mobilePhone: '310 555 0000', businessPhones: ['601 555 1234'] },
        groups: [],
      });
      expect(await categoriesSeenBy(h, pedro)).toContain(RESTRICTED);
      const p = await profileOf(h, pedro);
      expect(p).toMatchObject({ name: 'Pedro Pérez', email: 'pedro.perez@entidad.gov.co', jobTitle: 'Jefe de Planeación', department: 'Planeación', phone: '310 555 0000' });
      expect(p.roles).toEqual(['employee', 'area_manager']);
      // The token service was asked with the activity's user id, never with card data.
      const get = h.tokens.calls.find((c) => c.path === '/api/usertoken/GetToken')!;
      expect(get.query.get('userId')).toBe(pedro.id);
      expect(get.query.get('connectionName')).toBe(CONNECTION);
      expect(h.graph.calls.every((c) => c.auth === 'Bearer graph-pedro')).toBe(true);
      expect(oauthCards(h)).toHaveLength(0);
    });

    it('maps Entra group membership to roles through the directory file', async () => {
      const pedro = USERS.stranger;
      h.tokens.tokens.set(pedro.id, 'graph-pedro');
      h.graph.users.set('graph-pedro', { me: { displayName: 'Pedro Pérez', jobTitle: 'Profesional universitario' }, groups: ['grp-otro', 'grp-secretarias'] });
      expect(await categoriesSeenBy(h, pedro)).toContain(RESTRICTED);
      const p = await profileOf(h, pedro);
      expect(p.roles).toEqual(['employee', 'secretary']);
      expect(p.groups).toEqual(['grp-otro', 'grp-secretarias']);
    });

    it('reads the manager from Graph /me/manager into the profile, so an approval by "manager" finds them', async () => {
      const pedro = USERS.stranger;
      h.tokens.tokens.set(pedro.id, 'graph-pedro');
      h.graph.users.set('graph-pedro', {
        me: { displayName: 'Pedro Pérez', department: 'Talento Humano' },
        groups: [],
        manager: { id: USERS.manager.oid, displayName: 'Jorge Jefe de Área (Graph)' },
      });
      await categoriesSeenBy(h, pedro);
      const p = await profileOf(h, pedro);
      expect(p).toMatchObject({ managerOid: USERS.manager.oid, managerName: 'Jorge Jefe de Área (Graph)' });
      const manager = h.graph.calls.find((c) => c.path === '/v1.0/me/manager')!;
      expect(manager.query.get('$select')).toBe('id,displayName');
      expect(manager.auth).toBe('Bearer graph-pedro');
      // The profile is what the approver rules read: Graph's manager wins over the directory file.
      const directory = FileDirectory.load(path.join(h.dir, 'directory.json'));
      expect(directory.approversFor('manager', p)).toEqual([{ oid: USERS.manager.oid, name: 'Jorge Jefe de Área (Graph)' }]);
    });

    it('still loads the Graph profile when /me/manager answers 404 (nobody set) or fails', async () => {
      const pedro = USERS.stranger;
      h.tokens.tokens.set(pedro.id, 'graph-pedro');
      h.graph.users.set('graph-pedro', { me: { displayName: 'Pedro Pérez', jobTitle: 'Jefe de Planeación' }, groups: [] });
      expect(await categoriesSeenBy(h, pedro)).toContain(RESTRICTED);
      const p = await profileOf(h, pedro);
      expect(p).toMatchObject({ name: 'Pedro Pérez', roles: ['employee', 'area_manager'] });
      expect(p.managerOid).toBeUndefined();
      expect(h.graph.calls.some((c) => c.path === '/v1.0/me/manager')).toBe(true);

      const sara = USERS.secretary;
      h.tokens.tokens.set(sara.id, 'graph-sara');
      h.graph.users.set('graph-sara', { me: { displayName: 'Sara Secretaria', department: 'Planeación' }, groups: [], manager: 'fail' });
      await categoriesSeenBy(h, sara);
      const s = await profileOf(h, sara);
      expect(s).toMatchObject({ name: 'Sara Secretaria', department: 'Planeación' });
      expect(s.managerOid).toBeUndefined();
    });

    it('exchanges the SSO token once per exchange id, refreshes the profile at once, and answers a repeat with 200', async () => {
      const pedro = USERS.stranger;
      await categoriesSeenBy(h, pedro); // cached as a plain employee, sign-in card sent
      h.tokens.exchangeable.set('sso-pedro', 'graph-pedro');
      h.graph.users.set('graph-pedro', { me: { displayName: 'Pedro Pérez', jobTitle: 'Jefe de Planeación' }, groups: [] });

      const first = await h.post(signin(h, pedro, 'signin/tokenExchange', { id: 'exch-1', connectionName: CONNECTION, token: 'sso-pedro' }));
      expect(first.status).toBe(200);
      expect(h.tokens.count('/api/usertoken/exchange')).toBe(1);
      const exch = h.tokens.calls.find((c) => c.path === '/api/usertoken/exchange')!;
      expect(exch.query.get('userId')).toBe(pedro.id);
      expect(JSON.parse(exch.body)).toMatchObject({ token: 'sso-pedro' });

      const again = await h.post(signin(h, pedro, 'signin/tokenExchange', { id: 'exch-1', connectionName: CONNECTION, token: 'sso-pedro' }));
      expect(again.status).toBe(200);
      expect(h.tokens.count('/api/usertoken/exchange')).toBe(1);

      // No waiting for the profile TTL: the new role applies on the next message.
      expect(await categoriesSeenBy(h, pedro)).toContain(RESTRICTED);
    });

    it('answers 412 when the token cannot be exchanged, so Teams falls back to the sign-in card', async () => {
      const res = await h.post(signin(h, USERS.stranger, 'signin/tokenExchange', { id: 'exch-2', connectionName: CONNECTION, token: 'needs-consent' }));
      expect(res.status).toBe(412);
      expect(res.body).toMatchObject({ id: 'exch-2', connectionName: CONNECTION });
      // A failed exchange is not remembered as processed: a later one with the same id is tried.
      h.tokens.exchangeable.set('needs-consent', 'graph-x');
      h.graph.users.set('graph-x', { me: { displayName: 'X' }, groups: [] });
      const retry = await h.post(signin(h, USERS.stranger, 'signin/tokenExchange', { id: 'exch-2', connectionName: CONNECTION, token: 'needs-consent' }));
      expect(retry.status).toBe(200);
      expect(h.tokens.count('/api/usertoken/exchange')).toBe(2);
    });

    it('completes the fallback sign-in with signin/verifyState (200) and rejects an unknown code (404)', async () => {
      const pedro = USERS.stranger;
      h.tokens.codes.set('482913', 'graph-pedro');
      h.graph.users.set('graph-pedro', { me: { displayName: 'Pedro Pérez', jobTitle: 'Secretario general' }, groups: [] });
      expect((await h.post(signin(h, pedro, 'signin/verifyState', { state: '000000' }))).status).toBe(404);
      expect((await h.post(signin(h, pedro, 'signin/verifyState', { state: '482913' }))).status).toBe(200);
      expect((await profileOf(h, pedro)).roles).toEqual(['employee', 'secretary']);
    });

    it('ignores a crafted card value that claims a role, a job title or another user', async () => {
      const pedro = USERS.stranger;
      h.tokens.tokens.set(pedro.id, 'graph-pedro');
      h.graph.users.set('graph-pedro', { me: { displayName: 'Pedro Pérez', jobTitle: 'Analista' }, groups: [] });
      const claims = { roles: ['area_manager', 'supervisor'], role: 'area_manager', jobTitle: 'Jefe de Planeación', aadObjectId: USERS.manager.oid, oid: USERS.manager.oid, groups: ['grp-secretarias'] };
      const categories = invokeCard(await h.post(cardAction(h, pedro, 'catalog.categories', claims)));
      expect(cardText(categories)).not.toContain(RESTRICTED);
      const form = invokeCard(await h.post(cardAction(h, pedro, 'catalog.form', { ...claims, templateId: 'solicitud-equipos-area' })));
      expect(cardText(form)).not.toContain('Describa');
      expect((await profileOf(h, pedro)).roles).toEqual(['employee']);
      // The Graph call used Pedro's token only.
      expect(h.graph.calls.every((c) => c.auth === 'Bearer graph-pedro')).toBe(true);
    });

    it('shows a role change in Graph only after the cached profile expires', async () => {
      const pedro = USERS.stranger;
      h.tokens.tokens.set(pedro.id, 'graph-pedro');
      const me = { displayName: 'Pedro Pérez', jobTitle: 'Analista' };
      h.graph.users.set('graph-pedro', { me, groups: [] });
      expect(await categoriesSeenBy(h, pedro)).not.toContain(RESTRICTED);
      me.jobTitle = 'Jefe de Planeación';
      h.advance(TTL_MINUTES * 60_000 - 60_000);
      expect(await categoriesSeenBy(h, pedro)).not.toContain(RESTRICTED);
      h.advance(2 * 60_000);
      expect(await categoriesSeenBy(h, pedro)).toContain(RESTRICTED);
      expect((await profileOf(h, pedro)).jobTitle).toBe('Jefe de Planeación');
    });
  });

  describe('with SSO and the bot\'s app id (authenticated requests)', () => {
    beforeEach(async () => {
      h = await startSso({ appId: true });
    });

    it('sends the sign-in card once when there is no token yet, and still answers the request', async () => {
      const pedro = USERS.stranger;
      const text = await categoriesSeenBy(h, pedro);
      expect(text).not.toContain(RESTRICTED);
      const cards = oauthCards(h);
      expect(cards).toHaveLength(1);
      expect(cards[0].content.connectionName).toBe(CONNECTION);
      expect(cards[0].content.tokenExchangeResource).toMatchObject({ id: 'ter-1', uri: 'api://botid-app/access_as_user' });
      expect(cards[0].content.buttons[0].value).toBe('https://token.example/sign-in?state=abc');
      await categoriesSeenBy(h, pedro);
      // Even when the cached profile expires, the card is not repeated within the interval…
      h.advance(TTL_MINUTES * 60_000 - 1000);
      await categoriesSeenBy(h, pedro);
      expect(oauthCards(h)).toHaveLength(1);
      expect(h.tokens.count('/api/botsignin/GetSignInResource')).toBe(1);
      expect(await profileOf(h, pedro)).toMatchObject({ name: 'Pedro Otro', roles: ['employee'] });
    });

    it('asks the token service with the bot\'s own credentials', async () => {
      h.tokens.tokens.set(USERS.stranger.id, 'graph-pedro');
      h.graph.users.set('graph-pedro', { me: { displayName: 'Pedro Pérez', jobTitle: 'Jefe de Planeación' }, groups: [] });
      expect(await categoriesSeenBy(h, USERS.stranger)).toContain(RESTRICTED);
      expect(h.tokens.calls.length).toBeGreaterThan(0);
      expect(h.tokens.calls.every((c) => c.auth === 'Bearer outbound-token-for-the-bot')).toBe(true);
    });
  });

  describe('without SSO', () => {
    beforeEach(async () => {
      h = await startSso({ sso: false });
    });

    it('works from the roster and the directory and never calls the token service or Graph', async () => {
      expect(await categoriesSeenBy(h, USERS.manager)).toContain(RESTRICTED);
      expect(await categoriesSeenBy(h, USERS.stranger)).not.toContain(RESTRICTED);
      const res = await h.post(signin(h, USERS.stranger, 'signin/tokenExchange', { id: 'x', token: 't' }));
      expect(res.status).toBe(404);
      expect(h.tokens.calls).toHaveLength(0);
      expect(h.graph.calls).toHaveLength(0);
      expect(oauthCards(h)).toHaveLength(0);
    });
  });
});


