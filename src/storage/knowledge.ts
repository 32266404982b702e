/**
 * The knowledge base on either engine: every version of every article (the current one is the
 * highest), what people did with the articles, and the filings the deflection rule checks.
 */
import type { Filing } from '../domain/knowledge/deflection';
import type { Article, KnowledgeEvent, KnowledgeRepository } from '../domain/knowledge/model';
import type { Locale } from '../domain/types';
import { placeholders, type Sql } from './sql';

interface ArticleRow {
  id: string;
  version: number;
  state: string;
  title: string;
  body: string;
  locale: string;
  keywords: string;
  service_ids: string;
  author_oid: string | null;
  author_name: string;
  created_at: string;
  updated_at: string;
  source: string;
  from_radicado: string | null;
}

interface EventRow {
  kind: string;
  article_id: string | null;
  oid: string;
  at: string;
  place: string | null;
  service_id: string | null;
  helpful: number | null;
  query: string | null;
}

function toArticle(r: ArticleRow): Article {
  return {
    id: r.id,
    version: r.version,
    title: r.title,
    body: r.body,
    locale: r.locale as Locale,
    keywords: JSON.parse(r.keywords) as string[],
    serviceIds: JSON.parse(r.service_ids) as string[],
    state: r.state as Article['state'],
    author: r.author_oid ? { oid: r.author_oid, name: r.author_name } : { name: r.author_name },
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    source: r.source as Article['source'],
    fromRadicado: r.from_radicado ?? undefined,
  };
}

function toEvent(r: EventRow): KnowledgeEvent | null {
  const at = new Date(r.at);
  const serviceId = r.service_id ?? undefined;
  switch (r.kind) {
    case 'shown':
      return { kind: 'shown', articleId: r.article_id!, oid: r.oid, at, where: (r.place ?? 'chat') as 'form' | 'chat' | 'extension', serviceId };
    case 'answered':
      return { kind: 'answered', articleId: r.article_id!, oid: r.oid, at, serviceId };
    case 'helpful':
      return { kind: 'helpful', articleId: r.article_id!, oid: r.oid, at, helpful: r.helpful === 1 };
    case 'no_result':
      return { kind: 'no_result', query: r.query ?? '', oid: r.oid, at };
    default:
      return null;
  }
}

/** The current version of each article. */
const CURRENT = `SELECT a.* FROM kb_articles a
  WHERE a.version = (SELECT max(b.version) FROM kb_articles b WHERE b.id = a.id)`;

export class SqlKnowledgeRepository implements KnowledgeRepository {
  constructor(private readonly q: Sql) {}

  async list(): Promise<Article[]> {
    return (await this.q.all<ArticleRow>(`${CURRENT} ORDER BY a.id`)).map(toArticle);
  }

  async get(id: string): Promise<Article | null> {
    const r = await this.q.one<ArticleRow>('SELECT * FROM kb_articles WHERE id = ? ORDER BY version DESC LIMIT 1', [id]);
    return r ? toArticle(r) : null;
  }

  async versions(id: string): Promise<Article[]> {
    return (await this.q.all<ArticleRow>('SELECT * FROM kb_articles WHERE id = ? ORDER BY version', [id])).map(toArticle);
  }

  async save(a: Article): Promise<boolean> {
    return this.q.tx(async (q) => {
      const cur = await q.one<{ v: number | null }>('SELECT max(version) AS v FROM kb_articles WHERE id = ?', [a.id]);
      if ((cur?.v ?? 0) + 1 !== a.version) return false;
      // Two writers of the same next version: the key lets one in, the other changes nothing.
      const r = await q.run(
        `INSERT INTO kb_articles (id, version, state, title, body, locale, keywords, service_ids, author_oid, author_name, created_at, updated_at, source, from_radicado)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id, version) DO NOTHING`,
        [a.id, a.version, a.state, a.title, a.body, a.locale, JSON.stringify(a.keywords), JSON.stringify(a.serviceIds), a.author.oid, a.author.name, a.createdAt, a.updatedAt, a.source, a.fromRadicado],
      );
      return r.changes === 1;
    });
  }

  async saveMany(list: Article[]): Promise<number> {
    if (!list.length) return 0;
    return this.q.tx(async () => {
      let n = 0;
      for (const a of list) if (await this.save(a)) n++;
      return n;
    });
  }

  async record(e: KnowledgeEvent): Promise<void> {
    const article = 'articleId' in e ? e.articleId : null;
    await this.q.run('INSERT INTO kb_events (kind, article_id, oid, at, place, service_id, helpful, query) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      e.kind,
      article,
      e.oid,
      e.at,
      e.kind === 'shown' ? e.where : null,
      'serviceId' in e ? e.serviceId : null,
      e.kind === 'helpful' ? e.helpful : null,
      e.kind === 'no_result' ? e.query.slice(0, 500) : null,
    ]);
  }

  async eventsSince(since: Date): Promise<KnowledgeEvent[]> {
    const rows = await this.q.all<EventRow>('SELECT kind, article_id, oid, at, place, service_id, helpful, query FROM kb_events WHERE at >= ? ORDER BY at, id', [since]);
    return rows.map(toEvent).filter((e): e is KnowledgeEvent => e !== null);
  }

  async filingsSince(oids: string[], since: Date): Promise<Filing[]> {
    const out: Filing[] = [];
    // In slices, so a month of answers never builds one giant IN list.
    for (let i = 0; i < oids.length; i += 500) {
      const slice = oids.slice(i, i + 500);
      const rows = await this.q.all<{ requester_oid: string; service_id: string; created_at: string }>(
        `SELECT requester_oid, service_id, created_at FROM tickets WHERE requester_oid IN (${placeholders(slice)}) AND created_at >= ?`,
        [...slice, since],
      );
      for (const r of rows) out.push({ oid: r.requester_oid, serviceId: r.service_id, createdAt: new Date(r.created_at) });
    }
    return out;
  }

  async stamp(): Promise<string> {
    const r = await this.q.one<{ n: number; latest: string | null }>('SELECT count(*) AS n, max(updated_at) AS latest FROM kb_articles');
    return `${r?.n ?? 0}:${r?.latest ?? ''}`;
  }
}
