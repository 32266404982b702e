import type { Migration } from './index';

/**
 * Files attached to tickets. The bytes live on disk, content-addressed by SHA-256
 * (ATTACHMENTS_DIR); a row per attachment says whose, which ticket, what and which checksum.
 * ticket_id is NULL while the uploader still has to choose among several open tickets.
 */
export const m005Attachments: Migration = {
  name: '005-attachments',
  up(db) {
    db.exec(`
      CREATE TABLE attachments (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER REFERENCES tickets (id),
        tenant_id TEXT NOT NULL,
        uploader_oid TEXT NOT NULL,
        uploader_name TEXT NOT NULL,
        name TEXT NOT NULL,
        file_type TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        linked_at TEXT
      );
      CREATE INDEX attachments_ticket ON attachments (ticket_id, id);
      CREATE INDEX attachments_pending ON attachments (uploader_oid, id) WHERE ticket_id IS NULL;
    `);
  },
};
