/**
 * The authorisation gate: every route of the routing table (bot.ts) declares who may call it, and
 * this module checks it before the route's handler runs, on the server, whatever a card claimed.
 * A ticket the caller may not see gets exactly the answer for a ticket that does not exist: the
 * same card, built only from what the caller sent (never from what the server found).
 */
import { roleAllows, type RoleAudience, type TicketAudience, type TicketRef } from '../domain/access';
import type { Ticket } from '../domain/tickets/model';
import { escapeMarkdown } from './cards';
import { mainActions, type Turn } from './turn';

/** The one "does not exist" answer (also for tickets that exist but are not the caller's to see). */
export async function notFound(turn: Turn, ref?: TicketRef): Promise<void> {
  const typed = ref && 'radicado' in ref && typeof ref.radicado === 'string' ? escapeMarkdown(ref.radicado, 40) : '';
  await turn.notice(typed ? turn.text('ticketNotFound', { radicado: typed }) : turn.messages.ticketNotFoundAny, {
    color: 'Attention',
    actions: mainActions(turn),
  });
}

/**
 * The ticket `ref` names if the caller is in `audience` for it; else answers `notFound` and returns
 * null. `lookup`: the request counts against the caller's per-minute lookup limit (refused above it).
 */
export async function ticketFor(turn: Turn, ref: TicketRef, audience: TicketAudience, opts: { lookup?: boolean } = {}): Promise<Ticket | null> {
  if (opts.lookup && !turn.services.lookups.try(turn.oid)) {
    await turn.notice(turn.messages.rateLimitedLookups, { color: 'Attention' });
    return null;
  }
  const ticket = await turn.services.access.resolve(await callerOf(turn), ref, audience);
  if (!ticket) await notFound(turn, ref);
  return ticket;
}

/** Whether the caller's roles satisfy `audience`; else answers with the refusal for that role. */
export async function roleGate(turn: Turn, audience: RoleAudience): Promise<boolean> {
  if (audience === 'anyone') return true;
  if (roleAllows(await turn.user(), audience)) return true;
  turn.services.log.info({ oid: turn.oid, audience }, 'route refused: role');
  await turn.notice(audience === 'supervisor' ? turn.messages.notSupervisor : turn.messages.notStaff, { color: 'Attention' });
  return false;
}

/** The caller as the access rules see them. */
export async function callerOf(turn: Turn) {
  const u = await turn.user();
  return { oid: u.oid, tenantId: u.tenantId, roles: u.roles };
}
