/**
 * The approval rules of the state machine and of the reports: only a request awaiting approval can
 * be approved or rejected, never by its requester; the desk's clock starts at the approval.
 */
import { approvalMinutes, firstResponseMinutes, receivedAt } from '../../src/domain/reports/metrics';
import { DEFAULT_CALENDAR } from '../../src/domain/sla';
import type { Ticket } from '../../src/domain/tickets/model';
import { decide } from '../../src/domain/tickets/state-machine';

const bog = (local: string) => new Date(`${local.replace(' ', 'T')}:00-05:00`);
const ana = { oid: 'ana', name: 'Ana', roles: ['employee' as const] };
const jorge = { oid: 'jorge', name: 'Jorge', roles: ['area_manager' as const] };
const sofia = { oid: 'sofia', name: 'Sofía', roles: ['agent' as const, 'supervisor' as const] };

function ticket(status: Ticket['status'], extra: Partial<Ticket> = {}): Ticket {
  return {
    id: 1,
    radicado: 'MDA-2026-000001',
    tenantId: 't',
    requester: { oid: 'ana', tenantId: 't', name: 'Ana' },
    locale: 'es',
    contactChannel: 'teams',
    categoryId: 'c',
    queueCategoryId: 'c',
    serviceId: 's',
    templateId: 'x',
    fieldValues: {},
    description: 'd',
    priority: 'medium',
    status,
    version: 1,
    createdAt: bog('2026-11-24 08:00'),
    updatedAt: bog('2026-11-24 08:00'),
    imported: false,
    ...extra,
  };
}

describe('approving in the state machine', () => {
  it('approves into the queue and rejects into a closed state, only while awaiting approval', () => {
    expect(decide(ticket('pending_approval'), 'approve', jorge)).toEqual({ ok: true, to: 'new' });
    expect(decide(ticket('pending_approval'), 'reject', jorge)).toEqual({ ok: true, to: 'rejected' });
    for (const s of ['new', 'assigned', 'rejected', 'cancelled', 'closed'] as const) {
      expect(decide(ticket(s), 'approve', jorge)).toEqual({ ok: false, reason: 'invalid_state' });
    }
  });

  it('never lets the requester decide their own request, whatever their roles', () => {
    expect(decide(ticket('pending_approval'), 'approve', ana)).toEqual({ ok: false, reason: 'forbidden' });
    expect(decide(ticket('pending_approval', { requester: { oid: 'sofia', tenantId: 't', name: 'Sofía' } }), 'approve', sofia)).toEqual({ ok: false, reason: 'forbidden' });
  });

  it('lets the requester cancel while awaiting approval, and nobody take it from a queue it is not in', () => {
    expect(decide(ticket('pending_approval'), 'cancel', ana)).toEqual({ ok: true, to: 'cancelled' });
    expect(decide(ticket('pending_approval'), 'take', sofia)).toEqual({ ok: false, reason: 'invalid_state' });
  });
});

describe('approval in the reports', () => {
  const approved = { requestedAt: bog('2026-11-24 08:00'), decidedAt: bog('2026-11-24 11:30'), decision: 'approved' as const };

  it('counts the approval time in working minutes, and nothing while undecided or cancelled', () => {
    expect(approvalMinutes(approved, DEFAULT_CALENDAR)).toBe(210);
    expect(approvalMinutes({ requestedAt: bog('2026-11-24 08:00') }, DEFAULT_CALENDAR)).toBeNull();
    expect(approvalMinutes({ ...approved, decision: 'cancelled' }, DEFAULT_CALENDAR)).toBeNull();
  });

  it('starts the first response from the approval, not from the filing', () => {
    const t = ticket('assigned', { firstResponseAt: bog('2026-11-24 12:00') });
    expect(receivedAt(t, approved)).toEqual(approved.decidedAt);
    expect(firstResponseMinutes(t, DEFAULT_CALENDAR, approved)).toBe(30);
    expect(firstResponseMinutes(t, DEFAULT_CALENDAR)).toBe(240);
  });
});
