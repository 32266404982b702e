/**
 * The routing table: each route is a predicate on the activity and a handler. The first match wins.
 * No business logic here.
 */
import { ActivityTypes, type Activity } from 'botbuilder';
import { z } from 'zod';
import { recognize, type Intent } from '../domain/phrases';
import { bogotaYear } from '../domain/tickets/radicado';
import * as attachments from './handlers/attachments';
import * as catalog from './handlers/catalog';
import * as personalData from './handlers/personal-data';
import * as queue from './handlers/queue';
import * as reports from './handlers/reports';
import { submitSurvey } from './handlers/survey';
import * as tickets from './handlers/tickets';
import { onInstalled, rememberConversation, sendHelp, sendNotUnderstood, sendWelcome } from './handlers/welcome';
import { isSigninInvoke } from './sso';
import { Services, Turn, TurnContext } from './turn';

type Route = { name: string; when: (a: Activity) => boolean; run: (turn: Turn) => Promise<void> };

const botAdded = (a: Activity) =>
  (a.type === ActivityTypes.ConversationUpdate && (a.membersAdded ?? []).some((m) => m.id === a.recipient?.id)) ||
  (a.type === ActivityTypes.InstallationUpdate && (a.action ?? '').startsWith('add'));

const isCardAction = (a: Activity) => a.type === ActivityTypes.Invoke && a.name === 'adaptiveCard/action';
const isMessage = (a: Activity) => a.type === ActivityTypes.Message;

/** Card actions by verb. `data` is untrusted: every handler re-validates what it uses. */
const VERBS: Record<string, (turn: Turn, data: Record<string, unknown>) => Promise<void>> = {
  help: (turn) => sendHelp(turn),
  'catalog.categories': (turn) => catalog.showCategories(turn),
  'catalog.services': catalog.showServices,
  'catalog.templates': catalog.showTemplates,
  'catalog.all': catalog.showAllTemplates,
  'catalog.form': catalog.showForm,
  'ticket.submit': catalog.submitForm,
  'tickets.mine': tickets.showMine,
  'ticket.status': (turn, d) => tickets.showStatus(turn, { id: d.ticketId }),
  'ticket.refresh': tickets.refreshCard,
  'ticket.addToExisting': catalog.addToExisting,
  'ticket.reply': tickets.requesterReply,
  'ticket.confirm': (turn, d) => tickets.requesterAction(turn, 'confirm', d),
  'ticket.reopen': (turn, d) => tickets.requesterAction(turn, 'reopen', d),
  'ticket.cancel': (turn, d) => tickets.requesterAction(turn, 'cancel', d),
  'queue.show': (turn) => queue.showQueue(turn),
  'queue.next': (turn) => queue.takeNext(turn),
  'queue.take': (turn, d) => queue.takeTicket(turn, { id: d.ticketId }),
  'queue.reply': (turn, d) => queue.cardAction(turn, 'reply', d),
  'queue.start': (turn, d) => queue.cardAction(turn, 'start', d),
  'queue.wait': (turn, d) => queue.cardAction(turn, 'wait', d),
  'queue.resolve': (turn, d) => queue.cardAction(turn, 'resolve', d),
  'queue.assign': queue.assignTicket,
  'queue.refresh': queue.refreshQueueCard,
  'privacy.anonymise': personalData.confirmAnonymise,
  'survey.submit': submitSurvey,
  'attachment.link': attachments.linkChosen,
  'attachment.send': attachments.sendToMe,
};

const actionShape = z.object({
  action: z.object({ verb: z.string().max(64), data: z.record(z.unknown()).optional() }).passthrough(),
});

async function onCardAction(turn: Turn, verb: string, data: Record<string, unknown>): Promise<void> {
  const handler = Object.prototype.hasOwnProperty.call(VERBS, verb) ? VERBS[verb] : undefined;
  if (!handler) {
    turn.s.log.warn({ verb: verb.slice(0, 64) }, 'unknown card verb');
    await turn.notice(turn.m.invalidAction, { color: 'Attention' });
    return;
  }
  await handler(turn, data);
}

