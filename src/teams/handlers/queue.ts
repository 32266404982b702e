/**
 * The support engineers' side, in the support team's channel or in personal chat: register the
 * queue, see it in arrival order, take the next ticket, act on a ticket's card, reply in its thread.
 * Every permission is re-checked on the server by the state machine.
 */
import { TeamsInfo } from 'botbuilder';
import { z } from 'zod';
import type { Ticket } from '../../domain/tickets/model';
import type { ActionOutcome } from '../../domain/tickets/service';
import { pick } from '../../domain/types';
import { matchCategory } from '../../domain/catalog/match-category';
import { cleanText } from '../../domain/phrases';
import { escapeMarkdown } from '../cards';
import { formatCount } from '../../i18n';
import type { Turn } from '../turn';
import { explainOutcome, outcomeText, replyProblem } from './tickets';
import { rememberConversation } from './welcome';
import { callerOf, ticketFor } from '../gate';
import { queueCard as renderQueueCard, queueEngineers } from '../render/queue-card';
import { GENERAL_QUEUE } from '../../domain/tickets/model';

function teamIdOf(turn: Turn): string | undefined {
  const cd = turn.activity.channelData as { team?: { id?: string } } | undefined;
  return typeof cd?.team?.id === 'string' ? cd.team.id : undefined;
}

function channelIdOf(turn: Turn): string {
  const cd = turn.activity.channelData as { channel?: { id?: string } } | undefined;
  return (typeof cd?.channel?.id === 'string' ? cd.channel.id : undefined) ?? turn.activity.conversation.id.split(';')[0];
}

/** "registrar cola [categoría]": a supervisor makes this channel a support queue. */
export async function registerQueue(turn: Turn, categoryText?: string): Promise<void> {
  const user = await turn.user();
  if (!turn.isChannel) {
    await turn.notice(turn.messages.queueRegisterOnlyChannel);
    return;
  }
  let categoryId: string | null = null;
  let categoryName = '';
  if (categoryText) {
    // A unique prefix of a word is enough ("correo", "cuentas"); otherwise the supervisor chooses.
    const categories = turn.services.catalog.catalog.categories;
    const match = matchCategory(categoryText, categories);
    if (match.kind !== 'one') {
      const options = match.kind === 'many' ? match.candidates : categories;
      await turn.notice(turn.text(match.kind === 'many' ? 'queueCategoryWhich' : 'queueCategoryUnknown', { text: escapeMarkdown(categoryText, 80) }), {
        color: match.kind === 'many' ? 'Default' : 'Attention',
        actions: options.map((c) => ({ title: pick(c.name, turn.locale).slice(0, 80), verb: 'queue.register', data: { categoryId: c.id } })),
      });
      return;
    }
    categoryId = match.category.id;
    categoryName = pick(match.category.name, turn.locale);
  }
  const channelId = channelIdOf(turn);
  const teamId = teamIdOf(turn) ?? channelId;
  await rememberConversation(turn);
  await turn.services.queues.register({ tenantId: turn.tenantId, teamId, channelId, categoryId, registeredBy: user.oid });
  await syncRoster(turn, teamId);
  await turn.ctx.sendActivity(turn.text('queueRegistered', { category: categoryName ? ` (${categoryName})` : '' }));
  turn.services.log.info({ teamId, categoryId, by: user.oid }, 'support queue registered');
}

/** The category chosen on the "which category?" card: registered like the typed command. */
export async function registerChosenQueue(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const cat = turn.services.catalog.catalog.categories.find((c) => c.id === data.categoryId);
  if (!cat) return turn.notice(turn.messages.invalidAction, { color: 'Attention' });
  return registerQueue(turn, cat.id);
}

/** Reads the team's members (paged) so engineers are recognised and see the card's buttons. */
async function syncRoster(turn: Turn, teamId: string): Promise<void> {
  try {
    const members: { teamId: string; oid: string; userId: string; name: string }[] = [];
    let token: string | undefined;
    do {
      const page = await TeamsInfo.getPagedTeamMembers(turn.ctx, teamId, 500, token);
      for (const m of page.members) if (m.aadObjectId) members.push({ teamId, oid: m.aadObjectId, userId: m.id, name: m.name ?? '' });
      token = page.continuationToken;
    } while (token);
    await turn.services.members.replace(teamId, members, turn.services.clock.now());
  } catch (err) {
    turn.services.log.warn({ err: (err as Error).message, teamId }, 'could not read the team roster');
  }
}

