/**
 * The routing table: each route is a predicate on the activity and a handler. The first match wins.
 * No business logic here.
 */
import { ActivityTypes, type Activity } from 'botbuilder';
import { z } from 'zod';
import type { RoleAudience, TicketAudience, TicketRef } from '../domain/access';
import type { Ticket } from '../domain/tickets/model';
import { recognize, type Intent } from '../domain/phrases';
import { bogotaYear } from '../domain/tickets/radicado';
import * as approvals from './handlers/approvals';
import * as attachments from './handlers/attachments';
import * as fileOffer from './handlers/file-offer';
import * as knowledge from './handlers/knowledge';
import * as extension from './handlers/extension';
import * as incidents from './handlers/incidents';
import * as catalog from './handlers/catalog';
import * as submission from './handlers/submission';
import * as personalData from './handlers/personal-data';
import * as queue from './handlers/queue';
import * as reports from './handlers/reports';
import { submitSurvey } from './handlers/survey';
import * as tickets from './handlers/tickets';
import { onInstalled, rememberConversation, sendHelp, sendNotUnderstood, sendWelcome } from './handlers/welcome';
import { roleGate, ticketFor } from './gate';
import { isSigninInvoke } from './sso';
import { Services, Turn, TurnContext } from './turn';
import { conversationKey } from '../outbox/keys';

type Route = { name: string; when: (a: Activity) => boolean; run: (turn: Turn) => Promise<void> };

const botAdded = (a: Activity) =>
  (a.type === ActivityTypes.ConversationUpdate && (a.membersAdded ?? []).some((m) => m.id === a.recipient?.id)) ||
  (a.type === ActivityTypes.InstallationUpdate && (a.action ?? '').startsWith('add'));

const isCardAction = (a: Activity) => a.type === ActivityTypes.Invoke && a.name === 'adaptiveCard/action';
const isMessage = (a: Activity) => a.type === ActivityTypes.Message;

type Data = Record<string, unknown>;

/**
 * A route's audience, checked by the gate (gate.ts) before its handler runs. A route that names a
 * ticket declares `ticket` (who may act on it) and gets the ticket from the gate; one that names
 * none declares `who` (the caller's roles). `lookup`: counts against the per-user lookup limit.
 */
export type VerbRoute =
  | { who: RoleAudience; run: (turn: Turn, data: Data) => Promise<void> }
  | { ticket: TicketAudience; ref?: (data: Data) => TicketRef; lookup?: boolean; run: (turn: Turn, ticket: Ticket, data: Data) => Promise<void> };

const byRole = (who: RoleAudience, run: (turn: Turn, data: Data) => Promise<void>): VerbRoute => ({ who, run });
const onTicket = (
  ticket: TicketAudience,
  run: (turn: Turn, ticket: Ticket, data: Data) => Promise<void>,
  opts: { ref?: (data: Data) => TicketRef; lookup?: boolean } = {},
): VerbRoute => ({ ticket, run, ...opts });

