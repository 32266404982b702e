/**
 * CloudAdapter with botbuilder's own JWT validation, the tenant allow-list, inbound
 * de-duplication and one loud central error handler. The only module that wires botbuilder to HTTP.
 */
import { randomUUID } from 'node:crypto';
import {
  ActivityTypes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  TurnContext,
  type Activity,
} from 'botbuilder';
import { z } from 'zod';
import { cachingClients } from './client-cache';
import type { Config, TenantPolicy } from '../config';
import { storageFailureCode } from '../domain/errors';
import type { InboundDedup } from '../domain/ports';
import type { MessageEndpoint } from '../http/server';
import { activityLocale, localeOf, t } from '../i18n';
import type { Logger } from '../logger';

/** CloudAdapter whose activity processing we call ourselves, to map failures to HTTP statuses. */
export class BotAdapter extends CloudAdapter {
  run(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    return this.processActivity(authHeader, activity, logic);
  }
}

export function createCloudAdapter(cfg: Config, log: Logger): BotAdapter {
  const settings: Record<string, string | undefined> = {
    MicrosoftAppId: cfg.auth.appId ?? '',
    MicrosoftAppPassword: cfg.auth.appPassword ?? '',
    MicrosoftAppTenantId: cfg.auth.tenantId,
    MicrosoftAppType: cfg.auth.appType ?? (cfg.auth.appId ? 'MultiTenant' : undefined),
    ...cfg.auth.botFrameworkEndpoints,
  };
  const credentials = new ConfigurationServiceClientCredentialFactory({
    MicrosoftAppId: settings.MicrosoftAppId,
    MicrosoftAppPassword: settings.MicrosoftAppPassword,
    MicrosoftAppTenantId: settings.MicrosoftAppTenantId,
    MicrosoftAppType: settings.MicrosoftAppType,
  });
  const auth = new ConfigurationBotFrameworkAuthentication(settings as never, credentials);
  // Connector and token clients are reused across turns (client-cache.ts).
  const adapter = new BotAdapter(cachingClients(auth));

  adapter.onTurnError = async (context, error) => {
    const correlationId = randomUUID().slice(0, 8);
    const storageCode = storageFailureCode(error);
    log.error(
      {
        err: error,
        correlationId,
        storageCode: storageCode ?? undefined,
        activityType: context.activity.type,
        activityName: context.activity.name,
        conversationType: context.activity.conversation?.conversationType,
      },
      storageCode ? 'turn failed: storage unavailable' : 'unhandled turn error',
    );
    const locale = localeOf(activityLocale(context.activity));
    // The database locked, full or failing: say so (try again later), not "something went wrong".
    const apology = t(locale, storageCode ? 'storageUnavailable' : 'apology', { id: correlationId });
    try {
      if (context.activity.type === ActivityTypes.Invoke && context.activity.name === 'adaptiveCard/action') {
        await context.sendActivity({
          type: ActivityTypes.InvokeResponse,
          value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: apology } },
        });
      } else if (context.activity.type !== ActivityTypes.Invoke) {
        await context.sendActivity(apology);
      } else {
        await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 500 } });
      }
    } catch (sendErr) {
      log.error({ err: sendErr, correlationId }, 'could not send the apology');
    }
  };
  return adapter;
}

/** Just enough shape to hand an activity to botbuilder; the rest is validated where it is used. */
const activityShape = z
  .object({
    type: z.string().min(1).max(64),
    id: z.string().max(512).optional(),
    serviceUrl: z.string().max(2048).optional(),
    channelId: z.string().max(64).optional(),
    conversation: z.object({ id: z.string().min(1).max(1024) }).passthrough(),
    from: z.object({ id: z.string().max(1024) }).passthrough().optional(),
    recipient: z.object({ id: z.string().max(1024) }).passthrough().optional(),
  })
  .passthrough();

export interface EndpointOptions {
  /** cfg.tenants: an activity from a tenant outside a `list` policy (or from no tenant) answers 403. */
  tenants: TenantPolicy;
  dedup: InboundDedup;
  log: Logger;
  now?: () => Date;
}

export type BotLogic = (context: TurnContext) => Promise<void>;

export function tenantOf(activity: Partial<Activity>): string | undefined {
  const cd = activity.channelData as { tenant?: { id?: unknown } } | undefined;
  const fromChannel = typeof cd?.tenant?.id === 'string' ? cd.tenant.id : undefined;
  return fromChannel ?? (activity.conversation as { tenantId?: string } | undefined)?.tenantId;
}

/** POST /api/messages: authenticate (401), tenant allow-list (403), de-duplicate, run the bot. */
export class TeamsMessageEndpoint implements MessageEndpoint {
  constructor(
    private readonly adapter: BotAdapter,
    private readonly logic: BotLogic,
    private readonly opts: EndpointOptions,
  ) {}

  async handle(body: unknown, authHeader: string): Promise<{ status: number; body?: unknown }> {
    const parsed = activityShape.safeParse(body);
    if (!parsed.success) return { status: 400, body: { error: 'not a valid activity' } };
    const activity = parsed.data as unknown as Activity;
    let started = false;
    let verdict: { status: number; body?: unknown } | null = null;
    try {
      const invoke = await this.adapter.run(authHeader, activity, async (context) => {
        started = true;
        const tenant = tenantOf(context.activity);
        const allowed = this.opts.tenants;
        if (allowed.mode === 'list' && (!tenant || !allowed.ids.includes(tenant))) {
          this.opts.log.warn({ tenant, conversationType: context.activity.conversation?.conversationType }, 'activity from a tenant that is not allowed');
          verdict = { status: 403, body: { error: 'tenant not allowed' } };
          return;
        }
        const a = context.activity;
        if (a.id && a.type !== ActivityTypes.Invoke) {
          const first = await this.opts.dedup.firstSeen(a.conversation.id, a.id, this.opts.now?.() ?? new Date());
          if (!first) {
            this.opts.log.info({ activityId: a.id }, 'duplicate activity ignored');
            return;
          }
        }
        await this.logic(context);
      });
      if (verdict) return verdict;
      return { status: invoke?.status ?? 200, body: invoke?.body };
    } catch (err) {
      if (!started) {
        // Anything that fails before the bot runs is an authentication failure (botbuilder throws
        // a plain Error, not AuthenticationError, for a bad signature or unknown key): never 500.
        this.opts.log.warn({ reason: (err as Error).message }, 'request rejected: authentication failed');
        return { status: 401, body: { error: 'unauthorized' } };
      }
      throw err;
    }
  }
}
