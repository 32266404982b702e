/**
 * The one authorisation rule set. Every route of the bot declares an audience; the gate in
 * teams/gate.ts asks this module before a handler sees anything, and every other ticket read by a
 * handler goes through `resolve()` too. No framework imports.
 *
 * Staff of a ticket means a member of the support team whose queue holds it (the channel its card
 * was posted in, else the queue its category routes to), or a supervisor — not "anyone with the
 * agent role". Before any support queue exists for a ticket, the directory's engineers serve it.
 * Tenants never mix: a caller of another tenant is nobody to a ticket.
 */
import type { AttachmentRepository } from './attachments/model';
import type { QueueRepository, SupportQueue, TeamMemberRepository, TicketRepository } from './ports';
import type { Ticket } from './tickets/model';
import type { Role } from './types';

export interface Caller {
  oid: string;
  tenantId: string;
  roles: Role[];
}

/** Who may call a route that names no ticket. */
export type RoleAudience = 'anyone' | 'staff' | 'supervisor';

/**
 * Who may call a route that names a ticket:
 * - `viewer`: its requester or staff of its queue;
 * - `requester`: its requester only;
 * - `staff`: staff of its queue (members of the team, supervisors);
 * - `approver`: one of the approvers of its request awaiting approval (designated or delegate),
 *   never its requester — whatever their roles (a supervisor is nobody to someone else's approval).
 * Finer rules (only the assignee resolves, only a supervisor assigns) stay in the state machine,
 * which answers people who may see the ticket.
 */
export type TicketAudience = 'viewer' | 'requester' | 'staff' | 'approver';

/** How a request names a ticket. Card data is untrusted: ids are parsed here. */
export type TicketRef = { id: unknown } | { radicado: string } | { attachmentId: unknown } | { queueActivityId: string };

const MAX_ID = Number.MAX_SAFE_INTEGER;

function positiveId(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}$/.test(v.trim()) ? Number(v.trim()) : NaN;
  return Number.isInteger(n) && n > 0 && n <= MAX_ID ? n : null;
}

export const isSupervisor = (c: Pick<Caller, 'roles'>) => c.roles.includes('supervisor');
export const hasStaffRole = (c: Pick<Caller, 'roles'>) => c.roles.includes('agent') || c.roles.includes('supervisor');

/** Whether a caller's roles satisfy a route that names no ticket. */
export function roleAllows(caller: Pick<Caller, 'roles'>, audience: RoleAudience): boolean {
  if (audience === 'anyone') return true;
  if (audience === 'staff') return hasStaffRole(caller);
  return isSupervisor(caller);
}

export class TicketAccess {
  constructor(
    private readonly tickets: Pick<TicketRepository, 'get' | 'getByRadicado' | 'findByQueueActivity'>,
    private readonly queues: Pick<QueueRepository, 'forCategory' | 'byChannel' | 'list'>,
    private readonly members: Pick<TeamMemberRepository, 'isMemberOfAny'>,
    private readonly attachments?: Pick<AttachmentRepository, 'get'>,
    /** Who may decide a ticket's request awaiting approval (approvals/service.ts). */
    private readonly approvers?: { mayDecide(ticket: Ticket, oid: string): Promise<boolean> },
  ) {}

  /**
   * The ticket `ref` names when `caller` is in `audience` for it; null when it does not exist or
   * they may not (the caller must answer both the same way).
   */
  async resolve(caller: Caller, ref: TicketRef, audience: TicketAudience): Promise<Ticket | null> {
    const ticket = await this.load(ref);
    return ticket && (await this.allows(caller, ticket, audience)) ? ticket : null;
  }

  async allows(caller: Caller, ticket: Ticket, audience: TicketAudience): Promise<boolean> {
    if (ticket.tenantId !== caller.tenantId) return false;
    const requester = ticket.requester.oid === caller.oid;
    if (audience === 'requester') return requester;
    if (audience === 'approver') return !requester && !!this.approvers && (await this.approvers.mayDecide(ticket, caller.oid));
    if (audience === 'viewer' && requester) return true;
    return this.isStaffOf(caller, ticket);
  }

  /** Supervisors, and engineers of the team whose queue holds the ticket. */
  async isStaffOf(caller: Caller, ticket: Ticket): Promise<boolean> {
    if (ticket.tenantId !== caller.tenantId || !hasStaffRole(caller)) return false;
    if (isSupervisor(caller)) return true;
    const teams = (await this.queuesOf(ticket)).map((q) => q.teamId);
    // No support queue holds it yet: the directory's engineers serve it.
    if (!teams.length) return caller.roles.includes('agent');
    return this.members.isMemberOfAny(caller.oid, [...new Set(teams)]);
  }

  /** The queues that hold a ticket: those of the channel its card is in, else its category's. */
  private async queuesOf(ticket: Ticket): Promise<SupportQueue[]> {
    if (ticket.queueConversationId) {
      const posted = await this.queues.byChannel(ticket.queueConversationId);
      if (posted.length) return posted;
    }
    const routed = await this.queues.forCategory(ticket.queueCategoryId);
    return routed ? [routed] : [];
  }

  /**
   * The categories whose tickets a caller serves in the queue views ("cola", "siguiente"): null for
   * all (supervisors; or nothing registered yet), else the categories of their teams' queues, where a
   * general queue (category null) serves every category without a dedicated queue of another team.
   */
  async servedScope(caller: Caller): Promise<{ include: string[] } | { exclude: string[] } | null> {
    if (isSupervisor(caller)) return null;
    const all = (await this.queues.list()).filter((q) => q.tenantId === caller.tenantId || !q.tenantId);
    if (!all.length) return null;
    const mine: SupportQueue[] = [];
    for (const q of all) if (await this.members.isMemberOfAny(caller.oid, [q.teamId])) mine.push(q);
    if (mine.some((q) => q.categoryId === null)) {
      const mineDedicated = new Set(mine.map((q) => q.categoryId).filter((c): c is string => c !== null));
      const others = all.map((q) => q.categoryId).filter((c): c is string => c !== null && !mineDedicated.has(c));
      return { exclude: [...new Set(others)].sort() };
    }
    return { include: [...new Set(mine.map((q) => q.categoryId!))].sort() };
  }

  private async load(ref: TicketRef): Promise<Ticket | null> {
    if ('radicado' in ref) return typeof ref.radicado === 'string' && ref.radicado.length <= 64 ? this.tickets.getByRadicado(ref.radicado) : null;
    if ('queueActivityId' in ref) return this.tickets.findByQueueActivity(ref.queueActivityId);
    if ('attachmentId' in ref) {
      const id = positiveId(ref.attachmentId);
      const a = id && this.attachments ? await this.attachments.get(id) : null;
      return a?.ticketId ? this.tickets.get(a.ticketId) : null;
    }
    const id = positiveId(ref.id);
    return id ? this.tickets.get(id) : null;
  }
}