/**
 * Categories whose tickets this view lists and hands out; null = all. In a queue channel, that
 * channel's queues (a general queue: every category without a dedicated queue elsewhere); for the
 * caller, the queues of their teams (supervisors: all). Both apply.
 */
async function scopeOf(turn: Turn): Promise<string[] | null> {
  const all = turn.services.catalog.catalog.categories.map((c) => c.id);
  const served = categoriesOf(await turn.services.access.servedScope(await callerOf(turn)), all);
  if (!turn.isChannel) return served;
  const queues = await turn.services.queues.list();
  const here = queues.filter((q) => q.channelId === channelIdOf(turn));
  if (!here.length) return served;
  const elsewhere = queues.filter((q) => q.channelId !== channelIdOf(turn) && q.categoryId !== null).map((q) => q.categoryId!);
  const channel = here.some((q) => q.categoryId === null) ? all.filter((c) => !elsewhere.includes(c) || here.some((q) => q.categoryId === c)) : here.map((q) => q.categoryId!);
  return served === null ? channel : channel.filter((c) => served.includes(c));
}

function categoriesOf(scope: { include: string[] } | { exclude: string[] } | null, all: string[]): string[] | null {
  if (scope === null) return null;
  return 'include' in scope ? scope.include : all.filter((c) => !scope.exclude.includes(c));
}

export async function showQueue(turn: Turn): Promise<void> {
  const now = turn.services.clock.now();
  const scope = await scopeOf(turn);
  const { items, total, totalCapped } = scope && !scope.length ? { items: [], total: 0, totalCapped: false } : await turn.services.tickets.listOpen({ limit: 15, tenantId: turn.tenantId, categoryIds: scope });
  await turn.show(
    turn.card('queue-list', {
      title: totalCapped ? turn.text('queueTitleMany', { n: formatCount(total, turn.locale) }) : turn.text('queueTitle', { n: total }),
      items: items.map((t, i) => turn.services.views.listItem(t, i + 1, turn.locale, now)),
    }),
  );
}

/**
 * "siguiente": the oldest waiting ticket goes to the caller. Imported cases of the previous service
 * desk are not handed out (they follow that system's flow); "tomar <radicado>" still takes one.
 */
export async function takeNext(turn: Turn): Promise<void> {
  const scope = await scopeOf(turn);
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = scope && !scope.length ? null : await turn.services.tickets.oldestWaiting(turn.tenantId, scope);
    // The gate's rule once more, on the ticket itself: only staff of its queue may take it.
    const next = found && (await turn.services.access.allows(await callerOf(turn), found, 'staff')) ? found : null;
    if (!next) {
      await turn.notice(turn.messages.nextNone);
      return;
    }
    const out = await turn.services.tickets.take(next, await turn.actor());
    if (out.ok) return showTaken(turn, out.ticket);
    // Someone else took it in the same instant: try the next one.
  }
  await turn.notice(turn.messages.nextNone);
}

/** The engineer's view of the case they just took: the queue card with what they can do next. */
async function showTaken(turn: Turn, ticket: Ticket): Promise<void> {
  if (turn.isCardAction && turn.isChannel) {
    await turn.show(await queueCard(turn, ticket));
    return;
  }
  if (!turn.isCardAction) await turn.ctx.sendActivity(turn.text('taken', { radicado: ticket.radicado }));
  await turn.show(await queueCard(turn, ticket));
  if (turn.isCardAction) await turn.ctx.sendActivity(turn.text('taken', { radicado: ticket.radicado }));
}

/**
 * The queue card as the caller sees it: only the actions they may take; `notice` (an error or a
 * refusal) is shown on the card, which keeps its inputs (with what was typed) and buttons.
 */
export async function queueCard(turn: Turn, ticket: Ticket, notice = '', typed: { message?: string; resolutionNote?: string } = {}) {
  const caller = await callerOf(turn);
  const viewer = { oid: caller.oid, supervisor: caller.roles.includes('supervisor'), staff: await turn.services.access.isStaffOf(caller, ticket) };
  return renderQueueCard(turn.services, ticket, turn.locale, { viewer, notice, typed });
}

