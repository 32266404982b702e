/**
 * Attachments on PostgreSQL (#13): rows linked to tickets with their history event and effects in one
 * transaction, and the file bytes in the shared database (every instance serves every file).
 */
import { createHash } from 'node:crypto';
import { attachmentEvent, type Attachment, type AttachmentRepository, type BlobStore, type NewAttachment } from '../../domain/attachments';
import type { OutboxItem } from '../../domain/ports';
import { BlobCorruptedError } from '../file-blob-store';
import { pgTx, type PgPool } from './pg-db';
import { insertOutboxPg } from './pg-outbox';
import { insertEvents } from './pg-tickets';
import { toAttachment, type AttachmentRow } from '../rows';

const INSERT = `INSERT INTO attachments (ticket_id, tenant_id, uploader_oid, uploader_name, name, file_type, content_type, size, sha256, source, created_at, linked_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`;
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

export class PgAttachmentRepository implements AttachmentRepository {
  constructor(private readonly pool: PgPool) {}

  async addLinked(a: NewAttachment, ticketId: number, effects: (a: Attachment) => OutboxItem[]) {
    return pgTx(this.pool, async (c) => {
      // The ticket's row lock keeps its history chain linear.
      await c.query('SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [ticketId]);
      const saved = toAttachment((await c.query<AttachmentRow>(INSERT, args(a, ticketId, a.createdAt))).rows[0]);
      await insertEvents(c, ticketId, [attachmentEvent(saved, a.createdAt)]);
      await insertOutboxPg(c, effects(saved), a.createdAt);
      return saved;
    });
  }

  async addPending(a: NewAttachment) {
    return toAttachment((await this.pool.query<AttachmentRow>(INSERT, args(a, null, null))).rows[0]);
  }

  async link(id: number, uploaderOid: string, notBefore: Date, ticketId: number, at: Date, effects: (a: Attachment) => OutboxItem[]) {
    return pgTx(this.pool, async (c) => {
      await c.query('SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [ticketId]);
      const r = (
        await c.query<AttachmentRow>(
          `UPDATE attachments SET ticket_id = $1, linked_at = $2 WHERE id = $3 AND ticket_id IS NULL AND uploader_oid = $4 AND created_at >= $5 RETURNING *`,
          [ticketId, at, id, uploaderOid, notBefore],
        )
      ).rows[0];
      if (!r) return null;
      const saved = toAttachment(r);
      await insertEvents(c, ticketId, [attachmentEvent(saved, at)]);
      await insertOutboxPg(c, effects(saved), at);
      return saved;
    });
  }

  async get(id: number) {
    const r = (await this.pool.query<AttachmentRow>('SELECT * FROM attachments WHERE id = $1', [id])).rows[0];
    return r ? toAttachment(r) : null;
  }

  async listByTicket(ticketId: number, limit = 50) {
    return (await this.pool.query<AttachmentRow>('SELECT * FROM attachments WHERE ticket_id = $1 ORDER BY id LIMIT $2', [ticketId, limit])).rows.map(toAttachment);
  }

  async pendingBefore(before: Date, limit: number) {
    return (await this.pool.query<{ id: number; sha256: string }>('SELECT id, sha256 FROM attachments WHERE ticket_id IS NULL AND created_at < $1 ORDER BY created_at LIMIT $2', [before, limit])).rows;
  }

  async deletePending(ids: number[], before: Date) {
    // Only rows still unlinked: a link committed meanwhile by another instance keeps its row.
    return (await this.pool.query('DELETE FROM attachments WHERE id = ANY($1::bigint[]) AND ticket_id IS NULL AND created_at < $2', [ids, before])).rowCount ?? 0;
  }

  async isReferenced(sha256: string, exceptIds: number[] = []) {
    const r = await this.pool.query('SELECT 1 FROM attachments WHERE sha256 = $1 AND deleted_at IS NULL AND NOT (id = ANY($2::bigint[])) LIMIT 1', [sha256, exceptIds]);
    return r.rows.length > 0;
  }

  async deletedSince(since: Date) {
    return (await this.pool.query<{ sha256: string }>('SELECT DISTINCT sha256 FROM attachments WHERE deleted_at >= $1', [since])).rows.map((r) => r.sha256);
  }
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Content-addressed file bytes in the shared database. */
export class PgBlobStore implements BlobStore {
  constructor(private readonly pool: PgPool) {}

  async put(bytes: Buffer): Promise<string> {
    const sha = sha256Of(bytes);
    await this.pool.query('INSERT INTO attachment_blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING', [sha, bytes]);
    return sha;
  }

  async delete(sha256: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM attachment_blobs WHERE sha256 = $1', [sha256])).rowCount ?? 0) > 0;
  }

  async get(sha256: string): Promise<Buffer | null> {
    const r = (await this.pool.query<{ bytes: Buffer }>('SELECT bytes FROM attachment_blobs WHERE sha256 = $1', [sha256])).rows[0];
    if (!r) return null;
    if (sha256Of(r.bytes) !== sha256) throw new BlobCorruptedError(sha256);
    return r.bytes;
  }
}
