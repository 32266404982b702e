import type { Migration } from './index';

/**
 * The knowledge base:
 * - `kb_articles`: every version of every article (files of config/knowledge and articles written in
 *   Teams); the current one is the highest version. (id, version) is the key, so two writers of the
 *   same next version cannot both win.
 * - `kb_events`: what people did with the articles shown to them (shown, answered, helpful) and
 *   searches that found nothing; read by the deflection figures.
 */
export const m012Knowledge: Migration = {
  name: '012-knowledge',
  up(db) {
    db.exec(`
      CREATE TABLE kb_articles (
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        state TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        locale TEXT NOT NULL,
        keywords TEXT NOT NULL,
        service_ids TEXT NOT NULL,
        author_oid TEXT,
        author_name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        source TEXT NOT NULL,
        from_radicado TEXT,
        PRIMARY KEY (id, version)
      );
      CREATE TABLE kb_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        article_id TEXT,
        oid TEXT NOT NULL,
        at TEXT NOT NULL,
        place TEXT,
        service_id TEXT,
        helpful INTEGER,
        query TEXT
      );
      CREATE INDEX kb_events_at ON kb_events (at);
    `);
  },
};
