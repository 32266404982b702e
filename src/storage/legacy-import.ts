/**
 * Stores imported legacy cases, once for both engines: one transaction per batch, the radicado
 * counter moved in the same transaction. A dry run hands in an `Sql` whose work is never committed
 * (see openLegacyImport in index.ts).
 */
import type { ImportedTicket, ImportOutcome, LegacyImportRepository } from '../domain/legacy-import';
import { parseRadicado } from '../domain/tickets/radicado';
import type { Sql } from './sql';
import { appendEvents, lockHistoryChain } from './ticket-events';

export class SqlLegacyImport implements LegacyImportRepository {
  constructor(private readonly q: Sql) {}

  async importBatch(cases: ImportedTicket[], prefix: string): Promise<ImportOutcome[]> {
    return this.q.tx(async (q) => {
      // Every imported case is a new link in the chain of tickets: take its lock before any ticket row's.
      await lockHistoryChain(q);
      const out: ImportOutcome[] = [];
      for (const c of cases) out.push(await importOne(q, c, prefix));
      return out;
    });
  }
}

async function importOne(q: Sql, t: ImportedTicket, prefix: string): Promise<ImportOutcome> {
  const found = await q.one<{ id: number; imported: number; requester_oid: string }>(`SELECT id, imported, requester_oid FROM tickets WHERE radicado = ?${q.forUpdate}`, [t.radicado]);
  if (found) {
    if (!found.imported) return 'taken';
    if (found.requester_oid.startsWith('legacy:') && !t.requester.oid.startsWith('legacy:')) {
      await q.run('UPDATE tickets SET requester_oid = ?, requester_name = ? WHERE id = ?', [t.requester.oid, t.requester.name, found.id]);
      return 'linked';
    }
    return 'unchanged';
  }
  const finished = t.status === 'resolved' || t.status === 'closed' ? t.closedAt ?? null : null;
  const closed = t.status === 'closed' || t.status === 'cancelled' ? t.closedAt ?? null : null;
  const { id } = (await q.one<{ id: number }>(
    `INSERT INTO tickets (
      radicado, submission_key, tenant_id, requester_oid, requester_name, requester_email, locale, contact_channel,
      category_id, service_id, template_id, field_values, description, priority, status, assignee_name, resolution_note,
      created_at, updated_at, resolved_at, closed_at, imported, route_category_id, queue_order)
    VALUES (?, NULL, ?, ?, ?, ?, 'es', 'teams', ?, ?, 'legacy-import', '{}', ?, 'medium', ?, ?, ?, ?, ?, ?, ?, 1, ?, (SELECT coalesce(max(queue_order), 0) + 1 FROM tickets))
    RETURNING id`,
    [
      t.radicado,
      t.tenantId,
      t.requester.oid,
      t.requester.name,
      t.requester.email,
      t.categoryId,
      t.serviceId,
      t.description,
      t.status,
      t.assigneeName ?? null,
      t.resolution ?? null,
      t.createdAt,
      t.updatedAt,
      finished,
      closed,
      t.categoryId,
    ],
  ))!;
  // Chained like every event.
  await appendEvents(q, id, [{ at: t.createdAt, kind: 'created', data: { radicado: t.radicado, imported: true, status: t.status } }]);
  // The bot's own counter never hands out an imported number again.
  const own = parseRadicado(t.radicado);
  if (own && own.prefix === prefix) {
    await q.run(
      `INSERT INTO radicado_counters (prefix, year, last) VALUES (?, ?, ?)
       ON CONFLICT (prefix, year) DO UPDATE SET last = CASE WHEN excluded.last > radicado_counters.last THEN excluded.last ELSE radicado_counters.last END`,
      [prefix, own.year, own.seq],
    );
  }
  return 'inserted';
}