/** An action on the queue card did not apply: the same card, current, with the reason on it. */
async function refuseOnCard(turn: Turn, ticket: Ticket, text: string, data: Record<string, unknown> = {}): Promise<void> {
  if (!turn.isCardAction) {
    await turn.notice(text, { color: 'Attention' });
    return;
  }
  const fresh = (await turn.services.access.resolve(await callerOf(turn), { id: ticket.id }, 'staff')) ?? ticket;
  // Typed text comes back whole (up to twice the limit), so a person can cut it rather than retype it.
  const typed = (v: unknown) => (typeof v === 'string' ? v.slice(0, 2 * NOTE_MAX) : undefined);
  await turn.show(await queueCard(turn, fresh, text, { message: typed(data.message), resolutionNote: typed(data.resolutionNote) }));
}


const oid = z.string().min(1).max(100);

/** "Asignar a…": a supervisor gives the ticket to an engineer of the queue's team. */
export async function assignTicket(turn: Turn, ticket: Ticket, data: Record<string, unknown>): Promise<void> {
  const wanted = oid.safeParse(data.assignTo);
  const engineer = wanted.success ? (await queueEngineers(turn.services, ticket)).find((m) => m.oid === wanted.data) : undefined;
  if (!engineer) return refuseOnCard(turn, ticket, turn.messages.assignChooseEngineer);
  const out = await turn.services.tickets.assign(ticket, await turn.actor(), { oid: engineer.oid, name: engineer.name });
  if (!out.ok) return refuseOnCard(turn, out.ticket, outcomeText(turn, out));
  await turn.show(await queueCard(turn, out.ticket));
}

/** "Tomar" (button or "tomar <radicado>"); the gate has checked the caller is staff of its queue. */
export async function takeTicket(turn: Turn, ticket: Ticket): Promise<void> {
  const out = await turn.services.tickets.take(ticket, await turn.actor());
  if (!out.ok) return refuseOnCard(turn, out.ticket, outcomeText(turn, out));
  await showTaken(turn, out.ticket);
}

const NOTE_MAX = 4000;
const note = z.string().transform((s) => s.trim()).pipe(z.string().min(1).max(NOTE_MAX));

/** Buttons on the queue card: reply, in progress, waiting for user, resolve (with a note). */
export async function cardAction(turn: Turn, verb: 'reply' | 'start' | 'wait' | 'resolve', ticket: Ticket, data: Record<string, unknown>): Promise<void> {
  const actor = await turn.actor();
  let out: ActionOutcome;
  if (verb === 'reply' || verb === 'resolve') {
    // "Resolver" has its own note input; "Responder" sends the reply box.
    const text = note.safeParse(verb === 'resolve' ? data.resolutionNote : data.message);
    if (!text.success) {
      const typed = verb === 'resolve' ? data.resolutionNote : data.message;
      const tooLong = typeof typed === 'string' && typed.trim().length > NOTE_MAX;
      return refuseOnCard(turn, ticket, verb === 'resolve' && !tooLong ? turn.messages.noteRequired : replyProblem(turn, typeof typed === 'string' ? typed : '', NOTE_MAX), data);
    }
    out = verb === 'reply' ? await turn.services.tickets.reply(ticket, actor, text.data) : await turn.services.tickets.setStatus(ticket, 'resolve', actor, text.data);
  } else {
    out = await turn.services.tickets.setStatus(ticket, verb, actor);
  }
  if (!out.ok) return refuseOnCard(turn, out.ticket, outcomeText(turn, out), data);
  // A major incident's master resolved: its linked tickets are resolved with it (the rest, if many, by the periodic pass).
  if (verb === 'resolve') await turn.services.incidents.settle(out.ticket, actor);
  await turn.show(await queueCard(turn, out.ticket));
}

/** A message typed in a ticket's thread in the queue channel: relayed to the requester. */
export async function threadMessage(turn: Turn, rootActivityId: string): Promise<boolean> {
  // Not staff of the ticket's queue: as if the thread were not a ticket's (the message is read as a command).
  const ticket = await turn.services.access.resolve(await callerOf(turn), { queueActivityId: rootActivityId }, 'staff');
  if (!ticket) return false;
  const text = cleanText(turn.activity.text ?? '').trim();
  if (!text) return true;
  const out = await turn.services.tickets.reply(ticket, await turn.actor(), text.slice(0, 4000));
  if (!out.ok) await explainOutcome(turn, out);
  return true;
}

