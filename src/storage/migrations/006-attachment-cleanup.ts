import type { Migration } from './index';

/**
 * Attachments whose bytes were deleted: `deleted_at` marks a row kept for the record
 * (name redacted) after its person's tickets were anonymised. Indexes for the cleanup job: unlinked
 * files by age, and rows by checksum (is anyone else still using these bytes?).
 */
export const m006AttachmentCleanup: Migration = {
  name: '006-attachment-cleanup',
  up(db) {
    db.exec(`
      ALTER TABLE attachments ADD COLUMN deleted_at TEXT;
      CREATE INDEX attachments_pending_created ON attachments (created_at) WHERE ticket_id IS NULL;
      CREATE INDEX attachments_sha256 ON attachments (sha256);
      CREATE INDEX attachments_deleted ON attachments (deleted_at) WHERE deleted_at IS NOT NULL;
    `);
  },
};
