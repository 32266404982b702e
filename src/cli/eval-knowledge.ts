/**
 * `npm run eval:knowledge`: how well the knowledge base finds the article that answers what people
 * type. Runs test/fixtures/knowledge-relevance.json (queries with their best articles) through the
 * candidates the issue named and prints top-1 / top-3 hit rates side by side:
 * - minisearch (what the bot uses: BM25, prefix and typo matching, Spanish stemming);
 * - SQLite FTS5 (`unicode61 remove_diacritics 2`, prefix queries, bm25 with the same field weights);
 * - PostgreSQL text search (`to_tsvector('spanish')`, weights A/B/C, `ts_rank_cd`), when DATABASE_URL
 *   is set (a throwaway table in a temporary schema, dropped afterwards).
 * Also how many of test/fixtures/knowledge-no-answer.json get an article offered before filing.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { rawEnvironment, readEnv } from '../config';
import { loadCatalog } from '../config-files';
import type { Article } from '../domain/knowledge/model';
import { ArticleIndex, fold, isStopWord } from '../domain/knowledge/search';
import { loadKnowledge } from '../knowledge-files';
import { ROOT } from '../paths';

interface Query {
  query: string;
  locale: 'es' | 'en';
  best: string[];
}

type Searcher = (q: Query) => Promise<string[]>;

async function measure(name: string, queries: Query[], search: Searcher): Promise<string> {
  let top1 = 0;
  let top3 = 0;
  for (const q of queries) {
    const ids = (await search(q)).slice(0, 3);
    if (q.best.includes(ids[0])) top1++;
    if (ids.some((id) => q.best.includes(id))) top3++;
  }
  const pct = (n: number) => `${((100 * n) / queries.length).toFixed(1)} %`.padStart(8);
  return `${name.padEnd(34)}${pct(top1)}${pct(top3)}`;
}

/** FTS5 over the same articles: folded words, prefix queries for words of four letters or more. */
function fts5(articles: Article[]): Searcher {
  const db = new Database(':memory:');
  db.exec(`CREATE VIRTUAL TABLE kb USING fts5(id UNINDEXED, locale UNINDEXED, title, keywords, body, tokenize = 'unicode61 remove_diacritics 2')`);
  const insert = db.prepare('INSERT INTO kb (id, locale, title, keywords, body) VALUES (?, ?, ?, ?, ?)');
  for (const a of articles) insert.run(a.id, a.locale, a.title, a.keywords.join(' '), a.body);
  const select = db.prepare(`SELECT id FROM kb WHERE kb MATCH ? AND locale = ? ORDER BY bm25(kb, 0, 0, 3.0, 2.5, 1.0) LIMIT 3`);
  return async (q) => {
    const words = [...new Set(fold(q.query).split(/[^a-z0-9ñ]+/).filter((w) => w.length >= 2 && !isStopWord(w, q.locale)))];
    if (!words.length) return [];
    const match = words.map((w) => (w.length >= 4 ? `"${w}"*` : `"${w}"`)).join(' OR ');
    return (select.all(match, q.locale) as { id: string }[]).map((r) => r.id);
  };
}

/** PostgreSQL's Spanish (and English) text search configurations over the same articles. */
async function postgres(url: string, articles: Article[]): Promise<{ search: Searcher; close: () => Promise<void> }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const schema = `kb_eval_${process.pid}`;
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.query(`CREATE TABLE ${schema}.kb (id TEXT, locale TEXT, doc TSVECTOR)`);
  for (const a of articles) {
    const cfg = a.locale === 'en' ? 'english' : 'spanish';
    await c.query(
      `INSERT INTO ${schema}.kb VALUES ($1, $2, setweight(to_tsvector('${cfg}', $3), 'A') || setweight(to_tsvector('${cfg}', $4), 'B') || setweight(to_tsvector('${cfg}', $5), 'C'))`,
      [a.id, a.locale, a.title, a.keywords.join(' '), a.body],
    );
  }
  return {
    search: async (q) => {
      const cfg = q.locale === 'en' ? 'english' : 'spanish';
      const words = [...new Set(q.query.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 2))];
      if (!words.length) return [];
      const r = await c.query(
        `SELECT id FROM ${schema}.kb, to_tsquery('${cfg}', $1) query WHERE locale = $2 AND doc @@ query ORDER BY ts_rank_cd(doc, query) DESC LIMIT 3`,
        [words.map((w) => `'${w.replace(/'/g, '')}'`).join(' | '), q.locale],
      );
      return r.rows.map((row: { id: string }) => row.id);
    },
    close: async () => {
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}

async function main(): Promise<number> {
  const cfg = readEnv(rawEnvironment(), { requireBotCredentials: false });
  const catalog = loadCatalog(cfg.catalogPath);
  const files = loadKnowledge(cfg.knowledge.dir, catalog, cfg.knowledge.required);
  const articles: Article[] = files.map((f) => ({ ...f, version: 1, state: 'published', author: { name: f.author }, createdAt: f.updatedAt, source: 'file' }));
  const queries: Query[] = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/knowledge-relevance.json'), 'utf8'));
  const noAnswer: string[] = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/knowledge-no-answer.json'), 'utf8'));
  const index = new ArticleIndex(articles);

  console.log(`${articles.length} articles, ${queries.length} queries with their best article\n`);
  console.log(`${'engine'.padEnd(34)}${'top-1'.padStart(8)}${'top-3'.padStart(8)}`);
  console.log(await measure('minisearch (the bot)', queries, async (q) => index.search(q.query, { locale: q.locale, limit: 3 }).map((h) => h.article.id)));
  console.log(await measure('SQLite FTS5 (unicode61, prefix)', queries, fts5(articles)));
  if (cfg.databaseUrl) {
    const pg = await postgres(cfg.databaseUrl, articles);
    try {
      console.log(await measure("PostgreSQL to_tsvector('spanish')", queries, pg.search));
    } finally {
      await pg.close();
    }
  } else {
    console.log(`${"PostgreSQL to_tsvector('spanish')".padEnd(34)}  (set DATABASE_URL to measure it)`);
  }
  const offered = noAnswer.filter((q) => index.suggest(q, { locale: 'es' }).length > 0);
  console.log(`\nQuestions the base cannot answer that still get an article before filing: ${offered.length} of ${noAnswer.length}`);
  for (const q of offered) console.log(`  ${q} → ${index.suggest(q, { locale: 'es' }).map((h) => h.article.id).join(', ')}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