/** Card actions by verb. `data` is untrusted: every handler re-validates what it uses. */
export const VERBS: Record<string, VerbRoute> = {
  help: byRole('anyone', (turn) => sendHelp(turn)),
  'catalog.categories': byRole('anyone', (turn) => catalog.showCategories(turn)),
  'catalog.services': byRole('anyone', catalog.showServices),
  'catalog.templates': byRole('anyone', catalog.showTemplates),
  'catalog.all': byRole('anyone', catalog.showAllTemplates),
  'catalog.form': byRole('anyone', catalog.showForm),
  'ticket.submit': byRole('anyone', submission.submitForm),
  'tickets.mine': byRole('anyone', tickets.showMine),
  'ticket.status': onTicket('viewer', (turn, t) => tickets.showStatus(turn, t), { lookup: true }),
  'ticket.refresh': onTicket('viewer', tickets.refreshCard),
  'ticket.addToExisting': onTicket('requester', submission.addToExisting),
  'ticket.reply': onTicket('requester', tickets.requesterReply),
  'ticket.confirm': onTicket('requester', (turn, t) => tickets.requesterAction(turn, 'confirm', t)),
  'ticket.reopen': onTicket('viewer', (turn, t, d) => tickets.requesterAction(turn, 'reopen', t, d)),
  'ticket.cancel': onTicket('requester', (turn, t) => tickets.requesterAction(turn, 'cancel', t)),
  'queue.show': byRole('staff', (turn) => queue.showQueue(turn)),
  'queue.next': byRole('staff', (turn) => queue.takeNext(turn)),
  'queue.take': onTicket('staff', (turn, t) => queue.takeTicket(turn, t)),
  'queue.reply': onTicket('staff', (turn, t, d) => queue.cardAction(turn, 'reply', t, d)),
  'queue.start': onTicket('staff', (turn, t, d) => queue.cardAction(turn, 'start', t, d)),
  'queue.wait': onTicket('staff', (turn, t, d) => queue.cardAction(turn, 'wait', t, d)),
  'queue.resolve': onTicket('staff', (turn, t, d) => queue.cardAction(turn, 'resolve', t, d)),
  'queue.assign': onTicket('staff', queue.assignTicket),
  'queue.refresh': onTicket('staff', (turn, t) => queue.refreshQueueCard(turn, t)),
  'queue.register': byRole('supervisor', queue.registerChosenQueue),
  'queue.move': onTicket('staff', queue.moveChosen),
  'privacy.anonymise': byRole('supervisor', personalData.confirmAnonymise),
  'survey.submit': onTicket('requester', submitSurvey),
  'attachment.link': onTicket('viewer', attachments.linkChosen),
  'attachment.send': onTicket('viewer', fileOffer.sendToMe, { ref: (d) => ({ attachmentId: d.attachmentId }) }),
  'approval.approve': onTicket('approver', (turn, t, d) => approvals.decide(turn, t, 'approve', d)),
  'approval.reject': onTicket('approver', (turn, t, d) => approvals.decide(turn, t, 'reject', d)),
  'approval.show': onTicket('approver', (turn, t) => approvals.showApproval(turn, t)),
  'approvals.mine': byRole('anyone', (turn) => approvals.showMine(turn)),
  'kb.answered': byRole('anyone', knowledge.answered),
  'kb.feedback': byRole('anyone', knowledge.feedback),
  'kb.show': byRole('anyone', knowledge.showArticle),
  'kb.draft': onTicket('staff', (turn, t) => knowledge.draftFromCase(turn, t)),
  'kb.drafts': byRole('supervisor', (turn) => knowledge.showDrafts(turn)),
  'kb.review': byRole('supervisor', knowledge.reviewDraft),
  'kb.publish': byRole('supervisor', knowledge.publishDraft),
  'kb.discard': byRole('supervisor', knowledge.discardDraft),
  'incident.declareForm': onTicket('staff', (turn, t) => incidents.declareForm(turn, t)),
  'incident.declare': onTicket('staff', incidents.declare),
  'incident.declareNew': byRole('supervisor', incidents.declareNew),
  'incident.choose': onTicket('staff', (turn, t) => incidents.chooseIncident(turn, t)),
  'incident.link': onTicket('staff', incidents.link),
  'incident.update': onTicket('staff', incidents.postUpdate),
  'incident.affects': byRole('anyone', incidents.affectsMe),
};

const actionShape = z.object({
  action: z.object({ verb: z.string().max(64), data: z.record(z.unknown()).optional() }).passthrough(),
});

/** Runs a route after its gate: the caller's roles, or the ticket it names and who may act on it. */
async function gated(turn: Turn, route: VerbRoute, data: Data, ref: TicketRef): Promise<void> {
  if ('who' in route) {
    if (await roleGate(turn, route.who)) await route.run(turn, data);
    return;
  }
  const ticket = await ticketFor(turn, ref, route.ticket, { lookup: route.lookup });
  if (ticket) await route.run(turn, ticket, data);
}

async function onCardAction(turn: Turn, verb: string, data: Data): Promise<void> {
  const route = Object.prototype.hasOwnProperty.call(VERBS, verb) ? VERBS[verb] : undefined;
  if (!route) {
    turn.services.log.warn({ verb: verb.slice(0, 64) }, 'unknown card verb');
    await turn.notice(turn.messages.invalidAction, { color: 'Attention' });
    return;
  }
  await gated(turn, route, data, 'ticket' in route && route.ref ? route.ref(data) : { id: data.ticketId });
}

type IntentOf<K extends Intent['kind']> = Extract<Intent, { kind: K }>;

/**
 * Typed commands by intent, with the same audiences as card actions. A command that names a
 * ticket by radicado declares `ticket`; without a radicado it runs `missing` (under `who`).
 */
type IntentRoute<K extends Intent['kind']> =
  | { who: RoleAudience; run: (turn: Turn, intent: IntentOf<K>, raw: string) => Promise<void> }
  | {
      ticket: TicketAudience;
      /** The caller's roles, checked before the ticket is looked up (a supervisor-only command on a ticket). */
      role?: RoleAudience;
      lookup?: boolean;
      radicado: (intent: IntentOf<K>) => string | undefined;
      missing: { who: RoleAudience; run: (turn: Turn) => Promise<void> };
      run: (turn: Turn, ticket: Ticket, intent: IntentOf<K>) => Promise<void>;
    };

