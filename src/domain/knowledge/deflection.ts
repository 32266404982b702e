/**
 * Deflection, counted honestly: an article's answer ("Sí, ya no necesito ayuda", "¿Le sirvió? Sí")
 * counts only if the same person files no case for that service within DEFLECTION_DAYS. Answers
 * still inside the window are pending, not deflected. Pure: events and filings in, figures out.
 */
import { DEFLECTION_DAYS, type Article, type DeflectionReport, type KnowledgeEvent } from './model';
import { fold } from './search';

/** A case filed by someone: who, for which service, when. */
export interface Filing {
  oid: string;
  serviceId: string;
  createdAt: Date;
}

const DAY_MS = 86_400_000;

/** The services an answer is about: the form's service, else the article's. */
function servicesOf(e: Extract<KnowledgeEvent, { kind: 'answered' }>, article: Article | undefined): string[] {
  return e.serviceId ? [e.serviceId] : (article?.serviceIds ?? []);
}

export function deflectionReport(events: KnowledgeEvent[], filings: Filing[], articles: Map<string, Article>, now: Date, top = 5): DeflectionReport {
  const windowMs = DEFLECTION_DAYS * DAY_MS;
  const byPerson = new Map<string, Filing[]>();
  for (const f of filings) byPerson.set(f.oid, [...(byPerson.get(f.oid) ?? []), f]);

  let answers = 0;
  let deflected = 0;
  let pending = 0;
  const perArticle = new Map<string, { shown: number; answered: number; helpful: number; notHelpful: number }>();
  const filedAnyway = new Map<string, number>();
  /** By folded text (case, accents and spaces aside), shown as first written. */
  const noResult = new Map<string, { query: string; count: number }>();
  const stats = (id: string) => {
    let s = perArticle.get(id);
    if (!s) perArticle.set(id, (s = { shown: 0, answered: 0, helpful: 0, notHelpful: 0 }));
    return s;
  };

  for (const e of events) {
    if (e.kind === 'no_result') {
      const shown = e.query.toLowerCase().replace(/\s+/g, ' ').trim().slice(0, 120);
      const key = fold(shown);
      if (!key) continue;
      const seen = noResult.get(key);
      if (seen) seen.count++;
      else noResult.set(key, { query: shown, count: 1 });
      continue;
    }
    if (e.kind === 'shown') stats(e.articleId).shown++;
    if (e.kind === 'helpful') stats(e.articleId)[e.helpful ? 'helpful' : 'notHelpful']++;
    if (e.kind !== 'answered') continue;
    answers++;
    stats(e.articleId).answered++;
    const services = new Set(servicesOf(e, articles.get(e.articleId)));
    const end = e.at.getTime() + windowMs;
    const filed = (byPerson.get(e.oid) ?? []).some((f) => services.has(f.serviceId) && f.createdAt.getTime() > e.at.getTime() && f.createdAt.getTime() <= end);
    if (filed) filedAnyway.set(e.articleId, (filedAnyway.get(e.articleId) ?? 0) + 1);
    else if (end > now.getTime()) pending++;
    else deflected++;
  }

  const measurable = answers - pending;
  const title = (id: string) => articles.get(id)?.title ?? id;
  return {
    answers,
    deflected,
    pending,
    rate: measurable > 0 ? Math.round((deflected / measurable) * 1000) / 10 : null,
    topArticles: [...perArticle.entries()]
      .map(([articleId, s]) => ({ articleId, title: title(articleId), ...s }))
      .sort((a, b) => b.answered - a.answered || b.shown - a.shown || a.articleId.localeCompare(b.articleId))
      .slice(0, top),
    noResult: [...noResult.values()]
      .sort((a, b) => b.count - a.count || a.query.localeCompare(b.query))
      .slice(0, top),
    filedAnyway: [...filedAnyway.entries()]
      .map(([articleId, count]) => ({ articleId, title: title(articleId), count }))
      .sort((a, b) => b.count - a.count || a.articleId.localeCompare(b.articleId))
      .slice(0, top),
  };
}
