import { conversationKey, userKey } from '../../outbox/keys';
import type { Turn } from '../turn';
import { mainActions } from '../turn';

/** The welcome card: what the bot does, the main actions, and the personal-data notice once. */
export async function sendWelcome(turn: Turn): Promise<void> {
  const showPrivacy = await turn.services.privacy.markShown(turn.oid, turn.services.clock.now());
  await turn.show(
    turn.card('welcome', { showPrivacy, privacyUrl: turn.services.cfg.privacyPolicyUrl ?? '' }),
  );
}

export async function sendHelp(turn: Turn, intro = ''): Promise<void> {
  const user = await turn.user();
  await turn.show(turn.card('help', { intro, isStaff: await turn.isStaff(), isSupervisor: user.roles.includes('supervisor') }));
}

export async function sendNotUnderstood(turn: Turn): Promise<void> {
  await turn.notice(turn.messages.notUnderstood, { actions: mainActions(turn) });
}

/** Teams sends installationUpdate and conversationUpdate for one install: one welcome within this window. */
const WELCOME_WINDOW_MS = 10 * 60_000;

/** Bot installed in a personal chat or a team: remember where to write, say hello (once). */
export async function onInstalled(turn: Turn): Promise<void> {
  await rememberConversation(turn);
  const key = turn.isPersonal ? userKey(turn.oid) : conversationKey(turn.activity.conversation.id.split(';')[0]);
  if (!(await turn.services.welcomes.first(key, turn.services.clock.now(), WELCOME_WINDOW_MS))) return;
  if (turn.isPersonal) await sendWelcome(turn);
  else await sendHelp(turn);
}

/** Stores the conversation reference the first time a user or channel is seen (for proactive messages). */
export async function rememberConversation(turn: Turn): Promise<void> {
  const a = turn.activity;
  if (!a.serviceUrl) return;
  const ref = {
    channelId: a.channelId,
    serviceUrl: a.serviceUrl,
    conversation: { id: a.conversation.id.split(';')[0], conversationType: a.conversation.conversationType, tenantId: turn.tenantId, isGroup: a.conversation.isGroup },
    bot: a.recipient,
    user: turn.isPersonal ? a.from : undefined,
    locale: a.locale,
  };
  const key = turn.isPersonal ? userKey(turn.oid) : conversationKey(ref.conversation.id);
  await turn.services.refs.save(key, ref, turn.services.clock.now());
}
