/**
 * The only reader of process.env. `readEnv(env)` is pure: it turns an environment into a typed,
 * validated configuration or throws a ConfigError that says how to fix every problem at once.
 */
import path from 'node:path';
import { envSchema as schema } from './config-schema';
import { ROOT } from './paths';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}\nSee .env.example for every setting.`);
  }
}

export type MailTransportKind = 'none' | 'smtp' | 'graph';

/**
 * Which Entra tenants may reach POST /api/messages. `list`: only these (an activity from any
 * other tenant, or with none, answers 403). `any`: every tenant, either because the bot runs
 * anonymously for local use (no app id) or because ALLOWED_TENANT_IDS=* says so explicitly.
 */
export type TenantPolicy = { mode: 'list'; ids: string[] } | { mode: 'any'; reason: 'anonymous' | 'wildcard' };

export interface Config {
  port: number;
  host?: string;
  dbPath: string;
  /** PostgreSQL connection URL (DATABASE_URL); when set, every repository uses PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  /** Connections in this instance's PostgreSQL pool (DATABASE_POOL_SIZE). */
  databasePoolSize: number;
  auth: {
    appId?: string;
    appPassword?: string;
    tenantId?: string;
    appType?: string;
    anonymous: boolean;
    /** Passed verbatim to ConfigurationBotFrameworkAuthentication. */
    botFrameworkEndpoints: Record<string, string>;
  };
  /** ALLOWED_TENANT_IDS, else the app's own tenant (MicrosoftAppTenantId) when an app id is set. */
  tenants: TenantPolicy;
  radicadoPrefix: string;
  catalogPath: string;
  directoryPath: string;
  /** KNOWLEDGE_DIR: the knowledge base's Markdown articles; `required` when set (a missing folder is an error). */
  knowledge: { dir: string; required: boolean };
  ssoConnectionName?: string;
  /** Microsoft Graph base URL (GRAPH_BASE_URL) for SSO profile reads and Graph mail. */
  graphBaseUrl: string;
  profileTtlMs: number;
  maxBodyBytes: number;
  supportContact?: string;
  privacyPolicyUrl?: string;
  logLevel: string;
  mail: {
    transport: MailTransportKind;
    smtpUrl?: string;
    from?: string;
    graph?: { tenantId: string; clientId: string; clientSecret: string; baseUrl?: string };
  };
  outboxPollMs: number;
  /** OUTBOX_MAX_PER_SECOND: Teams deliveries per second of this instance, under Teams' 50 per app per tenant. */
  outboxMaxPerSecond: number;
  /**
   * A major incident's announcement when it is declared, with "Esto me afecta": to the Teams channel
   * ANNOUNCE_CHANNEL_ID ("Novedades TI"; the bot must know it: added to its team, mentioned there once)
   * and, with ANNOUNCE_TO_ALL, to every person who has talked to the bot.
   */
  announce: { channelId?: string; toAll: boolean };
  autoCloseDays: number;
  limits: { ticketsPerHour: number; lookupsPerMinute: number };
  /** Contact phones of tickets closed longer than this are erased (PHONE_RETENTION_DAYS). */
  phoneRetentionDays: number;
  /** How long a write waits for a lock held by another process before failing (DB_BUSY_TIMEOUT_MS). */
  dbBusyTimeoutMs: number;
  sla: {
    /** SLA targets per priority (and per template), JSON validated at start-up. */
    policyPath: string;
    /**
     * Days added to or removed from the public holidays (HOLIDAYS_PATH, default config/holidays.json),
     * validated at start-up. `required`: HOLIDAYS_PATH was set, so a missing file is an error; the
     * default file may be absent (no changes).
     */
    holidays: { path: string; required: boolean };
    /** Office hours in America/Bogota, e.g. "Mon-Fri 07:00-17:00" (validated at start-up). */
    officeHours: { spec: string; workdays: number[]; startMinute: number; endMinute: number };
    /** Percentage of a target's working time after which the assignee is warned. */
    warningPercent: number;
    checkIntervalMs: number;
  };
  survey: {
    /** How long a satisfaction answer may still be changed; 0 = never. */
    changeWindowMs: number;
    /** Scores at or below this notify the supervisors. */
    lowScore: number;
  };
  /** Directory where CSV and personal-data exports are written (EXPORT_DIR, default ./data/exports). */
  exportDir: string;
  /** Description similarity (Jaccard, 0..1) from which an open ticket is offered as a duplicate. */
  duplicateSimilarity: number;
  /** Files attached to tickets: where they live, how big, which types, download/upload timeout. */
  attachments: { dir: string; maxBytes: number; types: string[]; timeoutMs: number };
  /**
   * The Teams tab (/tab/, /api/tab/*): the audience its SSO tokens must carry
   * (api://BOT_DOMAIN/botid-MicrosoftAppId, or TAB_SSO_AUDIENCE), where the identity provider's
   * metadata is (Entra's by default; a stand-in for local use and tests), the Teams app id for
   * deep links, and whether the mock users may sign in (TAB_DEV_SIGNIN, anonymous local use only).
   */
  tab: { audience?: string; metadataUrl: string; teamsAppId?: string; devSignIn: boolean };
}

export const DEFAULT_TAB_METADATA_URL = 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration';

export const DEFAULT_ATTACHMENT_TYPES = ['png', 'jpg', 'jpeg', 'gif', 'pdf', 'txt', 'log', 'docx', 'xlsx'];

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';

const ENDPOINT_KEYS = [
  'ToBotFromChannelOpenIdMetadataUrl',
  'ToBotFromChannelTokenIssuer',
  'ToBotFromEmulatorOpenIdMetadataUrl',
  'ToChannelFromBotLoginUrl',
  'ToChannelFromBotOAuthScope',
  'OAuthUrl',
  'CallerId',
  'ValidateAuthority',
] as const;

/** Reads and validates the environment. Throws ConfigError with fix-it messages. */
export function readEnv(env: NodeJS.ProcessEnv = process.env, opts: { requireBotCredentials?: boolean } = {}): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  // CLIs that only read the database (export-tickets) do not talk to Teams.
  if (opts.requireBotCredentials !== false && !e.MicrosoftAppId && !e.BOT_ALLOW_ANONYMOUS) {
    problems.push(
      'MicrosoftAppId is not set. Set MicrosoftAppId and MicrosoftAppPassword to the Azure Bot registration, ' +
        'or set BOT_ALLOW_ANONYMOUS=true for local development only (never in production).',
    );
  }
  if (opts.requireBotCredentials !== false && e.MicrosoftAppId && !e.MicrosoftAppPassword && e.MicrosoftAppType !== 'UserAssignedMSI') {
    problems.push('MicrosoftAppPassword is not set: set it to a client secret of the app registration.');
  }
  if (e.MicrosoftAppType === 'SingleTenant' && !e.MicrosoftAppTenantId) {
    problems.push('MicrosoftAppType=SingleTenant needs MicrosoftAppTenantId (the Entra tenant id).');
  }
  if (e.MAIL_TRANSPORT === 'smtp' && (!e.SMTP_URL || !e.MAIL_FROM)) {
    problems.push('MAIL_TRANSPORT=smtp needs SMTP_URL (e.g. smtp://user:pass@host:587) and MAIL_FROM.');
  }
  let graph: Config['mail']['graph'];
  if (e.MAIL_TRANSPORT === 'graph') {
    const tenantId = e.GRAPH_MAIL_TENANT_ID ?? e.MicrosoftAppTenantId;
    const clientId = e.GRAPH_MAIL_CLIENT_ID ?? e.MicrosoftAppId;
    const clientSecret = e.GRAPH_MAIL_CLIENT_SECRET ?? e.MicrosoftAppPassword;
    if (!tenantId || !clientId || !clientSecret || !e.MAIL_FROM) {
      problems.push(
        'MAIL_TRANSPORT=graph needs MAIL_FROM (the service mailbox) and app credentials ' +
          '(GRAPH_MAIL_TENANT_ID/CLIENT_ID/CLIENT_SECRET, or the bot\'s MicrosoftApp* values).',
      );
    } else {
      graph = { tenantId, clientId, clientSecret, baseUrl: e.GRAPH_BASE_URL };
    }
  }
  const tenants = tenantPolicyOf(e, opts.requireBotCredentials !== false, problems);
  const badTypes = e.ATTACHMENT_TYPES.filter((x) => !/^[a-z0-9]{1,10}$/i.test(x.replace(/^\./, '')));
  if (badTypes.length) problems.push(`ATTACHMENT_TYPES: ${badTypes.join(', ')} are not file extensions (use e.g. png,pdf,txt).`);
  const domain = e.BOT_DOMAIN?.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  if (e.TAB_DEV_SIGNIN && e.MicrosoftAppId) {
    problems.push('TAB_DEV_SIGNIN=true lets anyone sign in to the tab as a mock user: it is for local use without MicrosoftAppId only. Unset it.');
  }
  if (problems.length) throw new ConfigError(problems);

  const endpoints: Record<string, string> = {};
  for (const key of ENDPOINT_KEYS) {
    const v = e[key];
    if (v !== undefined) endpoints[key] = v;
  }
  const dbPath = e.DB_PATH ?? path.join(ROOT, 'data', 'mesa-ayuda.db');
  return {
    port: e.PORT,
    host: e.HOST,
    dbPath,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    auth: {
      appId: e.MicrosoftAppId,
      appPassword: e.MicrosoftAppPassword,
      tenantId: e.MicrosoftAppTenantId,
      appType: e.MicrosoftAppType,
      anonymous: !e.MicrosoftAppId,
      botFrameworkEndpoints: endpoints,
    },
    tenants,
    radicadoPrefix: e.RADICADO_PREFIX,
    catalogPath: e.CATALOG_PATH ?? path.join(ROOT, 'config', 'catalog.json'),
    directoryPath: e.DIRECTORY_PATH ?? path.join(ROOT, 'config', 'directory.json'),
    knowledge: { dir: e.KNOWLEDGE_DIR ?? path.join(ROOT, 'config', 'knowledge'), required: e.KNOWLEDGE_DIR !== undefined },
    ssoConnectionName: e.SSO_CONNECTION_NAME,
    graphBaseUrl: (e.GRAPH_BASE_URL ?? DEFAULT_GRAPH_BASE_URL).replace(/\/+$/, ''),
    profileTtlMs: e.PROFILE_TTL_MINUTES * 60_000,
    maxBodyBytes: e.MAX_BODY_BYTES,
    supportContact: e.SUPPORT_CONTACT,
    privacyPolicyUrl: e.PRIVACY_POLICY_URL,
    logLevel: e.LOG_LEVEL,
    mail: { transport: e.MAIL_TRANSPORT, smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, graph },
    outboxPollMs: e.OUTBOX_POLL_MS,
    outboxMaxPerSecond: e.OUTBOX_MAX_PER_SECOND,
    announce: { channelId: e.ANNOUNCE_CHANNEL_ID?.split(';')[0], toAll: e.ANNOUNCE_TO_ALL },
    autoCloseDays: e.AUTO_CLOSE_DAYS,
    limits: { ticketsPerHour: e.TICKETS_PER_HOUR, lookupsPerMinute: e.LOOKUPS_PER_MINUTE },
    sla: {
      policyPath: e.SLA_PATH ?? path.join(ROOT, 'config', 'sla.json'),
      holidays: { path: e.HOLIDAYS_PATH ?? path.join(ROOT, 'config', 'holidays.json'), required: e.HOLIDAYS_PATH !== undefined },
      officeHours: e.SLA_OFFICE_HOURS,
      warningPercent: e.SLA_WARNING_PERCENT,
      checkIntervalMs: e.SLA_CHECK_INTERVAL_SECONDS * 1000,
    },
    survey: { changeWindowMs: e.SURVEY_CHANGE_MINUTES * 60_000, lowScore: e.SURVEY_LOW_SCORE },
    exportDir: exportDirOf(e.EXPORT_DIR),
    duplicateSimilarity: e.DUPLICATE_SIMILARITY,
    attachments: {
      dir: e.ATTACHMENTS_DIR ?? path.join(path.dirname(path.resolve(dbPath)), 'attachments'),
      maxBytes: e.ATTACHMENT_MAX_BYTES,
      types: e.ATTACHMENT_TYPES.length
        ? [...new Set(e.ATTACHMENT_TYPES.map((x) => x.replace(/^\./, '').toLowerCase()))]
        : DEFAULT_ATTACHMENT_TYPES,
      timeoutMs: e.ATTACHMENT_TIMEOUT_MS,
    },
    tab: {
      audience: e.TAB_SSO_AUDIENCE ?? (domain && e.MicrosoftAppId ? `api://${domain}/botid-${e.MicrosoftAppId}` : undefined),
      metadataUrl: e.TAB_SSO_METADATA_URL ?? DEFAULT_TAB_METADATA_URL,
      teamsAppId: e.TEAMS_APP_ID ?? e.MicrosoftAppId,
      devSignIn: e.TAB_DEV_SIGNIN,
    },
    phoneRetentionDays: e.PHONE_RETENTION_DAYS,
    dbBusyTimeoutMs: e.DB_BUSY_TIMEOUT_MS,
  };
}

