import type { PgMigration } from './index';

/** Mirrors SQLite's 006-attachment-cleanup: attachments.deleted_at and the indexes of the cleanup job. */
export const pg006AttachmentCleanup: PgMigration = {
  name: '006-attachment-cleanup',
  async up(c) {
    await c.query(`
      ALTER TABLE attachments ADD COLUMN deleted_at TIMESTAMPTZ;
      CREATE INDEX attachments_pending_created ON attachments (created_at) WHERE ticket_id IS NULL;
      CREATE INDEX attachments_sha256 ON attachments (sha256);
      CREATE INDEX attachments_deleted ON attachments (deleted_at) WHERE deleted_at IS NOT NULL;
    `);
  },
};
