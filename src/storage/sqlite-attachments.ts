/** Attachment rows (#13): each link to a ticket writes the row, its history event and effects in one transaction. */
import { attachmentEvent, type Attachment, type AttachmentRepository, type NewAttachment } from '../domain/attachments';
import type { OutboxItem } from '../domain/ports';
import type { NewEvent } from '../domain/tickets/model';
import type { Db } from './db';
import { immediate } from './db';
import { insertOutbox } from './sqlite-outbox';
import { appendEvents } from './sqlite-tickets';
import { toAttachment, type AttachmentRow } from './rows';

export class SqliteAttachmentRepository implements AttachmentRepository {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      insert: db.prepare(`INSERT INTO attachments (ticket_id, tenant_id, uploader_oid, uploader_name, name, file_type, content_type,
          size, sha256, source, created_at, linked_at)
        VALUES (@ticketId, @tenantId, @uploaderOid, @uploaderName, @name, @fileType, @contentType, @size, @sha256, @source, @createdAt, @linkedAt)`),
      byId: db.prepare('SELECT * FROM attachments WHERE id = ?'),
      link: db.prepare(
        `UPDATE attachments SET ticket_id = ?, linked_at = ? WHERE id = ? AND ticket_id IS NULL AND uploader_oid = ? AND created_at >= ?`,
      ),
      byTicket: db.prepare('SELECT * FROM attachments WHERE ticket_id = ? ORDER BY id LIMIT ?'),
      pendingBefore: db.prepare('SELECT id, sha256 FROM attachments WHERE ticket_id IS NULL AND created_at < ? ORDER BY created_at LIMIT ?'),
      deletePending: db.prepare('DELETE FROM attachments WHERE id = ? AND ticket_id IS NULL AND created_at < ?'),
      referencedBy: db.prepare('SELECT id FROM attachments WHERE sha256 = ? AND deleted_at IS NULL'),
      deletedSince: db.prepare('SELECT DISTINCT sha256 FROM attachments WHERE deleted_at >= ?'),
    };
  }

  async addLinked(a: NewAttachment, ticketId: number, effects: (a: Attachment) => OutboxItem[]) {
    return immediate(this.db, () => {
      const info = this.stmts.insert.run(this.params(a, ticketId, a.createdAt));
      const saved = toAttachment(this.stmts.byId.get(info.lastInsertRowid) as AttachmentRow);
      this.history(ticketId, attachmentEvent(saved, a.createdAt));
      insertOutbox(this.db, effects(saved), a.createdAt);
      return saved;
    });
  }

  async addPending(a: NewAttachment) {
    const info = this.stmts.insert.run(this.params(a, null, null));
    return toAttachment(this.stmts.byId.get(info.lastInsertRowid) as AttachmentRow);
  }

  async link(id: number, uploaderOid: string, notBefore: Date, ticketId: number, at: Date, effects: (a: Attachment) => OutboxItem[]) {
    return immediate(this.db, () => {
      const res = this.stmts.link.run(ticketId, at.toISOString(), id, uploaderOid, notBefore.toISOString());
      if (res.changes === 0) return null;
      const saved = toAttachment(this.stmts.byId.get(id) as AttachmentRow);
      this.history(ticketId, attachmentEvent(saved, at));
      insertOutbox(this.db, effects(saved), at);
      return saved;
    });
  }

  async get(id: number) {
    const r = this.stmts.byId.get(id) as AttachmentRow | undefined;
    return r ? toAttachment(r) : null;
  }

  async listByTicket(ticketId: number, limit = 50) {
    return (this.stmts.byTicket.all(ticketId, limit) as AttachmentRow[]).map(toAttachment);
  }

  async pendingBefore(before: Date, limit: number) {
    return this.stmts.pendingBefore.all(before.toISOString(), limit) as { id: number; sha256: string }[];
  }

  async deletePending(ids: number[], before: Date) {
    return immediate(this.db, () => ids.reduce((n, id) => n + this.stmts.deletePending.run(id, before.toISOString()).changes, 0));
  }

  async isReferenced(sha256: string, exceptIds: number[] = []) {
    const except = new Set(exceptIds);
    return (this.stmts.referencedBy.all(sha256) as { id: number }[]).some((r) => !except.has(r.id));
  }

  async deletedSince(since: Date) {
    return (this.stmts.deletedSince.all(since.toISOString()) as { sha256: string }[]).map((r) => r.sha256);
  }

  private params(a: NewAttachment, ticketId: number | null, linkedAt: Date | null) {
    return {
      ticketId,
      tenantId: a.tenantId,
      uploaderOid: a.uploader.oid,
      uploaderName: a.uploader.name,
      name: a.name,
      fileType: a.fileType,
      contentType: a.contentType,
      size: a.size,
      sha256: a.sha256,
      source: a.source,
      createdAt: a.createdAt.toISOString(),
      linkedAt: linkedAt ? linkedAt.toISOString() : null,
    };
  }

  /** Appends one event to the ticket's hash-chained history (same chain as SqliteTicketRepository). */
  private history(ticketId: number, e: NewEvent) {
    appendEvents(this.db, ticketId, [e]);
  }
}
