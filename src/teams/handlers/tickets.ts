/**
 * The requester's side: "estado del radicado X", "mis casos", reply, confirm, reopen, cancel.
 * Each receives its ticket from the authorisation gate (gate.ts, rules in bot.ts): anyone who may
 * not see it has had exactly the answer for a ticket that does not exist.
 */
import { z } from 'zod';
import type { Ticket } from '../../domain/tickets/model';
import { ACTIVE_STATUSES, OPEN_STATUSES } from '../../domain/tickets/model';
import type { ActionOutcome } from '../../domain/tickets/service';
import { findRadicadoIn } from '../../domain/attachments';
import { legacyRadicadoCandidates } from '../../domain/legacy-import';
import { bogotaYear } from '../../domain/tickets/radicado';
import { formatDateTime } from '../../i18n';
import { escapeMarkdown, plainText } from '../cards';
import type { Turn } from '../turn';
import { mainActions } from '../turn';
import { callerOf, notFound } from '../gate';
import { statusText } from '../render/format';

const PAGE_SIZE = 5;

/** The status card of a ticket the gate let the caller see. */
export async function showStatus(turn: Turn, ticket: Ticket): Promise<void> {
  await turn.show(await statusCard(turn, ticket));
}

/** The status card; the requester's own refreshes itself (Universal Actions) while the ticket is open. */
async function statusCard(turn: Turn, ticket: Ticket, notice?: { text: string; error?: boolean; typed?: string }) {
  return turn.card('ticket-status', await turn.services.views.status(ticket, turn.locale, turn.oid, { viewerUserId: turn.activity.from?.id, notice }));
}

/**
 * Universal Actions `refresh` (verb ticket.refresh) of a confirmation or status card: the same view
 * with the current status, position and estimate. Visibility is checked as for any lookup; automatic
 * refreshes do not count against the lookup limit (they carry an id, never a guessed radicado).
 */
export async function refreshCard(turn: Turn, ticket: Ticket, data: Record<string, unknown>): Promise<void> {
  if (data.view === 'created' && ticket.requester.oid === turn.oid) {
    const userId = turn.activity.from?.id;
    await turn.show(turn.card('ticket-created', await turn.services.views.created(ticket, turn.locale, { refreshUserIds: userId ? [userId] : [] })));
    return;
  }
  await turn.show(await statusCard(turn, ticket));
}

/**
 * A status question without a radicado in the bot's format. "estado del radicado X" with X in
 * another format: an imported radicado of the previous service desk is looked up as written. With
 * no such word ("¿en qué va mi caso?"): the caller's open cases (see {@link showOpenCases}).
 */
export async function statusOfLegacy(turn: Turn, rawText: string): Promise<void> {
  // Imported radicados carry letters ("PN-48213"); digits alone are phones, dates or the year.
  const candidates = legacyRadicadoCandidates(rawText).filter((c) => /[A-Z]/.test(c));
  if (!candidates.length) return showOpenCases(turn);
  if (!turn.services.lookups.try(turn.oid)) return turn.notice(turn.messages.rateLimitedLookups, { color: 'Attention' });
  const caller = await callerOf(turn);
  for (const candidate of candidates) {
    const found = await turn.services.access.resolve(caller, { radicado: candidate }, 'viewer');
    if (found?.imported) return showStatus(turn, found);
  }
  // Same answer as for any radicado one may not see or that does not exist.
  return notFound(turn, { radicado: candidates[candidates.length - 1] });
}

/** Open cases offered as buttons when a status question names none; more go to "Mis casos". */
const OPEN_CHOICES = 5;

/**
 * "¿En qué va mi caso?" in the personal chat: the status card of the caller's one open case, a
 * button for each of several, or, with none, what they can do instead. In a channel nobody's list is
 * shown: it asks for the number.
 */
