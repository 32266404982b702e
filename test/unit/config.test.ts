/**
 * readEnv(env): the only reader of the environment. Pure, so every case is a plain object in and a
 * Config (or a ConfigError that says how to fix it) out.
 */
import path from 'node:path';
import { ConfigError, readEnv } from '../../src/config';
import { ROOT } from '../../src/paths';

const APP = { MicrosoftAppId: 'app-id', MicrosoftAppPassword: 'secret' };
/** An app id needs its tenant (or ALLOWED_TENANT_IDS) since #18. */
const APP_IN_TENANT = { ...APP, MicrosoftAppTenantId: 'tenant-app' };
const ANON = { BOT_ALLOW_ANONYMOUS: 'true' };

/** The ConfigError readEnv throws for `env` (fails the test if it does not throw one). */
function problemsOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    readEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`readEnv accepted ${JSON.stringify(env)}`);
}

describe('readEnv', () => {
  it('refuses to start without MicrosoftAppId and says how to fix it', () => {
    const err = problemsOf({});
    expect(err.problems).toHaveLength(1);
    expect(err.message).toContain('MicrosoftAppId is not set');
    expect(err.message).toContain('MicrosoftAppPassword');
    expect(err.message).toContain('BOT_ALLOW_ANONYMOUS=true');
    expect(err.message).toContain('.env.example');
  });

  it.each(['false', '0', 'no', ''])('still refuses when BOT_ALLOW_ANONYMOUS is "%s"', (value) => {
    expect(problemsOf({ BOT_ALLOW_ANONYMOUS: value }).message).toContain('MicrosoftAppId is not set');
  });

  it('rejects a BOT_ALLOW_ANONYMOUS value it does not understand instead of guessing', () => {
    expect(problemsOf({ BOT_ALLOW_ANONYMOUS: 'maybe' }).message).toContain('BOT_ALLOW_ANONYMOUS');
  });

  it('starts anonymously only with BOT_ALLOW_ANONYMOUS=true', () => {
    const cfg = readEnv(ANON);
    expect(cfg.auth.anonymous).toBe(true);
    expect(cfg.auth.appId).toBeUndefined();
  });

  it('authenticates whenever an app id is set, even if BOT_ALLOW_ANONYMOUS=true is left over', () => {
    const cfg = readEnv({ ...APP_IN_TENANT, ...ANON });
    expect(cfg.auth).toMatchObject({ appId: 'app-id', appPassword: 'secret', anonymous: false });
  });

  it('asks for the password of an app id, and for the tenant of a single-tenant app', () => {
    expect(problemsOf({ MicrosoftAppId: 'app-id' }).message).toContain('MicrosoftAppPassword is not set');
    expect(problemsOf({ ...APP, MicrosoftAppType: 'SingleTenant' }).message).toContain('MicrosoftAppType=SingleTenant needs MicrosoftAppTenantId');
    expect(readEnv({ ...APP, MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: 't-1' }).auth).toMatchObject({ appType: 'SingleTenant', tenantId: 't-1' });
    expect(readEnv({ MicrosoftAppId: 'app-id', MicrosoftAppTenantId: 't-1', MicrosoftAppType: 'UserAssignedMSI' }).auth.appType).toBe('UserAssignedMSI');
  });

  it.each(['abc', '70000', '-1', '3.5', '1e3x'])('rejects PORT=%s with the range it accepts', (port) => {
    expect(problemsOf({ ...ANON, PORT: port }).problems).toEqual(['PORT: must be an integer between 0 and 65535']);
  });

  it('accepts PORT=0 (an ephemeral port) and trims blanks to the default', () => {
    expect(readEnv({ ...ANON, PORT: '0' }).port).toBe(0);
    expect(readEnv({ ...ANON, PORT: '  ' }).port).toBe(3978);
  });

  it.each(['M', 'M1', 'MESA-AYUDA', 'DEMASIADOLARGO'])('rejects RADICADO_PREFIX=%s with an example of a good one', (prefix) => {
    expect(problemsOf({ ...ANON, RADICADO_PREFIX: prefix }).problems).toEqual(['RADICADO_PREFIX: must be 2 to 8 letters, e.g. MDA']);
  });

  it('upper-cases and trims RADICADO_PREFIX', () => {
    expect(readEnv({ ...ANON, RADICADO_PREFIX: ' tic ' }).radicadoPrefix).toBe('TIC');
  });

  it('lists every problem at once', () => {
    const err = problemsOf({ ...ANON, PORT: 'x', MAX_BODY_BYTES: '10', LOG_LEVEL: 'loud' });
    expect(err.problems.map((p) => p.split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'MAX_BODY_BYTES', 'PORT']);
  });

  it('fills in the documented defaults', () => {
    const cfg = readEnv(ANON);
    expect(cfg).toMatchObject({
      port: 3978,
      host: undefined,
      dbPath: path.join(ROOT, 'data', 'mesa-ayuda.db'),
      tenants: { mode: 'any', reason: 'anonymous' },
      radicadoPrefix: 'MDA',
      catalogPath: path.join(ROOT, 'config', 'catalog.json'),
      directoryPath: path.join(ROOT, 'config', 'directory.json'),
      ssoConnectionName: undefined,
      profileTtlMs: 60 * 60_000,
      maxBodyBytes: 256 * 1024,
      logLevel: 'info',
      mail: { transport: 'none' },
      outboxPollMs: 500,
      autoCloseDays: 5,
      limits: { ticketsPerHour: 20, lookupsPerMinute: 30 },
    });
    expect(cfg.auth.botFrameworkEndpoints).toEqual({});
  });

  it('splits ALLOWED_TENANT_IDS on commas, ignoring blanks', () => {
    expect(readEnv({ ...ANON, ALLOWED_TENANT_IDS: ' tenant-1, ,tenant-2,' }).tenants).toEqual({ mode: 'list', ids: ['tenant-1', 'tenant-2'] });
  });

  describe('tenants (#18: the app\'s own tenant by default)', () => {
    it('accepts only MicrosoftAppTenantId when an app id is set and ALLOWED_TENANT_IDS is not', () => {
      expect(readEnv({ ...APP, MicrosoftAppTenantId: 'tenant-app' }).tenants).toEqual({ mode: 'list', ids: ['tenant-app'] });
      expect(readEnv({ ...APP, MicrosoftAppTenantId: 'tenant-app', ALLOWED_TENANT_IDS: ' , ' }).tenants).toEqual({ mode: 'list', ids: ['tenant-app'] });
    });

    it('refuses an app id with neither MicrosoftAppTenantId nor ALLOWED_TENANT_IDS, naming the three ways out', () => {
      const err = problemsOf(APP);
      expect(err.problems).toHaveLength(1);
      expect(err.message).toContain('set MicrosoftAppTenantId to your Entra tenant id');
      expect(err.message).toContain('ALLOWED_TENANT_IDS to a comma-separated list of tenant ids');
      expect(err.message).toContain('ALLOWED_TENANT_IDS=* to accept every tenant');
      // Also for a managed identity (no password).
      expect(problemsOf({ MicrosoftAppId: 'app-id', MicrosoftAppType: 'UserAssignedMSI' }).message).toContain('MicrosoftAppTenantId is not set');
    });

    it('takes ALLOWED_TENANT_IDS as the whole list when set, without adding the app\'s tenant', () => {
      expect(readEnv({ ...APP, ALLOWED_TENANT_IDS: 'tenant-1,tenant-2' }).tenants).toEqual({ mode: 'list', ids: ['tenant-1', 'tenant-2'] });
      expect(readEnv({ ...APP_IN_TENANT, ALLOWED_TENANT_IDS: 'tenant-1' }).tenants).toEqual({ mode: 'list', ids: ['tenant-1'] });
      expect(readEnv({ ...APP, ALLOWED_TENANT_IDS: 'tenant-1, tenant-1' }).tenants).toEqual({ mode: 'list', ids: ['tenant-1'] });
    });

    it('accepts every tenant with ALLOWED_TENANT_IDS=*, explicitly', () => {
      expect(readEnv({ ...APP, ALLOWED_TENANT_IDS: '*' }).tenants).toEqual({ mode: 'any', reason: 'wildcard' });
      expect(readEnv({ ...APP_IN_TENANT, ALLOWED_TENANT_IDS: ' * ' }).tenants).toEqual({ mode: 'any', reason: 'wildcard' });
      expect(readEnv({ ...ANON, ALLOWED_TENANT_IDS: '*' }).tenants).toEqual({ mode: 'any', reason: 'wildcard' });
    });

    it('refuses "*" mixed with tenant ids, and "*" inside an id, saying what to write instead', () => {
      const mixed = problemsOf({ ...APP_IN_TENANT, ALLOWED_TENANT_IDS: 'tenant-1,*' });
      expect(mixed.problems).toHaveLength(1);
      expect(mixed.message).toContain('ALLOWED_TENANT_IDS mixes "*" with tenant ids (tenant-1)');
      expect(mixed.message).toContain('"*" alone to accept every tenant');
      expect(problemsOf({ ...ANON, ALLOWED_TENANT_IDS: '*,tenant-1' }).message).toContain('mixes "*"');
      expect(problemsOf({ ...APP_IN_TENANT, ALLOWED_TENANT_IDS: 'tenant-*' }).message).toContain('ALLOWED_TENANT_IDS: tenant-* are not tenant ids');
    });

    it('accepts any tenant in anonymous local use, as before', () => {
      expect(readEnv(ANON).tenants).toEqual({ mode: 'any', reason: 'anonymous' });
      // MicrosoftAppTenantId alone (no app id) does not turn authentication on, nor the tenant check.
      expect(readEnv({ ...ANON, MicrosoftAppTenantId: 'tenant-app' }).tenants).toEqual({ mode: 'any', reason: 'anonymous' });
    });

    it('lets the CLIs that serve no Teams traffic start with an app id and no tenant, admitting nobody', () => {
      expect(readEnv(APP, { requireBotCredentials: false }).tenants).toEqual({ mode: 'list', ids: [] });
      // A contradictory ALLOWED_TENANT_IDS is still refused.
      expect(() => readEnv({ ...APP, ALLOWED_TENANT_IDS: '*,tenant-1' }, { requireBotCredentials: false })).toThrow(ConfigError);
    });
  });

  it("passes botbuilder's endpoint keys through untouched, and only those that are set", () => {
    const endpoints = {
      ToBotFromChannelOpenIdMetadataUrl: 'http://127.0.0.1:1/v1/.well-known/openidconfiguration',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.test',
      ToBotFromEmulatorOpenIdMetadataUrl: 'http://127.0.0.1:1/emulator',
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us',
      ToChannelFromBotOAuthScope: 'https://api.botframework.us',
      OAuthUrl: 'https://tokengcch.botframework.azure.us',
      CallerId: 'urn:botframework:azureusgov',
      ValidateAuthority: 'false',
    };
    expect(readEnv({ ...APP_IN_TENANT, ...endpoints }).auth.botFrameworkEndpoints).toEqual(endpoints);
    const some = readEnv({ ...APP_IN_TENANT, ToBotFromChannelTokenIssuer: 'https://api.botframework.test', OAuthUrl: '  ', ChannelService: 'x', PATH: '/bin' });
    expect(some.auth.botFrameworkEndpoints).toEqual({ ToBotFromChannelTokenIssuer: 'https://api.botframework.test' });
  });

  it('needs SMTP_URL and MAIL_FROM for MAIL_TRANSPORT=smtp', () => {
    expect(problemsOf({ ...ANON, MAIL_TRANSPORT: 'smtp' }).message).toContain('SMTP_URL');
    expect(readEnv({ ...ANON, MAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://h:587', MAIL_FROM: 'mesa@entidad.gov.co' }).mail).toMatchObject({
      transport: 'smtp',
      smtpUrl: 'smtp://h:587',
      from: 'mesa@entidad.gov.co',
    });
  });

  it("lets MAIL_TRANSPORT=graph borrow the bot's app credentials", () => {
    expect(problemsOf({ ...APP, MAIL_TRANSPORT: 'graph', MAIL_FROM: 'mesa@entidad.gov.co' }).message).toContain('MAIL_TRANSPORT=graph');
    const cfg = readEnv({ ...APP, MicrosoftAppTenantId: 't-1', MAIL_TRANSPORT: 'graph', MAIL_FROM: 'mesa@entidad.gov.co' });
    expect(cfg.mail.graph).toEqual({ tenantId: 't-1', clientId: 'app-id', clientSecret: 'secret', baseUrl: undefined });
  });

  it('does not read process.env when given an environment', () => {
    const saved = process.env.PORT;
    process.env.PORT = 'not-a-port';
    try {
      expect(readEnv(ANON).port).toBe(3978);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  it('reads the SLA, survey and export settings with their defaults', () => {
    const cfg = readEnv(ANON);
    expect(cfg.sla.officeHours).toEqual({ spec: 'Mon-Fri 07:00-17:00', workdays: [1, 2, 3, 4, 5], startMinute: 420, endMinute: 1020 });
    expect(cfg.sla.warningPercent).toBe(80);
    expect(cfg.sla.checkIntervalMs).toBe(60_000);
    expect(cfg.sla.policyPath).toBe(path.join(ROOT, 'config', 'sla.json'));
    // The default holidays file may be absent; one named in HOLIDAYS_PATH must exist.
    expect(cfg.sla.holidays).toEqual({ path: path.join(ROOT, 'config', 'holidays.json'), required: false });
    expect(readEnv({ ...ANON, HOLIDAYS_PATH: '/srv/holidays.json' }).sla.holidays).toEqual({ path: '/srv/holidays.json', required: true });
    expect(cfg.survey).toEqual({ changeWindowMs: 30 * 60_000, lowScore: 2 });
    expect(cfg.exportDir).toBe(path.join(ROOT, 'data', 'exports'));
    const custom = readEnv({ ...ANON, SLA_OFFICE_HOURS: 'lun-sáb 08:00-12:00', SLA_WARNING_PERCENT: '75', EXPORT_DIR: '/srv/exports' });
    expect(custom.sla.officeHours.workdays).toEqual([1, 2, 3, 4, 5, 6]);
    expect(custom.sla.warningPercent).toBe(75);
    expect(custom.exportDir).toBe('/srv/exports');
  });

  it('refuses office hours it cannot read and a warning percentage out of range, saying what is expected', () => {
    const err = problemsOf({ ...ANON, SLA_OFFICE_HOURS: 'weekdays 9-5', SLA_WARNING_PERCENT: '120' });
    expect(err.message).toContain('SLA_OFFICE_HOURS');
    expect(err.message).toContain('mon-fri 07:00-17:00');
    expect(err.message).toContain('SLA_WARNING_PERCENT');
  });

  it('lets the export CLI start without bot credentials', () => {
    expect(readEnv({}, { requireBotCredentials: false }).dbPath).toBe(path.join(ROOT, 'data', 'mesa-ayuda.db'));
  });
});