/** Universal Actions refresh of the queue card, for the staff of its queue (the gate checked). */
export async function refreshQueueCard(turn: Turn, ticket: Ticket): Promise<void> {
  await turn.show(await queueCard(turn, ticket));
}

const GENERAL_WORDS = /^(?:la |el |the )?(?:general|cola general|general queue|mesa general|primer nivel)$/i;

/** The queue a category routes to, by name: the catalog category's, or the general queue's. */
export function queueName(turn: Turn, queueCategoryId: string): string {
  return turn.services.views.queueName(queueCategoryId, turn.locale);
}

/**
 * "mover a cola correo" in a case's thread, or "mover MDA-2026-000123 a la cola general" anywhere
 * (staff of the case's queue). Without a queue, or with an ambiguous one, a card lists the queues.
 */
export async function moveToQueue(turn: Turn, intent: { radicado?: string; queue?: string }): Promise<void> {
  const root = turn.threadRoot;
  if (!intent.radicado && !root) return turn.notice(turn.messages.moveQueueUsage);
  const ticket = await ticketFor(turn, intent.radicado ? { radicado: intent.radicado } : { queueActivityId: root! }, 'staff');
  if (!ticket) return;
  const queues = (await turn.services.queues.list()).filter((q) => q.tenantId === ticket.tenantId || !q.tenantId);
  let target: string | undefined;
  if (intent.queue && GENERAL_WORDS.test(intent.queue.trim())) target = GENERAL_QUEUE;
  else if (intent.queue) {
    const match = matchCategory(intent.queue, turn.services.catalog.catalog.categories);
    if (match.kind === 'one') target = match.category.id;
  }
  if (!target) {
    // Every registered queue but the one that has it: the supervisor or engineer chooses.
    const current = await turn.services.queues.forCategory(ticket.queueCategoryId);
    const options = queues.filter((q) => q.id !== current?.id).map((q) => q.categoryId ?? GENERAL_QUEUE);
    const text = intent.queue ? turn.text('moveQueueWhich', { text: escapeMarkdown(intent.queue, 80), radicado: ticket.radicado }) : turn.text('moveQueueChoose', { radicado: ticket.radicado });
    if (!options.length) return turn.notice(turn.text('moveQueueNone', { radicado: ticket.radicado }), { color: 'Attention' });
    await turn.notice(text, {
      actions: options.map((c) => ({ title: queueName(turn, c).slice(0, 80), verb: 'queue.move', data: { ticketId: ticket.id, queueCategoryId: c } })),
    });
    return;
  }
  return moveTo(turn, ticket, target);
}

/** The queue chosen on the "which queue?" card (validated again: it is card data). */
export async function moveChosen(turn: Turn, ticket: Ticket, data: Record<string, unknown>): Promise<void> {
  const wanted = data.queueCategoryId;
  const valid = wanted === GENERAL_QUEUE || turn.services.catalog.catalog.categories.some((c) => c.id === wanted);
  if (typeof wanted !== 'string' || !valid) return turn.notice(turn.messages.invalidAction, { color: 'Attention' });
  return moveTo(turn, ticket, wanted);
}

async function moveTo(turn: Turn, ticket: Ticket, queueCategoryId: string): Promise<void> {
  const name = escapeMarkdown(queueName(turn, queueCategoryId), 120);
  if (!(await turn.services.queues.forCategory(queueCategoryId))) return turn.notice(turn.text('moveQueueNone', { radicado: ticket.radicado }), { color: 'Attention' });
  const out = await turn.services.tickets.moveToQueue(ticket, await turn.actor(), queueCategoryId);
  if (out.ok) return turn.notice(turn.text('moveQueueDone', { radicado: ticket.radicado, queue: name }), { color: 'Good' });
  if (out.reason === 'same_queue') return turn.notice(turn.text('moveQueueSame', { radicado: ticket.radicado, queue: name }));
  return turn.notice(outcomeText(turn, out), { color: 'Attention' });
}