export async function showOpenCases(turn: Turn): Promise<void> {
  if (!turn.isPersonal) return turn.notice(turn.messages.statusMissing);
  const { items } = await turn.services.tickets.listByRequester(turn.oid, { limit: 50 });
  // A request awaiting approval is one of their cases in progress too.
  const open = items.filter((t) => t.tenantId === turn.tenantId && ACTIVE_STATUSES.includes(t.status));
  if (open.length === 0) return turn.notice(turn.messages.noOpenCases, { actions: mainActions(turn) });
  if (open.length === 1) return showStatus(turn, open[0]);
  const actions: { title: string; verb: string; data: object }[] = open.slice(0, OPEN_CHOICES).map((t) => ({
    title: plainText(`${t.radicado} · ${turn.services.views.names(t, turn.locale).service}`, 80),
    verb: 'ticket.status',
    data: { ticketId: t.id },
  }));
  if (open.length > OPEN_CHOICES) actions.push({ title: turn.messages.btnMyTickets, verb: 'tickets.mine', data: { page: 0 } });
  await turn.notice(turn.text('whichOpenCase', { n: open.length }), { actions });
}

export async function showMine(turn: Turn, data: Record<string, unknown> = {}): Promise<void> {
  const page = z.coerce.number().int().min(0).max(10_000).catch(0).parse(data.page ?? 0);
  const { items, total } = await turn.services.tickets.listByRequester(turn.oid, { limit: PAGE_SIZE, offset: page * PAGE_SIZE });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  await turn.show(
    turn.card('my-tickets', {
      items: items.map((t) => ({
        ticketId: t.id,
        radicado: t.radicado,
        service: escapeMarkdown(turn.services.views.names(t, turn.locale).service),
        statusText: statusText(t.status, turn.locale),
        updated: formatDateTime(t.updatedAt, turn.locale),
        open: ACTIVE_STATUSES.includes(t.status),
      })),
      pageText: total > PAGE_SIZE ? turn.text('pageOf', { page: page + 1, pages }) : '',
      hasMore: (page + 1) * PAGE_SIZE < total,
      nextPage: page + 1,
    }),
  );
}

/** Tells the caller why an action did not apply, in words. */
export async function explainOutcome(turn: Turn, out: ActionOutcome): Promise<void> {
  if (out.ok) return;
  await turn.notice(outcomeText(turn, out), { color: 'Attention' });
}

/** A requester's button that could not apply: the same status card, current, with why on it. */
async function refuseOnStatusCard(turn: Turn, out: Extract<ActionOutcome, { ok: false }>, typed?: string): Promise<void> {
  if (!turn.isCardAction) return explainOutcome(turn, out);
  await turn.show(await statusCard(turn, out.ticket, { text: outcomeText(turn, out), error: true, typed }));
}

/** Why an action did not apply, in the caller's words. */
export function outcomeText(turn: Turn, out: Extract<ActionOutcome, { ok: false }>): string {
  const vars = { radicado: out.ticket.radicado, status: statusText(out.ticket.status, turn.locale), name: escapeMarkdown(out.holder ?? '') };
  const key =
    out.reason === 'taken' ? 'takenBy' : out.reason === 'forbidden' ? 'forbiddenAction' : out.reason === 'conflict' ? 'conflict' : 'invalidState';
  return turn.text(key, vars);
}

const REPLY_MAX = 4000;
const message = z.string().transform((s) => s.replace(/\r\n/g, '\n').trim()).pipe(z.string().min(1).max(REPLY_MAX));

/** Why a typed reply cannot be sent: empty, or how much to cut. */
export function replyProblem(turn: Turn, typed: string, max: number): string {
  const length = typed.replace(/\r\n/g, '\n').trim().length;
  return length > max ? turn.text(length - max === 1 ? 'replyTooLongOne' : 'replyTooLong', { over: length - max, max }) : turn.messages.replyEmpty;
}

/** The requester's reply from a card: stored, relayed to the ticket's thread. */
export async function requesterReply(turn: Turn, ticket: Ticket, data: Record<string, unknown>): Promise<void> {
  const text = message.safeParse(data.message);
  if (!text.success) {
    // The same card again, with the message on it and whatever was typed.
    const typed = typeof data.message === 'string' ? data.message.slice(0, 2 * REPLY_MAX) : '';
    await turn.show(await statusCard(turn, ticket, { text: replyProblem(turn, typed, REPLY_MAX), error: true, typed }));
    return;
  }
  const out = await turn.services.tickets.reply(ticket, await turn.actor(), text.data);
  if (!out.ok) return refuseOnStatusCard(turn, out, text.data);
  await turn.show(await statusCard(turn, out.ticket));
}

