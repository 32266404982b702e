/**
 * Attachment rows, once for both engines: linking a file to a ticket writes the row, its history
 * event and its effects (outbox) in one transaction. The bytes live in a BlobStore (blob-stores/).
 */
import { attachmentEvent, type Attachment, type AttachmentRepository, type NewAttachment } from '../domain/attachments';
import type { OutboxItem } from '../domain/ports';
import { insertOutbox } from './outbox-insert';
import { toAttachment, type AttachmentRow } from './rows';
import { placeholders, type Sql } from './sql';
import { appendEvents } from './ticket-events';

const INSERT = `INSERT INTO attachments (ticket_id, tenant_id, uploader_oid, uploader_name, name, file_type, content_type, size, sha256, source, created_at, linked_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`;
const args = (a: NewAttachment, ticketId: number | null, linkedAt: Date | null) => [
  ticketId,
  a.tenantId,
  a.uploader.oid,
  a.uploader.name,
  a.name,
  a.fileType,
  a.contentType,
  a.size,
  a.sha256,
  a.source,
  a.createdAt,
  linkedAt,
];

/** Ids per DELETE: well under both engines' limits on bound parameters. */
const BATCH = 500;

export class SqlAttachmentRepository implements AttachmentRepository {
  constructor(private readonly q: Sql) {}

  async addLinked(a: NewAttachment, ticketId: number, effects: (a: Attachment) => OutboxItem[]) {
    return this.q.tx(async (q) => {
      await lockTicket(q, ticketId);
      const saved = toAttachment((await q.one<AttachmentRow>(INSERT, args(a, ticketId, a.createdAt)))!);
      await appendEvents(q, ticketId, [attachmentEvent(saved, a.createdAt)]);
      await insertOutbox(q, effects(saved), a.createdAt);
      return saved;
    });
  }

  async addPending(a: NewAttachment) {
    return toAttachment((await this.q.one<AttachmentRow>(INSERT, args(a, null, null)))!);
  }

  async link(id: number, uploaderOid: string, notBefore: Date, ticketId: number, at: Date, effects: (a: Attachment) => OutboxItem[]) {
    return this.q.tx(async (q) => {
      await lockTicket(q, ticketId);
      const r = await q.one<AttachmentRow>(
        `UPDATE attachments SET ticket_id = ?, linked_at = ? WHERE id = ? AND ticket_id IS NULL AND uploader_oid = ? AND created_at >= ? RETURNING *`,
        [ticketId, at, id, uploaderOid, notBefore],
      );
      if (!r) return null;
      const saved = toAttachment(r);
      await appendEvents(q, ticketId, [attachmentEvent(saved, at)]);
      await insertOutbox(q, effects(saved), at);
      return saved;
    });
  }

  async get(id: number) {
    const r = await this.q.one<AttachmentRow>('SELECT * FROM attachments WHERE id = ?', [id]);
    return r ? toAttachment(r) : null;
  }

  async listByTicket(ticketId: number, limit = 50) {
    return (await this.q.all<AttachmentRow>('SELECT * FROM attachments WHERE ticket_id = ? ORDER BY id LIMIT ?', [ticketId, limit])).map(toAttachment);
  }

  async pendingBefore(before: Date, limit: number) {
    return this.q.all<{ id: number; sha256: string }>('SELECT id, sha256 FROM attachments WHERE ticket_id IS NULL AND created_at < ? ORDER BY created_at LIMIT ?', [before, limit]);
  }

  async deletePending(ids: number[], before: Date) {
    // Only rows still unlinked: a link committed meanwhile (by another instance) keeps its row.
    return this.q.tx(async (q) => {
      let n = 0;
      for (let i = 0; i < ids.length; i += BATCH) {
        const batch = ids.slice(i, i + BATCH);
        n += (await q.run(`DELETE FROM attachments WHERE id IN (${placeholders(batch)}) AND ticket_id IS NULL AND created_at < ?`, [...batch, before])).changes;
      }
      return n;
    });
  }

  async isReferenced(sha256: string, exceptIds: number[] = []) {
    // No exceptions: no NOT IN clause at all (`id NOT IN (NULL)` would match nothing).
    const except = exceptIds.length ? ` AND id NOT IN (${placeholders(exceptIds)})` : '';
    return !!(await this.q.one(`SELECT 1 AS x FROM attachments WHERE sha256 = ? AND deleted_at IS NULL${except} LIMIT 1`, [sha256, ...exceptIds]));
  }

  async deletedSince(since: Date) {
    return (await this.q.all<{ sha256: string }>('SELECT DISTINCT sha256 FROM attachments WHERE deleted_at >= ?', [since])).map((r) => r.sha256);
  }
}

/** The ticket's row lock keeps its history chain linear (PostgreSQL; SQLite's write transaction is exclusive). */
async function lockTicket(q: Sql, ticketId: number): Promise<void> {
  await q.one(`SELECT 1 AS x FROM tickets WHERE id = ?${q.forUpdate}`, [ticketId]);
}
