/**
 * The benchmark's ceilings: echo bots on the project's own botbuilder CloudAdapter + restify stack.
 * - echo: answers a message with its text and a card action with a line (the bare stack);
 * - fair echo: does the same visible work as the bot, without its logic — answers a card action
 *   with a card and posts one outbound card per action to the channel afterwards (as the outbox
 *   posts a ticket's queue card), and answers a message with one card.
 */
import { ActivityTypes, CardFactory, type ConversationReference } from 'botbuilder';
import type { Config } from '../config';
import { startHttpServer } from '../http/server';
import type { Logger } from '../logger';
import { createCloudAdapter, TeamsMessageEndpoint } from '../teams/adapter';

export interface EchoTarget {
  url: string;
  stop(): Promise<void>;
}

/** A card of the size of the bot's answers (a radicado, a few facts, two buttons). */
function fairCard(text: string) {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: 'MDA-2026-000001', size: 'Large', weight: 'Bolder', wrap: true },
      { type: 'TextBlock', text, wrap: true },
      { type: 'FactSet', facts: [{ title: 'Servicio', value: 'Acceso remoto' }, { title: 'Estado', value: 'Nuevo, en cola' }, { title: 'Creado', value: '1/12/2026, 9:00 a. m.' }] },
    ],
    actions: [
      { type: 'Action.Execute', title: 'Ver estado', verb: 'ticket.status', data: { ticketId: 1 } },
      { type: 'Action.Execute', title: 'Mis casos', verb: 'tickets.mine', data: {} },
    ],
  };
}

export async function startEchoBot(cfg: Config, log: Logger, opts: { fair: boolean; channel: { id: string; tenantId: string } }): Promise<EchoTarget> {
  const adapter = createCloudAdapter(cfg, log);
  const appId = cfg.auth.appId ?? "";
  const endpoint = new TeamsMessageEndpoint(
    adapter,
    async (ctx) => {
      const a = ctx.activity;
      if (a.type === ActivityTypes.Invoke) {
        const verb = (a.value as { action?: { verb?: string } })?.action?.verb ?? '';
        const body = opts.fair
          ? { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: fairCard(verb) }
          : { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: verb };
        await ctx.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
        if (opts.fair) {
          // One outbound message per action, after the answer, as the outbox posts the queue card.
          const ref: Partial<ConversationReference> = {
            channelId: 'msteams',
            serviceUrl: a.serviceUrl,
            conversation: { id: opts.channel.id, conversationType: 'channel', tenantId: opts.channel.tenantId, isGroup: true, name: '' },
            bot: a.recipient,
          };
          setImmediate(() => {
            adapter
              .continueConversationAsync(appId, ref, async (c) => {
                await c.sendActivity({ attachments: [CardFactory.adaptiveCard(fairCard(verb))], summary: verb });
              })
              .catch((err) => log.warn({ err }, 'fair echo: outbound post failed'));
          });
        }
      } else if (opts.fair) await ctx.sendActivity({ attachments: [CardFactory.adaptiveCard(fairCard(a.text ?? ''))] });
      else await ctx.sendActivity(a.text ?? '');
    },
    { tenants: cfg.tenants, dedup: { firstSeen: async () => true }, log },
  );
  const server = await startHttpServer({ port: 0, host: '127.0.0.1', maxBodyBytes: cfg.maxBodyBytes, log, messages: endpoint, health: async () => ({ ok: true, details: {} }) });
  return { url: server.url, stop: () => server.close() };
}
