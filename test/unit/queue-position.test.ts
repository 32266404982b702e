/**
 * Queue position and wait estimate (domain/queue/position.ts), the coalescing of card updates in
 * the outbox, and the legacy CSV details that the integration test does not reach.
 */
import { estimateWait, queueScope } from '../../src/domain/queue/position';
import { detectSeparator, legacyRadicadoCandidates, normalizeLegacyRadicado, parseLegacyDate } from '../../src/domain/legacy-import';
import { migrate, openDb } from '../../src/storage/db';
import { SqliteOutboxRepository } from '../../src/storage/sqlite-outbox';

// Bogotá is UTC−5: 08:00 local = 13:00Z. 2026-03-02 is a Monday.
const at = (iso: string) => new Date(iso);

describe('wait estimate from the recent attention rate', () => {
  it('is the position times the median working minutes between takes', () => {
    // Intervals 10, 30 and 20 minutes: median 20; third in line → 60 working minutes.
    const takes = ['2026-03-02T13:00:00Z', '2026-03-02T13:10:00Z', '2026-03-02T13:40:00Z', '2026-03-02T14:00:00Z'].map(at);
    expect(estimateWait(3, takes)).toEqual({ minutes: 60, intervalMinutes: 20, takes: 4 });
  });

  it('counts working time only: a night and a weekend between takes are not waiting time', () => {
    // Friday 16:50 → Monday 07:10 local is 20 working minutes (Mon 2026-03-09 is not a holiday).
    const takes = ['2026-03-06T21:30:00Z', '2026-03-06T21:40:00Z', '2026-03-06T21:50:00Z', '2026-03-09T12:10:00Z'].map(at);
    expect(estimateWait(1, takes)?.intervalMinutes).toBe(10);
  });

  it('gives no estimate with fewer than three intervals, or outside the queue', () => {
    expect(estimateWait(1, ['2026-03-02T13:00:00Z', '2026-03-02T13:10:00Z', '2026-03-02T13:40:00Z'].map(at))).toBeNull();
    expect(estimateWait(0, ['2026-03-02T13:00:00Z', '2026-03-02T13:10:00Z', '2026-03-02T13:40:00Z', '2026-03-02T14:00:00Z'].map(at))).toBeNull();
  });

  it('uses only the last ten takes', () => {
    const old = Array.from({ length: 10 }, (_, i) => at(`2026-03-02T13:${String(i).padStart(2, '0')}:00Z`)); // 1 min apart
    const recent = Array.from({ length: 10 }, (_, i) => at(`2026-03-03T${13 + Math.floor((i * 30) / 60)}:${String((i * 30) % 60).padStart(2, '0')}:00Z`)); // 30 min apart
    expect(estimateWait(1, [...old, ...recent])?.intervalMinutes).toBe(30);
  });
});

describe('which tickets share a queue', () => {
  const queues = [{ categoryId: null }, { categoryId: 'correo' }];
  it('a category with its own queue is alone; the others share the general one', () => {
    expect(queueScope('correo', queues)).toEqual({ include: ['correo'] });
    expect(queueScope('primer-nivel', queues)).toEqual({ exclude: ['correo'] });
    expect(queueScope('primer-nivel', [])).toEqual({ exclude: [] });
  });
});

describe('coalesced card updates in the outbox', () => {
  it('keeps one pending update per ticket, unless the pending one is already being delivered', async () => {
    const db = openDb(':memory:');
    migrate(db);
    const outbox = new SqliteOutboxRepository(db);
    const item = (ticketId: number) => ({ channel: 'teams' as const, paceKey: 'user:ana', ticketId, payload: { type: 'requester_card_update' as const, ticketId } });
    expect(await outbox.enqueueCoalesced([item(1), item(2)], [])).toBe(2);
    expect(await outbox.enqueueCoalesced([item(1), item(2)], [])).toBe(0);
    const [first] = await outbox.due(new Date(Date.now() + 1000), 10);
    // The first one is in flight: it may have rendered the old state, so a new update is queued.
    expect(await outbox.enqueueCoalesced([item(1)], [first.id])).toBe(1);
    expect(await outbox.pendingCount()).toBe(3);
    db.close();
  });
});

describe('legacy CSV details', () => {
  it('parses dd/mm/yyyy as Bogotá time, ISO with and without a zone, and rejects impossible dates', () => {
    expect(parseLegacyDate('02/03/2024')?.toISOString()).toBe('2024-03-02T05:00:00.000Z');
    expect(parseLegacyDate('2.3.2024 17:45:10')?.toISOString()).toBe('2024-03-02T22:45:10.000Z');
    expect(parseLegacyDate('2024-03-02 08:00')?.toISOString()).toBe('2024-03-02T13:00:00.000Z');
    expect(parseLegacyDate('2024-03-02T08:00:00Z')?.toISOString()).toBe('2024-03-02T08:00:00.000Z');
    expect(parseLegacyDate('2024-03-02T08:00:00-05:00')?.toISOString()).toBe('2024-03-02T13:00:00.000Z');
    for (const bad of ['29/02/2023', '2024-02-30', '13/13/2024', '2024-03-02T25:00', 'ayer', '']) expect(parseLegacyDate(bad)).toBeNull();
    expect(parseLegacyDate('29/02/2024')).not.toBeNull();
  });

  it('detects the separator outside quotes and normalises radicados in the bot format', () => {
    expect(detectSeparator('"a;b",c,d')).toBe(',');
    expect(detectSeparator('a;b;"c,d,e"')).toBe(';');
    expect(normalizeLegacyRadicado(' mda-2019-42 ', 'MDA')).toBe('MDA-2019-000042');
    expect(normalizeLegacyRadicado('PN/2019/42', 'MDA')).toBe('PN/2019/42');
    expect(normalizeLegacyRadicado('MDA-2019-0', 'MDA')).toBeNull();
    expect(normalizeLegacyRadicado('a b', 'MDA')).toBeNull();
    expect(legacyRadicadoCandidates('¿estado del radicado pn-48213?')).toEqual(['PN-48213']);
  });
});