/** Intents from plain text. */
async function onIntent(turn: Turn, intent: Intent, rawText: string): Promise<void> {
  switch (intent.kind) {
    case 'greeting':
      return sendWelcome(turn);
    case 'help':
      return sendHelp(turn);
    case 'new_request':
      return catalog.showCategories(turn);
    case 'my_tickets':
      return tickets.showMine(turn);
    case 'status':
      return tickets.showStatus(turn, { radicado: intent.radicado });
    case 'status_missing':
      return tickets.statusOfLegacy(turn, rawText);
    case 'take':
      return intent.radicado ? queue.takeTicket(turn, { radicado: intent.radicado }) : queue.showQueue(turn);
    case 'queue':
      return queue.showQueue(turn);
    case 'next':
      return queue.takeNext(turn);
    case 'register_queue':
      return queue.registerQueue(turn, intent.category);
    case 'cancel': {
      if (!intent.radicado) return turn.notice(turn.m.statusMissing);
      const t = await turn.s.ticketRepo.getByRadicado(intent.radicado);
      return tickets.requesterAction(turn, 'cancel', { ticketId: t?.id ?? 0 });
    }
    case 'metrics':
      return reports.showMetrics(turn);
    case 'export_person':
      return personalData.exportPerson(turn, intent.who);
    case 'anonymise_person':
      return personalData.askAnonymise(turn, intent.who);
    case 'export':
      return reports.exportTickets(turn, intent.from, intent.to);
    case 'unknown':
      if (turn.isPersonal && rawText.trim() && (await tickets.requesterFreeText(turn, rawText.trim()))) return;
      return sendNotUnderstood(turn);
  }
}

async function onMessage(turn: Turn): Promise<void> {
  const a = turn.activity;
  if (turn.isPersonal) await rememberConversation(turn);
  // Older clients send Action.Submit as a message with a value.
  const value = a.value as { verb?: unknown; data?: unknown } | undefined;
  if (value && typeof value === 'object' && typeof value.verb === 'string') {
    const data = value.data && typeof value.data === 'object' ? (value.data as Record<string, unknown>) : (value as Record<string, unknown>);
    return onCardAction(turn, value.verb, data);
  }
  const text = typeof a.text === 'string' ? a.text : '';
  // A reply in a ticket's thread in the queue channel goes to the requester.
  const threadRoot = /;messageid=(\d+|[^;]+)$/.exec(a.conversation.id)?.[1];
  if (turn.isChannel && threadRoot && threadRoot !== a.id) {
    const intent = recognize(text, { prefix: turn.s.cfg.radicadoPrefix, year: bogotaYear(turn.s.clock.now()) });
    if (intent.kind === 'unknown' && (await queue.threadMessage(turn, threadRoot))) return;
  }
  const intent = recognize(text, { prefix: turn.s.cfg.radicadoPrefix, year: bogotaYear(turn.s.clock.now()) });
  return onIntent(turn, intent, text);
}

export const ROUTES: Route[] = [
  { name: 'installed', when: botAdded, run: onInstalled },
  {
    name: 'card-action',
    when: isCardAction,
    run: async (turn) => {
      const parsed = actionShape.safeParse(turn.activity.value);
      if (!parsed.success) return turn.notice(turn.m.invalidAction, { color: 'Attention' });
      return onCardAction(turn, parsed.data.action.verb, parsed.data.action.data ?? {});
    },
  },
  { name: 'files', when: attachments.hasFiles, run: attachments.onFiles },
  { name: 'message', when: isMessage, run: onMessage },
  { name: 'file-consent', when: attachments.isFileConsent, run: attachments.onFileConsent },
  {
    name: 'sso-signin',
    when: isSigninInvoke,
    run: async (turn) => {
      if (turn.s.sso) return turn.s.sso.onSigninInvoke(turn);
      await turn.ctx.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 404 } });
    },
  },
];

/** Runs one turn through the routing table and answers card actions with the resulting card. */
export function createBot(services: Services) {
  return async (context: TurnContext): Promise<void> => {
    const turn = new Turn(context, services);
    const route = ROUTES.find((r) => r.when(context.activity));
    if (route) await route.run(turn);
    if (turn.isCardAction) {
      const r = turn.invokeResult;
      const body = !r
        ? { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: turn.m.invalidAction }
        : 'card' in r
          ? { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: r.card }
          : { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: r.message };
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
    } else if (context.activity.type === ActivityTypes.Invoke && !route) {
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 501 } });
    }
  };
}
