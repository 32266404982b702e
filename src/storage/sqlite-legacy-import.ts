/** Stores imported cases: one transaction per batch, radicado counter moved in the same transaction. */
import type { Db } from './db';
import { immediate } from './db';
import type { ImportedTicket, ImportOutcome, LegacyImportRepository } from '../domain/legacy-import';
import { parseRadicado } from '../domain/tickets/radicado';
import { appendEvents } from './sqlite-tickets';

export class SqliteLegacyImport implements LegacyImportRepository {
  constructor(private readonly db: Db) {}

  async importBatch(cases: ImportedTicket[], prefix: string): Promise<ImportOutcome[]> {
    const db = this.db;
    const existing = db.prepare('SELECT id, imported, requester_oid FROM tickets WHERE radicado = ?');
    const relink = db.prepare('UPDATE tickets SET requester_oid = ?, requester_name = ? WHERE id = ?');
    const insert = db.prepare(`INSERT INTO tickets (
        radicado, submission_key, tenant_id, requester_oid, requester_name, requester_email, locale, contact_channel,
        category_id, service_id, template_id, field_values, description, priority, status, assignee_name, resolution_note,
        created_at, updated_at, resolved_at, closed_at, imported, route_category_id)
      VALUES (?, NULL, ?, ?, ?, ?, 'es', 'teams', ?, ?, 'legacy-import', '{}', ?, 'medium', ?, ?, ?, ?, ?, ?, ?, 1, ?)`);
    // The bot's own counter never hands out an imported number again.
    const counter = db.prepare(
      `INSERT INTO radicado_counters (prefix, year, last) VALUES (?, ?, ?)
       ON CONFLICT (prefix, year) DO UPDATE SET last = max(last, excluded.last)`,
    );
    return immediate(db, () =>
      cases.map((c): ImportOutcome => {
        const found = existing.get(c.radicado) as { id: number; imported: number; requester_oid: string } | undefined;
        if (found) {
          if (!found.imported) return 'taken';
          if (found.requester_oid.startsWith('legacy:') && !c.requester.oid.startsWith('legacy:')) {
            relink.run(c.requester.oid, c.requester.name, found.id);
            return 'linked';
          }
          return 'unchanged';
        }
        const iso = (d?: Date) => (d ? d.toISOString() : null);
        const info = insert.run(
          c.radicado,
          c.tenantId,
          c.requester.oid,
          c.requester.name,
          c.requester.email,
          c.categoryId,
          c.serviceId,
          c.description,
          c.status,
          c.assigneeName ?? null,
          c.resolution ?? null,
          c.createdAt.toISOString(),
          c.updatedAt.toISOString(),
          c.status === 'resolved' || c.status === 'closed' ? iso(c.closedAt) : null,
          c.status === 'closed' || c.status === 'cancelled' ? iso(c.closedAt) : null,
          c.categoryId,
        );
        const ticketId = Number(info.lastInsertRowid);
        // Chained like every event (hash version of the current schema).
        appendEvents(db, ticketId, [{ at: c.createdAt, kind: 'created', data: { radicado: c.radicado, imported: true, status: c.status } }]);
        const own = parseRadicado(c.radicado);
        if (own && own.prefix === prefix) counter.run(prefix, own.year, own.seq);
        return 'inserted';
      }),
    );
  }
}