/**
 * ALLOWED_TENANT_IDS: `*` → any tenant (explicit); a list → that list; unset with an app id → the
 * app's own tenant; unset without one (anonymous local use) → any tenant. Pushes fix-it problems.
 * `serves` is false for the CLIs that never answer Teams: an undecidable policy then admits nobody
 * instead of failing (and after a problem readEnv throws, so that value is never used).
 */
function tenantPolicyOf(
  e: { ALLOWED_TENANT_IDS: string[]; MicrosoftAppId?: string; MicrosoftAppTenantId?: string },
  serves: boolean,
  problems: string[],
): TenantPolicy {
  const nobody: TenantPolicy = { mode: 'list', ids: [] };
  const ids = [...new Set(e.ALLOWED_TENANT_IDS)];
  if (ids.includes('*')) {
    if (ids.length === 1) return { mode: 'any', reason: 'wildcard' };
    problems.push(
      `ALLOWED_TENANT_IDS mixes "*" with tenant ids (${ids.filter((x) => x !== '*').join(', ')}): ` +
        'set it to the list of tenant ids only, or to "*" alone to accept every tenant.',
    );
    return nobody;
  }
  const patterns = ids.filter((x) => x.includes('*'));
  if (patterns.length) {
    problems.push(`ALLOWED_TENANT_IDS: ${patterns.join(', ')} are not tenant ids ("*" is only accepted alone, meaning every tenant; there are no patterns).`);
    return nobody;
  }
  if (ids.length) return { mode: 'list', ids };
  if (!e.MicrosoftAppId) return { mode: 'any', reason: 'anonymous' };
  if (e.MicrosoftAppTenantId) return { mode: 'list', ids: [e.MicrosoftAppTenantId] };
  if (serves) {
    problems.push(
      'With MicrosoftAppId set, only the app\'s own tenant is accepted, but MicrosoftAppTenantId is not set: ' +
        'set MicrosoftAppTenantId to your Entra tenant id, or ALLOWED_TENANT_IDS to a comma-separated list of tenant ids, ' +
        'or ALLOWED_TENANT_IDS=* to accept every tenant.',
    );
  }
  return nobody;
}

