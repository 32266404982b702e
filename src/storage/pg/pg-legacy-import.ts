/**
 * Stores imported cases on PostgreSQL: one transaction per batch (or, for a dry run, one transaction
 * rolled back at the end), the radicado counter moved in the same transaction.
 */
import type { ImportedTicket, ImportOutcome, LegacyImportRepository } from '../../domain/legacy-import';
import { parseRadicado } from '../../domain/tickets/radicado';
import { insertEvents, lockHistoryChain } from './pg-tickets';
import { migratePgWithin, type PgClient, type PgPool } from './pg-db';

export class PgLegacyImport implements LegacyImportRepository {
  private constructor(private readonly c: PgClient, private readonly dryRun: boolean) {}

  /** A dry run opens its one transaction here, with any pending migration inside it (rolled back too). */
  static async open(pool: PgPool, dryRun: boolean): Promise<PgLegacyImport> {
    const c = await pool.connect();
    try {
      if (dryRun) {
        await c.query('BEGIN');
        await migratePgWithin(c);
      }
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      c.release();
      throw err;
    }
    return new PgLegacyImport(c, dryRun);
  }

  /** Ends the import: a dry run is rolled back here. */
  async close(): Promise<void> {
    try {
      if (this.dryRun) await this.c.query('ROLLBACK');
    } finally {
      this.c.release();
    }
  }

  async importBatch(cases: ImportedTicket[], prefix: string): Promise<ImportOutcome[]> {
    const c = this.c;
    if (!this.dryRun) await c.query('BEGIN');
    try {
      // Every imported case is a new link in the chain of tickets: take its lock before any ticket row's.
      await lockHistoryChain(c);
      const out: ImportOutcome[] = [];
      for (const t of cases) out.push(await this.importOne(t, prefix));
      if (!this.dryRun) await c.query('COMMIT');
      return out;
    } catch (err) {
      if (!this.dryRun) await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  private async importOne(t: ImportedTicket, prefix: string): Promise<ImportOutcome> {
    const c = this.c;
    const found = (await c.query<{ id: number; imported: number; requester_oid: string }>('SELECT id, imported, requester_oid FROM tickets WHERE radicado = $1 FOR UPDATE', [t.radicado])).rows[0];
    if (found) {
      if (!found.imported) return 'taken';
      if (found.requester_oid.startsWith('legacy:') && !t.requester.oid.startsWith('legacy:')) {
        await c.query('UPDATE tickets SET requester_oid = $1, requester_name = $2 WHERE id = $3', [t.requester.oid, t.requester.name, found.id]);
        return 'linked';
      }
      return 'unchanged';
    }
    const finished = t.status === 'resolved' || t.status === 'closed' ? t.closedAt ?? null : null;
    const closed = t.status === 'closed' || t.status === 'cancelled' ? t.closedAt ?? null : null;
    const { id } = (
      await c.query<{ id: number }>(
        `INSERT INTO tickets (
          radicado, submission_key, tenant_id, requester_oid, requester_name, requester_email, locale, contact_channel,
          category_id, service_id, template_id, field_values, description, priority, status, assignee_name, resolution_note,
          created_at, updated_at, resolved_at, closed_at, imported, route_category_id)
        VALUES ($1, NULL, $2, $3, $4, $5, 'es', 'teams', $6, $7, 'legacy-import', '{}', $8, 'medium', $9, $10, $11, $12, $13, $14, $15, 1, $6)
        RETURNING id`,
        [t.radicado, t.tenantId, t.requester.oid, t.requester.name, t.requester.email, t.categoryId, t.serviceId, t.description, t.status, t.assigneeName ?? null, t.resolution ?? null, t.createdAt, t.updatedAt, finished, closed],
      )
    ).rows[0];
    // Chained like every event (hash version 2).
    await insertEvents(c, id, [{ at: t.createdAt, kind: 'created', data: { radicado: t.radicado, imported: true, status: t.status } }]);
    // The bot's own counter never hands out an imported number again.
    const own = parseRadicado(t.radicado);
    if (own && own.prefix === prefix) {
      await c.query(
        `INSERT INTO radicado_counters (prefix, year, last) VALUES ($1, $2, $3)
         ON CONFLICT (prefix, year) DO UPDATE SET last = greatest(radicado_counters.last, excluded.last)`,
        [prefix, own.year, own.seq],
      );
    }
    return 'inserted';
  }
}
