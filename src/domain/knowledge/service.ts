/**
 * The knowledge base's rules: articles from config/knowledge (synchronised into storage at start, a
 * new version whenever a file changed) and articles written in Teams (drafted from a resolved case,
 * published or retired by a supervisor); searches over the published ones in memory; what people
 * did with them, and the deflection figures.
 */
import type { Clock } from '../ports';
import type { Ticket } from '../tickets/model';
import type { Locale } from '../types';
import { deflectionReport } from './deflection';
import { slugOf, stripPersonalData } from './draft';
import type { Article, ArticleHit, DeflectionReport, Knowledge, KnowledgeEvent, KnowledgeRepository, SearchOptions } from './model';
import { ArticleIndex } from './search';

/** An article as a file gives it (config/knowledge/<id>.md). */
export type ArticleFile = Pick<Article, 'id' | 'title' | 'body' | 'locale' | 'keywords' | 'serviceIds'> & { author: string; updatedAt: Date };

function sameContent(a: Article, f: ArticleFile): boolean {
  return (
    a.title === f.title &&
    a.body === f.body &&
    a.locale === f.locale &&
    a.keywords.join('\n') === f.keywords.join('\n') &&
    a.serviceIds.join('\n') === f.serviceIds.join('\n') &&
    a.author.name === f.author
  );
}

export class KnowledgeService implements Knowledge {
  private index = new ArticleIndex([]);
  private stamp = '';

  constructor(
    private readonly repo: KnowledgeRepository,
    private readonly clock: Clock,
    private readonly opts: { files: ArticleFile[]; radicadoPrefix: string },
  ) {}

  /**
   * Brings the files into storage (a changed file is a new version; a file removed from the folder
   * retires its article) and builds the index. Safe with several instances starting at once: a
   * version someone else saved first is simply kept.
   */
  async start(): Promise<void> {
    const stored = new Map((await this.repo.list()).map((a) => [a.id, a]));
    const now = this.clock.now();
    const changed: Article[] = [];
    for (const f of this.opts.files) {
      const cur = stored.get(f.id);
      if (cur && cur.source === 'teams') continue; // an id written in Teams first keeps its article
      if (cur && cur.state === 'published' && sameContent(cur, f)) continue;
      changed.push({
        ...f,
        version: (cur?.version ?? 0) + 1,
        state: 'published',
        author: { name: f.author },
        createdAt: cur?.createdAt ?? f.updatedAt,
        updatedAt: cur ? now : f.updatedAt,
        source: 'file',
      });
    }
    const files = new Set(this.opts.files.map((f) => f.id));
    for (const a of stored.values()) {
      if (a.source === 'file' && a.state === 'published' && !files.has(a.id)) changed.push({ ...a, version: a.version + 1, state: 'retired', updatedAt: now });
    }
    // One transaction for all of them (a first start stores every file at once).
    await this.repo.saveMany(changed);
    await this.reindex();
  }

  /** Rebuilds the index from storage when something changed (here or on another instance). */
  async reindex(): Promise<boolean> {
    const stamp = await this.repo.stamp();
    if (stamp === this.stamp) return false;
    this.index = new ArticleIndex(await this.repo.list());
    this.stamp = stamp;
    return true;
  }

  get publishedCount(): number {
    return this.index.size;
  }

  search(query: string, opts?: SearchOptions): ArticleHit[] {
    return this.index.search(query, opts);
  }

  suggest(input: { text: string; serviceId?: string; locale?: Locale }): ArticleHit[] {
    return this.index.suggest(input.text, { locale: input.locale, serviceIds: input.serviceId ? [input.serviceId] : undefined });
  }

  get(id: string): Promise<Article | null> {
    return this.repo.get(id);
  }

  async draftFromTicket(ticket: Ticket, templateName: string, author: { oid: string; name: string }): Promise<Article> {
    const names = [ticket.requester.name, ticket.assignee?.name ?? '', author.name];
    const clean = (s: string) => stripPersonalData(s, { names, radicadoPrefix: this.opts.radicadoPrefix, locale: ticket.locale }).trim();
    const es = ticket.locale !== 'en';
    const body = [
      es ? '**El problema**' : '**The problem**',
      clean(ticket.description),
      es ? '**Qué lo resolvió**' : '**What solved it**',
      clean(ticket.resolutionNote ?? '') || (es ? '(Escriba aquí los pasos.)' : '(Write the steps here.)'),
    ].join('\n\n');
    const now = this.clock.now();
    // The same case drafted twice gives the same draft (one per radicado).
    const id = `${slugOf(templateName)}-${ticket.radicado.toLowerCase()}`.slice(0, 90);
    const existing = await this.repo.get(id);
    if (existing) return existing;
    const draft: Article = {
      id,
      version: 1,
      title: templateName,
      body,
      locale: ticket.locale,
      keywords: [],
      serviceIds: [ticket.serviceId],
      state: 'draft',
      author,
      createdAt: now,
      updatedAt: now,
      source: 'teams',
      fromRadicado: ticket.radicado,
    };
    if (!(await this.repo.save(draft))) return (await this.repo.get(id))!;
    return draft;
  }

  async publish(id: string, by: { oid: string; name: string }, edits: { title?: string; body?: string } = {}): Promise<Article | null> {
    const cur = await this.repo.get(id);
    if (!cur || cur.state !== 'draft') return null;
    const next: Article = {
      ...cur,
      title: edits.title?.trim() || cur.title,
      body: edits.body?.trim() || cur.body,
      version: cur.version + 1,
      state: 'published',
      author: cur.author.oid ? cur.author : by,
      updatedAt: this.clock.now(),
    };
    if (!(await this.repo.save(next))) return null;
    await this.reindex();
    return next;
  }

  async retire(id: string, _by: { oid: string; name: string }): Promise<Article | null> {
    const cur = await this.repo.get(id);
    if (!cur || cur.state === 'retired') return null;
    const next: Article = { ...cur, version: cur.version + 1, state: 'retired', updatedAt: this.clock.now() };
    if (!(await this.repo.save(next))) return null;
    await this.reindex();
    return next;
  }

  async drafts(): Promise<Article[]> {
    return (await this.repo.list()).filter((a) => a.state === 'draft').sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
  }

  record(event: KnowledgeEvent): Promise<void> {
    return this.repo.record(event);
  }

  async deflection(since: Date, now: Date): Promise<DeflectionReport> {
    const events = (await this.repo.eventsSince(since)).filter((e) => e.at.getTime() <= now.getTime());
    const oids = [...new Set(events.filter((e) => e.kind === 'answered').map((e) => e.oid))];
    const filings = oids.length ? await this.repo.filingsSince(oids, since) : [];
    const articles = new Map((await this.repo.list()).map((a) => [a.id, a]));
    return deflectionReport(events, filings, articles, now);
  }
}
