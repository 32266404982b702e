import type { PgMigration } from './index';

/** Mirrors SQLite's 012-knowledge: article versions and what people did with them. */
export const pg012Knowledge: PgMigration = {
  name: '012-knowledge',
  async up(c) {
    await c.query(`
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
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        source TEXT NOT NULL,
        from_radicado TEXT,
        PRIMARY KEY (id, version)
      );
      CREATE TABLE kb_events (
        id BIGSERIAL PRIMARY KEY,
        kind TEXT NOT NULL,
        article_id TEXT,
        oid TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        place TEXT,
        service_id TEXT,
        helpful INTEGER,
        query TEXT
      );
      CREATE INDEX kb_events_at ON kb_events (at);
    `);
  },
};