const say = (key: 'statusMissing' | 'historyUsage') => async (turn: Turn) => turn.notice(turn.messages[key]);
function intentByRole<K extends Intent['kind']>(who: RoleAudience, run: (turn: Turn, intent: IntentOf<K>, raw: string) => Promise<void>): IntentRoute<K> {
  return { who, run };
}
function intentOnTicket<K extends Intent['kind']>(
  ticket: TicketAudience,
  radicado: (intent: IntentOf<K>) => string | undefined,
  run: (turn: Turn, ticket: Ticket, intent: IntentOf<K>) => Promise<void>,
  missing: { who: RoleAudience; run: (turn: Turn) => Promise<void> },
  opts: { lookup?: boolean } = {},
): IntentRoute<K> {
  return { ticket, radicado, run, missing, ...opts };
}

export const INTENTS: { [K in Intent['kind']]: IntentRoute<K> } = {
  greeting: intentByRole('anyone', (turn) => sendWelcome(turn)),
  help: intentByRole('anyone', (turn) => sendHelp(turn)),
  new_request: intentByRole('anyone', (turn) => catalog.showCategories(turn)),
  // A problem in the user's words: a reply when a case is in conversation (as any text), else the templates that fit it.
  problem: intentByRole<'problem'>('anyone', async (turn, i) => {
    if (turn.isPersonal && (await tickets.requesterFreeText(turn, i.text))) return;
    return catalog.suggestForProblem(turn, i.text);
  }),
  my_tickets: intentByRole('anyone', (turn) => tickets.showMine(turn)),
  my_approvals: intentByRole('anyone', (turn) => approvals.showMine(turn)),
  status: intentOnTicket<'status'>(
    'viewer',
    (i) => i.radicado,
    (turn, t, i) => (i.remark && turn.isPersonal ? tickets.remarkOrStatus(turn, t, i.remark) : tickets.showStatus(turn, t)),
    { who: 'anyone', run: say('statusMissing') },
    { lookup: true },
  ),
  status_missing: intentByRole('anyone', (turn, _i, raw) => tickets.statusOfLegacy(turn, raw)),
  take: intentOnTicket<'take'>('staff', (i) => i.radicado, (turn, t) => queue.takeTicket(turn, t), { who: 'staff', run: (turn) => queue.showQueue(turn) }),
  queue: intentByRole('staff', (turn) => queue.showQueue(turn)),
  next: intentByRole('staff', (turn) => queue.takeNext(turn)),
  register_queue: intentByRole<'register_queue'>('supervisor', (turn, i) => queue.registerQueue(turn, i.category)),
  // The case is named by radicado or by the thread it is typed in; the gate (ticketFor) checks staff of its queue.
  move_queue: intentByRole<'move_queue'>('staff', (turn, i) => queue.moveToQueue(turn, i)),
  cancel: intentOnTicket<'cancel'>('requester', (i) => i.radicado, (turn, t) => tickets.requesterAction(turn, 'cancel', t), { who: 'anyone', run: say('statusMissing') }),
  metrics: intentByRole('supervisor', (turn) => reports.showMetrics(turn)),
  kb_drafts: intentByRole('supervisor', (turn) => knowledge.showDrafts(turn)),
  // The case is named by radicado or by the thread it is typed in; the gate (ticketFor) checks staff of its queue.
  declare_incident: intentByRole<'declare_incident'>('supervisor', (turn, i) => incidents.declareByCommand(turn, i)),
  export_person: intentByRole<'export_person'>('supervisor', (turn, i) => personalData.exportPerson(turn, i.who)),
  anonymise_person: intentByRole<'anonymise_person'>('supervisor', (turn, i) => personalData.askAnonymise(turn, i.who)),
  export: intentByRole<'export'>('supervisor', (turn, i) => reports.exportTickets(turn, i.from, i.to)),
  history: {
    ...intentOnTicket<'history'>('staff', (i) => i.radicado, (turn, t) => reports.exportHistory(turn, t), { who: 'supervisor', run: say('historyUsage') }),
    role: 'supervisor',
  },
  unknown: intentByRole('anyone', async (turn, _i, raw) => {
    if (turn.isPersonal && raw.trim() && (await tickets.requesterFreeText(turn, raw.trim()))) return;
    return sendNotUnderstood(turn);
  }),
};