/** "MDA-2026-000002 es una HP del piso 3": said to the requester's own open case; else its status. */
export async function remarkOrStatus(turn: Turn, ticket: Ticket, text: string): Promise<void> {
  if (ticket.requester.oid === turn.oid && (await requesterFreeText(turn, text))) return;
  await showStatus(turn, ticket);
}

/**
 * Plain text from a requester: goes to the case it names by radicado (one of their open cases),
 * else to the only case in conversation; with several, a card asks which and sends the text with
 * one click (the words are kept on the buttons). False when it is not for any case.
 */
export async function requesterFreeText(turn: Turn, text: string): Promise<boolean> {
  const { items } = await turn.services.tickets.listByRequester(turn.oid, { limit: 20 });
  const mine = items.filter((t) => t.tenantId === turn.tenantId && (OPEN_STATUSES.includes(t.status) || t.status === 'resolved'));
  const named = findRadicadoIn(text, { prefix: turn.services.cfg.radicadoPrefix, year: bogotaYear(turn.services.clock.now()) });
  const byRadicado = named ? mine.find((t) => t.radicado === named) : undefined;
  // It names a case that is not one of theirs in conversation: never send it to another one.
  if (named && !byRadicado) return false;
  const talking = mine.filter((t) => t.assignee && ['assigned', 'in_progress', 'waiting_user'].includes(t.status));
  const target = byRadicado ?? (talking.length === 1 ? talking[0] : undefined);
  if (!target) {
    if (talking.length > 1) {
      const kept = text.slice(0, 4000);
      await turn.notice(turn.text('whichTicketKeep', { text: escapeMarkdown(kept, 300) }), {
        actions: talking.slice(0, 5).map((t) => ({
          title: `${t.radicado} · ${turn.services.views.names(t, turn.locale).service}`.slice(0, 80),
          verb: 'ticket.reply',
          data: { ticketId: t.id, message: kept },
        })),
      });
      return true;
    }
    return false;
  }
  const out = await turn.services.tickets.reply(target, await turn.actor(), text.slice(0, 4000));
  if (!out.ok) {
    await explainOutcome(turn, out);
    return true;
  }
  await turn.ctx.sendActivity(turn.text('replySent', { radicado: out.ticket.radicado }));
  return true;
}

const reopenReason = z.string().transform((s) => s.replace(/\r\n/g, '\n').trim()).pipe(z.string().min(1).max(2000));

export async function requesterAction(turn: Turn, verb: 'confirm' | 'reopen' | 'cancel', ticket: Ticket, data: Record<string, unknown> = {}): Promise<void> {
  const actor = await turn.actor();
  let reason: string | undefined;
  if (verb === 'reopen') {
    // Reopening asks why: the engineer is told, with the reason.
    const parsed = reopenReason.safeParse(data.reopenReason);
    if (!parsed.success) {
      const typed = typeof data.reopenReason === 'string' ? data.reopenReason.slice(0, 2000) : '';
      await turn.show(
        turn.card('reopen', {
          ticketId: ticket.id,
          radicado: ticket.radicado,
          prompt: turn.text('reopenPrompt', { radicado: ticket.radicado }),
          error: 'reopenReason' in data ? turn.messages.reopenReasonRequired : '',
          reason: typed,
        }),
      );
      return;
    }
    reason = parsed.data;
  }
  const out =
    verb === 'confirm' ? await turn.services.tickets.confirm(ticket, actor) : verb === 'reopen' ? await turn.services.tickets.reopen(ticket, actor, reason) : await turn.services.tickets.cancel(ticket, actor);
  if (!out.ok) return refuseOnStatusCard(turn, out);
  await turn.show(await statusCard(turn, out.ticket, verb === 'reopen' ? reopenedNotice(turn, out.ticket) : undefined));
}

/** What the requester is told after reopening: who was told, or that the case is back in the queue. */
function reopenedNotice(turn: Turn, ticket: Ticket): { text: string } {
  return {
    text: ticket.assignee
      ? turn.text('reopenedToAssignee', { radicado: ticket.radicado, name: escapeMarkdown(plainText(ticket.assignee.name, 100)) })
      : turn.text('reopenedToQueue', { radicado: ticket.radicado }),
  };
}