function exportDirOf(v: string | undefined): string {
  return v ? path.resolve(v) : path.join(ROOT, 'data', 'exports');
}

/** What the operations CLIs (verify-history, personal data) need: no Bot registration required. */
export interface ToolConfig {
  dbPath: string;
  /** PostgreSQL instead of DB_PATH when set (DATABASE_URL). */
  databaseUrl?: string;
  exportDir: string;
  phoneRetentionDays: number;
  dbBusyTimeoutMs: number;
  /** Where attachment bytes live (anonymisation deletes the person's files). */
  attachmentsDir: string;
}

/** Reads the storage settings only; throws ConfigError like readEnv. */
export function readToolEnv(env: NodeJS.ProcessEnv = process.env): ToolConfig {
  const parsed = schema.pick({ DB_PATH: true, DATABASE_URL: true, EXPORT_DIR: true, PHONE_RETENTION_DAYS: true, DB_BUSY_TIMEOUT_MS: true, ATTACHMENTS_DIR: true }).safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const e = parsed.data;
  const dbPath = e.DB_PATH ?? path.join(ROOT, 'data', 'mesa-ayuda.db');
  return {
    dbPath,
    databaseUrl: e.DATABASE_URL,
    exportDir: exportDirOf(e.EXPORT_DIR),
    phoneRetentionDays: e.PHONE_RETENTION_DAYS,
    dbBusyTimeoutMs: e.DB_BUSY_TIMEOUT_MS,
    attachmentsDir: e.ATTACHMENTS_DIR ?? path.join(path.dirname(path.resolve(dbPath)), 'attachments'),
  };
}

/** The raw environment, for the CLIs that hand it to child processes or to packaging. */
export function rawEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}