/** Intents from plain text, through the same gate as card actions. */
async function onIntent<K extends Intent['kind']>(turn: Turn, intent: IntentOf<K>, rawText: string): Promise<void> {
  const route = INTENTS[intent.kind as K] as IntentRoute<K>;
  if ('who' in route) {
    if (await roleGate(turn, route.who)) await route.run(turn, intent, rawText);
    return;
  }
  if (route.role && !(await roleGate(turn, route.role))) return;
  const radicado = route.radicado(intent);
  if (!radicado) {
    if (await roleGate(turn, route.missing.who)) await route.missing.run(turn);
    return;
  }
  const ticket = await ticketFor(turn, { radicado }, route.ticket, { lookup: route.lookup });
  if (ticket) await route.run(turn, ticket, intent);
}

async function onMessage(turn: Turn): Promise<void> {
  const a = turn.activity;
  // Personal chats, and the announcement channel (mentioned there once, the bot can post to it).
  if (turn.isPersonal || (turn.services.cfg.announce.channelId && turn.refKey === conversationKey(turn.services.cfg.announce.channelId))) await rememberConversation(turn);
  // Clients without Universal Actions send the Action.Submit fallback as a message with a value: the
  // verb and the data flat, with the inputs merged in (cards.ts); `{ verb, data }` is accepted too.
  const value = a.value as { verb?: unknown; data?: unknown } | undefined;
  if (value && typeof value === 'object' && typeof value.verb === 'string') {
    const nested = Object.keys(value).every((k) => k === 'verb' || k === 'data') && value.data && typeof value.data === 'object';
    const { verb: _verb, ...flat } = value as Record<string, unknown>;
    const data = nested ? (value.data as Record<string, unknown>) : flat;
    return onCardAction(turn, value.verb, data);
  }
  const text = typeof a.text === 'string' ? a.text : '';
  // A reply in a ticket's thread in the queue channel goes to the requester.
  const threadRoot = turn.threadRoot;
  if (threadRoot) {
    // Only exact commands are commands here: anything else an engineer writes is for the requester.
    const intent = recognize(text, { prefix: turn.services.cfg.radicadoPrefix, year: bogotaYear(turn.services.clock.now()), commandsOnly: true });
    if (intent.kind === 'unknown' && (await queue.threadMessage(turn, threadRoot))) return;
  }
  const intent = recognize(text, { prefix: turn.services.cfg.radicadoPrefix, year: bogotaYear(turn.services.clock.now()) });
  return onIntent(turn, intent as IntentOf<Intent['kind']>, text);
}

export const ROUTES: Route[] = [
  { name: 'installed', when: botAdded, run: onInstalled },
  {
    name: 'card-action',
    when: isCardAction,
    run: async (turn) => {
      const parsed = actionShape.safeParse(turn.activity.value);
      if (!parsed.success) return turn.notice(turn.messages.invalidAction, { color: 'Attention' });
      return onCardAction(turn, parsed.data.action.verb, parsed.data.action.data ?? {});
    },
  },
  { name: 'files', when: attachments.hasFiles, run: attachments.onFiles },
  { name: 'message', when: isMessage, run: onMessage },
  { name: 'file-consent', when: fileOffer.isFileConsent, run: fileOffer.onFileConsent },
  { name: 'extension-query', when: extension.isExtensionInvoke('composeExtension/query'), run: extension.onQuery },
  { name: 'extension-select', when: extension.isExtensionInvoke('composeExtension/selectItem'), run: extension.onSelectItem },
  { name: 'extension-fetch-task', when: extension.isExtensionInvoke('composeExtension/fetchTask'), run: extension.onFetchTask },
  { name: 'extension-submit', when: extension.isExtensionInvoke('composeExtension/submitAction'), run: (turn) => extension.onSubmitAction(turn, onCardAction) },
  {
    name: 'sso-signin',
    when: isSigninInvoke,
    run: async (turn) => {
      if (turn.services.sso) return turn.services.sso.onSigninInvoke(turn);
      await turn.ctx.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 404 } });
    },
  },
];

/** Runs one turn through the routing table and answers card actions with the resulting card. */
export function createBot(services: Services) {
  return async (context: TurnContext): Promise<void> => {
    services.replies.attach(context);
    const turn = new Turn(context, services);
    await turn.recallLocale();
    const route = ROUTES.find((r) => r.when(context.activity));
    if (route) await route.run(turn);
    if (turn.isCardAction) {
      const r = turn.invokeResult;
      const body = !r
        ? { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: turn.messages.invalidAction }
        : 'card' in r
          ? { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: r.card }
          : { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: r.message };
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
    } else if (context.activity.type === ActivityTypes.Invoke && !route) {
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 501 } });
    }
  };
}
