import type { Role } from '../types';
import type { Ticket, TicketStatus } from './model';
import { OPEN_STATUSES } from './model';

export type TicketAction =
  | 'take'
  | 'assign'
  | 'start'
  | 'wait'
  | 'resolve'
  | 'confirm'
  | 'reopen'
  | 'cancel'
  | 'reply'
  | 'approve'
  | 'reject';

export interface Actor {
  oid: string;
  name: string;
  roles: Role[];
}

export type Decision =
  | { ok: true; to: TicketStatus }
  | { ok: false; reason: 'forbidden' | 'invalid_state' | 'taken'; holder?: string };

const isStaff = (a: Actor) => a.roles.includes('agent') || a.roles.includes('supervisor');
const isSupervisor = (a: Actor) => a.roles.includes('supervisor');
const isAssignee = (t: Ticket, a: Actor) => t.assignee?.oid === a.oid;

/**
 * Decides whether `actor` may perform `action` on `ticket` and what status follows.
 * Every permission is checked here, on the server, whatever a card claimed.
 */
export function decide(ticket: Ticket, action: TicketAction, actor: Actor): Decision {
  const s = ticket.status;
  const open = OPEN_STATUSES.includes(s);
  const requester = ticket.requester.oid === actor.oid;
  const manages = isAssignee(ticket, actor) || isSupervisor(actor);
  switch (action) {
    case 'take':
      if (!isStaff(actor)) return { ok: false, reason: 'forbidden' };
      if (!open) return { ok: false, reason: 'invalid_state' };
      if (ticket.assignee && ticket.assignee.oid !== actor.oid) {
        return { ok: false, reason: 'taken', holder: ticket.assignee.name };
      }
      if (ticket.assignee?.oid === actor.oid) return { ok: false, reason: 'invalid_state' };
      return { ok: true, to: 'assigned' };
    case 'assign':
      if (!isSupervisor(actor)) return { ok: false, reason: 'forbidden' };
      return open ? { ok: true, to: s === 'new' ? 'assigned' : s } : { ok: false, reason: 'invalid_state' };
    case 'start':
      if (!manages) return { ok: false, reason: 'forbidden' };
      return s === 'assigned' || s === 'waiting_user' ? { ok: true, to: 'in_progress' } : { ok: false, reason: 'invalid_state' };
    case 'wait':
      if (!manages) return { ok: false, reason: 'forbidden' };
      return s === 'assigned' || s === 'in_progress' ? { ok: true, to: 'waiting_user' } : { ok: false, reason: 'invalid_state' };
    case 'resolve':
      // A ticket linked to a major incident is resolved with its master, by the staff who resolve it.
      if (s === 'linked') return isStaff(actor) ? { ok: true, to: 'resolved' } : { ok: false, reason: 'forbidden' };
      if (!manages) return { ok: false, reason: 'forbidden' };
      return s === 'assigned' || s === 'in_progress' || s === 'waiting_user'
        ? { ok: true, to: 'resolved' }
        : { ok: false, reason: 'invalid_state' };
    case 'confirm':
      if (!requester) return { ok: false, reason: 'forbidden' };
      return s === 'resolved' ? { ok: true, to: 'closed' } : { ok: false, reason: 'invalid_state' };
    case 'reopen':
      if (!requester && !isSupervisor(actor)) return { ok: false, reason: 'forbidden' };
      if (ticket.anonymisedAt) return { ok: false, reason: 'invalid_state' }; // nothing left to work on
      return s === 'resolved' || s === 'closed'
        ? { ok: true, to: ticket.assignee ? 'in_progress' : 'new' }
        : { ok: false, reason: 'invalid_state' };
    case 'cancel':
      if (!requester) return { ok: false, reason: 'forbidden' };
      return s === 'new' || s === 'pending_approval' || s === 'linked' ? { ok: true, to: 'cancelled' } : { ok: false, reason: 'invalid_state' };
    // Who is a designated approver is checked by the access gate (approvals); nobody approves their own request.
    case 'approve':
    case 'reject':
      if (requester) return { ok: false, reason: 'forbidden' };
      return s === 'pending_approval' ? { ok: true, to: action === 'approve' ? 'new' : 'rejected' } : { ok: false, reason: 'invalid_state' };
    case 'reply':
      if (requester) {
        if (!open && s !== 'resolved') return { ok: false, reason: 'invalid_state' };
        return { ok: true, to: s === 'waiting_user' ? 'in_progress' : s };
      }
      if (!manages) return { ok: false, reason: isStaff(actor) && !ticket.assignee ? 'invalid_state' : 'forbidden' };
      if (!open) return { ok: false, reason: 'invalid_state' };
      return { ok: true, to: s === 'assigned' ? 'in_progress' : s };
  }
}

/** Who may see a ticket: its requester and support staff. */
export function canView(ticket: Ticket, viewer: { oid: string; tenantId: string; roles: Role[] }): boolean {
  if (ticket.tenantId !== viewer.tenantId) return false;
  if (ticket.requester.oid === viewer.oid) return true;
  return viewer.roles.includes('agent') || viewer.roles.includes('supervisor');
}
