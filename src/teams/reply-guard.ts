/**
 * No silent turn under throttling: the direct replies of a turn (answers to a typed message, the
 * messages a card action sends besides its card) go through here. A 429/5xx from the connector is
 * retried within the turn, honouring Retry-After, as long as the turn can wait; after that the reply
 * is handed to the persistent outbox, which delivers it once, in order with what follows in that
 * conversation (later direct replies to it queue behind while one is pending).
 */
import { TurnContext, type Activity, type ResourceResponse } from 'botbuilder';
import type { OutboxRepository } from '../domain/ports';
import type { Logger } from '../logger';
import { channelKey, conversationKey, userKey } from '../outbox/keys';
import { toDeliveryError } from '../outbox/retries';
import { withoutSdkRetries } from './proactive';

export interface ReplyGuardOptions {
  /** How long a typed message's turn may spend retrying its replies (Teams waits ~15 s for the HTTP answer). */
  messageBudgetMs: number;
  /** The same for card actions and other invokes, whose card answer Teams awaits (a few seconds). */
  invokeBudgetMs: number;
  /** First wait when the connector names none (doubles). */
  firstDelayMs: number;
}

export const DEFAULT_REPLY_GUARD: ReplyGuardOptions = { messageBudgetMs: 4000, invokeBudgetMs: 1500, firstDelayMs: 250 };

/** Where a turn's replies line up in the outbox: the same keys as the notifications to that chat. */
export function replyPaceKey(activity: Partial<Activity>): string {
  const conv = activity.conversation;
  if ((conv?.conversationType ?? 'personal') === 'personal') return userKey(activity.from?.aadObjectId ?? activity.from?.id ?? 'anonymous');
  if (conv?.conversationType === 'channel') return channelKey((conv.id ?? '').split(';')[0]);
  return conversationKey(conv?.id ?? '');
}

/** How long a conversation's deferred replies are assumed possibly pending before the outbox is asked again. */
const DEFERRED_MEMORY_MS = 15 * 60_000;

export class ReplyGuard {
  /** Pace keys with a deferred reply that may still be pending, and since when. */
  private readonly deferred = new Map<string, number>();

  constructor(
    private readonly outbox: Pick<OutboxRepository, 'enqueue' | 'hasPendingReply'>,
    private readonly log: Logger,
    private readonly opts: ReplyGuardOptions = DEFAULT_REPLY_GUARD,
    private readonly now: () => number = Date.now,
  ) {}

  /** Registers the guard on a turn, before the bot logic sends anything. */
  attach(ctx: TurnContext): void {
    withoutSdkRetries(ctx, ctx.adapter.ConnectorClientKey);
    const isInvoke = ctx.activity.type === 'invoke';
    const deadline = this.now() + (isInvoke ? this.opts.invokeBudgetMs : this.opts.messageBudgetMs);
    const key = replyPaceKey(ctx.activity);
    const reference = TurnContext.getConversationReference(ctx.activity);
    let queueBehind: boolean | undefined;

    ctx.onSendActivities(async (_ctx, activities, next) => {
      const all = activities.splice(0, activities.length);
      const responses: ResourceResponse[] = [];
      const sendOne = async (a: Partial<Activity>) => {
        activities.splice(0, activities.length, a);
        const [r] = await next();
        return r;
      };
      for (const a of all) {
        // The invoke's own answer is the HTTP response, never a connector call; traces are not for people.
        if (a.type === 'invokeResponse' || a.type === 'trace') {
          responses.push(await sendOne(a));
          continue;
        }
        queueBehind ??= await this.hasDeferred(key);
        if (queueBehind) {
          responses.push(await this.defer(key, reference, a, 'a reply of this conversation is waiting in the outbox'));
          continue;
        }
        for (let attempt = 0; ; attempt++) {
          try {
            responses.push(await sendOne(a));
            break;
          } catch (err) {
            const e = toDeliveryError(err);
            if (e.permanent) throw err;
            const wait = e.retryAfterMs ?? this.opts.firstDelayMs * 2 ** attempt;
            if (this.now() + wait > deadline) {
              queueBehind = true;
              responses.push(await this.defer(key, reference, a, e.message));
              break;
            }
            await new Promise((r) => setTimeout(r, wait));
          }
        }
      }
      activities.splice(0, activities.length, ...all);
      return responses;
    });
  }

  private async hasDeferred(key: string): Promise<boolean> {
    const since = this.deferred.get(key);
    if (since === undefined) return false;
    if (this.now() - since > DEFERRED_MEMORY_MS) this.deferred.delete(key);
    const pending = await this.outbox.hasPendingReply(key);
    if (!pending) this.deferred.delete(key);
    return pending;
  }

  private async defer(key: string, reference: unknown, activity: Partial<Activity>, reason: string): Promise<ResourceResponse> {
    await this.outbox.enqueue([{ channel: 'teams', paceKey: key, payload: { type: 'turn_reply', reference, activity } }]);
    this.deferred.set(key, this.now());
    this.log.warn({ paceKey: key, reason: reason.slice(0, 200) }, 'reply handed to the outbox: the connector refused it for longer than the turn can wait');
    return { id: '' };
  }
}
