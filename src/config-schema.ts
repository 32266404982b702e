/**
 * The environment variables the bot reads, with their types, defaults and limits (zod). Parsing
 * only: the environment itself is read by config.ts, its only reader.
 */
import { z } from 'zod';
import { parseOfficeHours } from './domain/sla/office-hours';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

const int = (def: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be an integer between ${min} and ${max}` });
        return z.NEVER;
      }
      return n;
    });

export const envSchema = z.object({
  PORT: int(3978, 0, 65535),
  HOST: optionalString,
  DB_PATH: optionalString,
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a PostgreSQL URL, e.g. postgres://mesa:secret@db-host:5432/mesa (or unset for SQLite)')
      .optional(),
  ),
  DATABASE_POOL_SIZE: int(10, 1, 500),
  MicrosoftAppId: optionalString,
  MicrosoftAppPassword: optionalString,
  MicrosoftAppTenantId: optionalString,
  MicrosoftAppType: z
    .enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI', ''])
    .optional()
    .transform((v) => (v ? v : undefined)),
  BOT_ALLOW_ANONYMOUS: bool,
  ALLOWED_TENANT_IDS: list,
  RADICADO_PREFIX: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() ? v.trim().toUpperCase() : 'MDA'))
    .pipe(z.string().regex(/^[A-Z]{2,8}$/, 'must be 2 to 8 letters, e.g. MDA')),
  CATALOG_PATH: optionalString,
  KNOWLEDGE_DIR: optionalString,
  DIRECTORY_PATH: optionalString,
  SSO_CONNECTION_NAME: optionalString,
  BOT_DOMAIN: optionalString,
  TEAMS_APP_ID: optionalString,
  TAB_SSO_AUDIENCE: optionalString,
  TAB_SSO_METADATA_URL: optionalString,
  TAB_DEV_SIGNIN: bool,
  PROFILE_TTL_MINUTES: int(60, 0, 60 * 24 * 30),
  MAX_BODY_BYTES: int(256 * 1024, 1024, 50 * 1024 * 1024),
  SUPPORT_CONTACT: optionalString,
  PRIVACY_POLICY_URL: optionalString,
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent', ''])
    .optional()
    .transform((v) => (v ? v : 'info')),
  MAIL_TRANSPORT: z
    .enum(['none', 'smtp', 'graph', ''])
    .optional()
    .transform((v) => (v ? v : 'none')),
  SMTP_URL: optionalString,
  MAIL_FROM: optionalString,
  GRAPH_MAIL_TENANT_ID: optionalString,
  GRAPH_MAIL_CLIENT_ID: optionalString,
  GRAPH_MAIL_CLIENT_SECRET: optionalString,
  GRAPH_BASE_URL: optionalString,
  OUTBOX_POLL_MS: int(500, 10, 60_000),
  OUTBOX_MAX_PER_SECOND: int(40, 1, 10_000),
  ANNOUNCE_CHANNEL_ID: optionalString,
  ANNOUNCE_TO_ALL: bool,
  AUTO_CLOSE_DAYS: int(5, 1, 365),
  TICKETS_PER_HOUR: int(20, 1, 10_000),
  LOOKUPS_PER_MINUTE: int(30, 1, 10_000),
  EXPORT_DIR: optionalString,
  PHONE_RETENTION_DAYS: int(180, 1, 3650),
  DB_BUSY_TIMEOUT_MS: int(5000, 0, 600_000),
  // SLAs, survey, reports
  SLA_PATH: optionalString,
  HOLIDAYS_PATH: optionalString,
  SLA_OFFICE_HOURS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const spec = v && v.trim() ? v.trim() : 'Mon-Fri 07:00-17:00';
      try {
        return { spec, ...parseOfficeHours(spec) };
      } catch (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
        return z.NEVER;
      }
    }),
  SLA_WARNING_PERCENT: int(80, 1, 99),
  SLA_CHECK_INTERVAL_SECONDS: int(60, 1, 3600),
  SURVEY_CHANGE_MINUTES: int(30, 0, 7 * 24 * 60),
  SURVEY_LOW_SCORE: int(2, 1, 4),
  DUPLICATE_SIMILARITY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return 0.5;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0 || n > 1) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a number greater than 0 and at most 1, e.g. 0.5' });
        return z.NEVER;
      }
      return n;
    }),
  ATTACHMENTS_DIR: optionalString,
  ATTACHMENT_MAX_BYTES: int(10 * 1024 * 1024, 1, 100 * 1024 * 1024),
  ATTACHMENT_TYPES: list,
  ATTACHMENT_TIMEOUT_MS: int(20_000, 100, 300_000),
  // botbuilder's own endpoint keys, passed through untouched (national clouds, offline tests).
  ToBotFromChannelOpenIdMetadataUrl: optionalString,
  ToBotFromChannelTokenIssuer: optionalString,
  ToBotFromEmulatorOpenIdMetadataUrl: optionalString,
  ToChannelFromBotLoginUrl: optionalString,
  ToChannelFromBotOAuthScope: optionalString,
  OAuthUrl: optionalString,
  CallerId: optionalString,
  ValidateAuthority: optionalString,
});
