/**
 * Proactive posting: a turn opened from a stored conversation reference, with the connector's own
 * retries off (the outbox's policy is the only one) and the failure handed back to the caller.
 */
import type { ConversationReference, TurnContext } from 'botbuilder';
import type { ConversationRefRepository } from '../domain/ports';
import { DeliveryError } from '../outbox/retries';
import type { BotAdapter } from './adapter';

/**
 * The connector client's HTTP pipeline retries 429 (sleeping for Retry-After) and 5xx by itself, up
 * to three times, inside one delivery: that would stall the whole dispatcher tick and hide the
 * failure from the outbox. The outbox's persistent retry policy is the only one for proactive sends.
 */
export function withoutSdkRetries(ctx: TurnContext, key: symbol) {
  const client = ctx.turnState.get(key) as { client?: { pipeline?: { removePolicy(p: { name: string }): unknown } } } | undefined;
  client?.client?.pipeline?.removePolicy({ name: 'defaultRetryPolicy' });
}

export type Reference = Partial<ConversationReference>;

export class ProactivePoster {
  constructor(
    private readonly adapter: BotAdapter,
    private readonly appId: string,
    private readonly refs: ConversationRefRepository,
  ) {}

  /** The stored reference of a conversation (outbox/keys.ts); final failure without one. */
  async ref(key: string): Promise<Reference> {
    const ref = (await this.refs.get(key)) as Reference | null;
    if (!ref) throw new DeliveryError(`no conversation reference for ${key}`, true);
    return ref;
  }

  /**
   * Runs `logic` in a proactive turn in `conversationId` (default: the reference's own) and rethrows
   * its failure. Without the catch, the adapter's onTurnError would swallow the connector's
   * 403/412/429/5xx (and post an apology into the conversation), and the item would be marked sent.
   */
  async run(ref: Reference, logic: (ctx: TurnContext) => Promise<void>, conversationId?: string): Promise<void> {
    const target = conversationId ? { ...ref, conversation: { ...ref.conversation!, id: conversationId } } : ref;
    let failure: { error: unknown } | undefined;
    await this.adapter.continueConversationAsync(this.appId, target, async (ctx) => {
      try {
        withoutSdkRetries(ctx, this.adapter.ConnectorClientKey);
        await logic(ctx);
      } catch (error) {
        failure = { error };
      }
    });
    if (failure) throw failure.error;
  }
}
