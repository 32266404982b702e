import type { Activity } from 'botbuilder';
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

/**
 * The two activities of one install arrive within milliseconds, and only the installationUpdate names
 * the person's language. The one that names none waits this long before claiming the welcome, so the
 * welcome comes from the one that does (and, if it alone came, speaks the language then remembered).
 */
export const UNNAMED_LOCALE_GRACE_MS = 1500;

/** Bot installed in a personal chat or a team: remember where to write, say hello (once). */
export async function onInstalled(turn: Turn): Promise<void> {
  if (!turn.namesLocale) {
    await new Promise((resolve) => setTimeout(resolve, UNNAMED_LOCALE_GRACE_MS));
    await turn.recallLocale();
  }
  await rememberConversation(turn);
  if (!(await turn.services.welcomes.first(turn.refKey, turn.services.clock.now(), WELCOME_WINDOW_MS))) return;
  if (turn.isPersonal) await sendWelcome(turn);
  else await sendHelp(turn);
}

/** The reference stored for a conversation (for proactive messages): where the activity came from. */
export function conversationReference(a: Pick<Activity, 'channelId' | 'serviceUrl' | 'conversation' | 'recipient' | 'from'>, tenantId: string, personal: boolean, locale: string | undefined) {
  return {
    channelId: a.channelId,
    serviceUrl: a.serviceUrl,
    conversation: { id: a.conversation.id.split(';')[0], conversationType: a.conversation.conversationType, tenantId, isGroup: a.conversation.isGroup },
    bot: a.recipient,
    user: personal ? a.from : undefined,
    locale,
  };
}

/** Stores the conversation reference the first time a user or channel is seen (for proactive messages). */
export async function rememberConversation(turn: Turn): Promise<void> {
  const a = turn.activity;
  if (!a.serviceUrl) return;
  // An activity that names no language keeps the one remembered (never forgets it).
  const ref = conversationReference(a, turn.tenantId, turn.isPersonal, turn.rememberedLocale);
  await turn.services.refs.save(turn.refKey, ref, turn.services.clock.now());
}
