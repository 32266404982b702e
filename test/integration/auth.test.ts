/**
 * Authentication of POST /api/messages with botbuilder's own JWT validation, end to end and offline:
 * a loopback OpenID metadata + JWKS server stands in for login.botframework.com, and the test signs
 * RS256 tokens the way the Bot Connector does. The endpoint keys reach ConfigurationBotFrameworkAuthentication
 * through config.ts (`botFrameworkEndpoints`); setting any of them switches botbuilder to its
 * "parameterized" mode, where the channel token issuer and OpenID URL are exactly the ones given.
 *
 * Outbound replies need an AAD token for the bot. MSAL always asks https://login.microsoftonline.com
 * (instance discovery) first, which cannot work offline, so the test primes botframework-connector's
 * own token cache (AppCredentials.cache) with a token for the bot — the one network call replaced.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AppCredentials } from 'botframework-connector';
import { message, startHarness, TENANT, USERS, type Harness } from '../helpers/harness';
import { sql, sqlValue } from '../helpers/engine';
import { createLogger } from '../../src/logger';

const APP_ID = '11111111-2222-3333-4444-555555555555';
const ISSUER = 'https://api.botframework.test';
const OUTBOUND_SCOPE = 'https://api.botframework.com';
const KID = 'test-key-1';

interface Jwks {
  server: http.Server;
  metadataUrl: string;
  requests: number;
}

/** Loopback OpenID metadata + JWKS, serving one RS256 public key endorsed for msteams. */
async function startOpenIdServer(publicKey: KeyObject): Promise<Jwks> {
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: KID, use: 'sig', alg: 'RS256', endorsements: ['msteams'] };
  const state: Jwks = { server: http.createServer(), metadataUrl: '', requests: 0 };
  state.server.on('request', (req, res) => {
    state.requests++;
    const base = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
    res.setHeader('content-type', 'application/json');
    if (req.url === '/v1/.well-known/openidconfiguration') {
      res.end(JSON.stringify({ issuer: ISSUER, jwks_uri: `${base}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (req.url === '/v1/.well-known/keys') {
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => state.server.listen(0, '127.0.0.1', () => r()));
  state.metadataUrl = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/v1/.well-known/openidconfiguration`;
  return state;
}

const trusted = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

function sign(claims: Record<string, unknown>, opts: { key?: KeyObject; kid?: string } = {}): string {
  return jwt.sign(claims, opts.key ?? trusted.privateKey, { algorithm: 'RS256', keyid: opts.kid ?? KID });
}

/** The claims the Bot Connector puts in a token for this bot and this activity. */
function claimsFor(activity: { serviceUrl: string }, over: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { aud: APP_ID, iss: ISSUER, serviceurl: activity.serviceUrl, nbf: now - 60, iat: now - 60, exp: now + 3600, ...over };
}

/** `activity` as if it came from `tenantId` (channelData and conversation both say so). */
function fromTenant<T extends { channelData: object; conversation: object }>(activity: T, tenantId: string): T {
  return { ...activity, channelData: { ...activity.channelData, tenant: { id: tenantId } }, conversation: { ...activity.conversation, tenantId } };
}

/** Row counts of every table but schema_migrations: "nothing was written" means these do not change. */
async function tableCounts(h: Harness): Promise<Record<string, number>> {
  const list =
    h.app.storage.engine === 'sqlite'
      ? `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'`
      : `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`;
  const tables = await sql<{ name: string }>(h.app.storage, list);
  expect(tables.length).toBeGreaterThan(5);
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t.name] = await sqlValue<number>(h.app.storage, `SELECT count(*) AS n FROM "${t.name}"`);
  return counts;
}

describe('authentication of /api/messages with Bot Framework tokens', () => {
  let openId: Jwks;
  let h: Harness;
  let outboundAuth: (string | undefined)[];

  beforeAll(async () => {
    openId = await startOpenIdServer(trusted.publicKey);
    // botbuilder console.error()s rejected tokens; keep the test output readable.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await new Promise<void>((r) => openId.server.close(() => r()));
  });

  beforeEach(async () => {
    // botframework-connector's process-wide token cache (private in its typings), keyed appId + scope.
    const tokenCache = (AppCredentials as unknown as { cache: Map<string, { accessToken: string; expiresOn: Date }> }).cache;
    tokenCache.set(`${APP_ID}${OUTBOUND_SCOPE}-cache`, {
      accessToken: 'outbound-token-for-the-bot',
      expiresOn: new Date(Date.now() + 3600_000),
    });
    h = await startHarness(authEnv());
    outboundAuth = [];
    // Observe the Authorization header of every call the bot makes to the loopback connector.
    (h.connector as unknown as { server: http.Server }).server.prependListener('request', (req: http.IncomingMessage) => {
      outboundAuth.push(req.headers.authorization);
    });
  });
  afterEach(async () => {
    await h.close();
  });

  /** The bot's registration, in the app's own tenant (the test users' TENANT), no ALLOWED_TENANT_IDS. */
  function authEnv(): Record<string, string> {
    return {
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'not-a-real-secret',
      MicrosoftAppType: 'MultiTenant',
      MicrosoftAppTenantId: TENANT,
      ToBotFromChannelOpenIdMetadataUrl: openId.metadataUrl,
      ToBotFromChannelTokenIssuer: ISSUER,
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
      ToChannelFromBotOAuthScope: OUTBOUND_SCOPE,
    };
  }

  /** Posts `activity` with `header` and asserts a 401 with no trace of the bot having run. */
  async function expectRejected(activity: object, header?: string) {
    const before = await tableCounts(h);
    const res = await h.post(activity, header === undefined ? {} : { authorization: header });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthorized' });
    expect(h.connector.sent).toHaveLength(0);
    expect(outboundAuth).toHaveLength(0);
    expect(await tableCounts(h)).toEqual(before);
    expect(await h.app.tickets.listByRequester(USERS.employee.oid, { limit: 10 })).toEqual({ items: [], total: 0 });
  }

  it('accepts a token signed by the published key and the bot answers on the connector with its own token', async () => {
    const activity = message(h, USERS.employee, 'ayuda');
    const res = await h.post(activity, { authorization: `Bearer ${sign(claimsFor(activity))}` });
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
    expect(h.connector.sent.length).toBeGreaterThanOrEqual(1);
    expect(h.connector.sent[0].conversationId).toBe(activity.conversation.id);
    expect(outboundAuth.length).toBeGreaterThanOrEqual(1);
    expect(outboundAuth.every((a) => a === 'Bearer outbound-token-for-the-bot')).toBe(true);
    // The keys really came from the loopback OpenID server (metadata + JWKS).
    expect(openId.requests).toBeGreaterThanOrEqual(2);
  });

  it('answers 401 to a request without a token', async () => {
    await expectRejected(message(h, USERS.employee, 'ayuda'));
  });

  it('answers 401 to a header that is not a bearer token', async () => {
    const activity = message(h, USERS.employee, 'ayuda');
    await expectRejected(activity, `Basic ${Buffer.from('a:b').toString('base64')}`);
    await expectRejected(activity, 'Bearer not.a.jwt');
  });

  it('answers 401 to a token for another bot (wrong audience)', async () => {
    const activity = message(h, USERS.employee, 'ayuda');
    await expectRejected(activity, `Bearer ${sign(claimsFor(activity, { aud: 'some-other-bot' }))}`);
  });

  it('answers 401 to a token from another issuer', async () => {
    const activity = message(h, USERS.employee, 'ayuda');
    await expectRejected(activity, `Bearer ${sign(claimsFor(activity, { iss: 'https://evil.example' }))}`);
  });

  it('answers 401 to an expired token', async () => {
    const activity = message(h, USERS.employee, 'ayuda');
    const now = Math.floor(Date.now() / 1000);
    // Beyond botbuilder's five minutes of clock tolerance.
    await expectRejected(activity, `Bearer ${sign(claimsFor(activity, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 }))}`);
  });

  it('answers 401 to a token signed with a key id the JWKS does not publish', async () => {
    const activity = message(h, USERS.employee, 'ayuda');
    await expectRejected(activity, `Bearer ${sign(claimsFor(activity), { kid: 'unknown-kid' })}`);
    await expectRejected(activity, `Bearer ${sign(claimsFor(activity), { key: stranger.privateKey, kid: 'unknown-kid' })}`);
  });

  it('answers 401, not 500, to a token whose signature does not match the published key', async () => {
    const activity = message(h, USERS.employee, 'ayuda');
    // Same kid, another private key: botbuilder itself throws a plain JsonWebTokenError here.
    await expectRejected(activity, `Bearer ${sign(claimsFor(activity), { key: stranger.privateKey })}`);
    // A valid token whose payload was edited afterwards.
    const [head, , sig] = sign(claimsFor(activity)).split('.');
    const forged = Buffer.from(JSON.stringify(claimsFor(activity, { aud: APP_ID, extra: 'x' }))).toString('base64url');
    await expectRejected(activity, `Bearer ${head}.${forged}.${sig}`);
  });

  it('answers 401 when the token was issued for another serviceUrl', async () => {
    const activity = message(h, USERS.employee, 'ayuda');
    await expectRejected(activity, `Bearer ${sign(claimsFor(activity, { serviceurl: 'https://smba.trafficmanager.net/evil/' }))}`);
  });

  it('answers 401 when the activity claims another serviceUrl than its token', async () => {
    const activity = message(h, USERS.employee, 'ayuda');
    const token = sign(claimsFor(activity));
    await expectRejected({ ...activity, serviceUrl: 'http://127.0.0.1:1/' }, `Bearer ${token}`);
  });

  describe('tenants (#18): the app\'s own tenant by default', () => {
    const OTHER_TENANT = 'tenant-of-someone-else';

    it('serves an activity from MicrosoftAppTenantId and answers 403, changing nothing, to one from another tenant', async () => {
      // A valid token: the Bot Connector authenticates the channel, not the tenant.
      const stranger = fromTenant(message(h, USERS.employee, 'ayuda'), OTHER_TENANT);
      const before = await tableCounts(h);
      const refused = await h.post(stranger, { authorization: `Bearer ${sign(claimsFor(stranger))}` });
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ error: 'tenant not allowed' });
      expect(h.connector.sent).toHaveLength(0);
      expect(outboundAuth).toHaveLength(0);
      expect(await tableCounts(h)).toEqual(before);
      expect(await sqlValue<number>(h.app.storage, 'SELECT count(*) AS n FROM aux.inbound_activities WHERE activity_id = ?', stranger.id)).toBe(0);

      const own = fromTenant(message(h, USERS.employee, 'ayuda'), TENANT);
      const served = await h.post(own, { authorization: `Bearer ${sign(claimsFor(own))}` });
      expect(served.status).toBeGreaterThanOrEqual(200);
      expect(served.status).toBeLessThan(300);
      expect(h.connector.sent.length).toBeGreaterThanOrEqual(1);
      expect(h.connector.sent[0].conversationId).toBe(own.conversation.id);
    });

    it('serves every tenant with ALLOWED_TENANT_IDS=*, and says so loudly at start-up', async () => {
      const lines: Record<string, any>[] = [];
      const log = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s)) });
      const any = await startHarness({ ...authEnv(), ALLOWED_TENANT_IDS: '*' }, { log });
      try {
        const warning = lines.filter((l) => l.level === 40 && String(l.msg).includes('ALLOWED_TENANT_IDS=*'));
        expect(warning).toHaveLength(1);
        expect(warning[0].msg).toContain('EVERY Entra tenant');
        for (const tenant of [TENANT, OTHER_TENANT]) {
          const activity = fromTenant(message(any, USERS.employee, 'ayuda'), tenant);
          const sentBefore = any.connector.sent.length;
          const res = await any.post(activity, { authorization: `Bearer ${sign(claimsFor(activity))}` });
          expect({ tenant, status: res.status }).toEqual({ tenant, status: 200 });
          expect(any.connector.sent.length).toBeGreaterThan(sentBefore);
        }
      } finally {
        await any.close();
      }
    });

    it('does not log the every-tenant warning when only the app\'s tenant is accepted', async () => {
      const lines: Record<string, any>[] = [];
      const log = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s)) });
      const own = await startHarness(authEnv(), { log });
      try {
        expect(lines.filter((l) => String(l.msg).includes('ALLOWED_TENANT_IDS=*'))).toEqual([]);
      } finally {
        await own.close();
      }
    });
  });
});
