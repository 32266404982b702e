/**
 * Full-text search over the published articles, in memory: minisearch (BM25 ranking, prefix and
 * fuzzy matching for typos) over terms folded the way people type — lower case, Spanish (or English)
 * stemming, accents dropped, common words left out. Chosen over SQLite FTS5 / PostgreSQL `spanish`
 * text search by measuring both on test/fixtures/knowledge-relevance.json (the README gives the
 * figures): one index behaves the same on both engines, and typo tolerance comes with it.
 */
import MiniSearch from 'minisearch';
import { stemmer as stemEs } from '@orama/stemmers/spanish';
import { stemmer as stemEn } from '@orama/stemmers/english';
import type { Locale } from '../types';
import type { Article, ArticleHit, SearchOptions } from './model';

/** Words that say nothing about the problem ("no me deja", "the", …): never indexed nor searched. */
const STOP: Record<Locale, Set<string>> = {
  es: new Set(
    ('a al algo algun alguna alguno ante antes aqui asi aun bien cada casi como con contra cual cuando de del desde donde dos el ella ellos en entre era es esa ese eso esta estan este esto estoy fue ha hace hacer han hay la las le les lo los mas me mi mis mucho muy nada ni no nos o otra otro para pero poco por porque puedo que quiero se ser si sin sobre solo son su sus tambien tengo tiene todo todos tu un una uno unos usted y ya yo ' +
      'favor hola buenas buenos dias tardes gracias necesito ayuda ayudar problema puede pueden deja funciona sirve')
      .split(/\s+/),
  ),
  en: new Set(
    ('a an and are as at be but by can cannot cant do does doesnt dont for from get has have how i if in is it its me my no not of on or so that the there this to up was what when why with won wont you your ' +
      'please hello hi thanks help need problem work works working')
      .split(/\s+/),
  ),
};

const STEM: Record<Locale, (w: string) => string> = { es: stemEs, en: stemEn };

/** A word (folded) that says nothing about the problem. */
export function isStopWord(word: string, locale: Locale): boolean {
  return STOP[locale].has(word);
}

/** Lower case, no accents (ñ kept: "año" is not "ano"). */
export function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/(n)\u0303/g, 'ñ')
    .replace(/[\u0300-\u036f]/g, '');
}

/** The terms a text contributes to the index or a query, in order (stop words and one-letter words out). */
export function terms(text: string, locale: Locale): string[] {
  const out: string[] = [];
  for (const raw of fold(text).split(/[^a-z0-9ñ]+/)) {
    if (raw.length < 2 || isStopWord(raw, locale)) continue;
    out.push(fold(STEM[locale](raw)));
  }
  return out;
}

interface Doc {
  id: string;
  title: string;
  keywords: string;
  body: string;
  serviceIds: string[];
}

/**
 * When an article is worth offering before filing, measured on test/fixtures/knowledge-relevance.json
 * (every query's best article passes) and knowledge-no-answer.json (most pass nothing): a relevance
 * of at least SUGGEST_FLOOR (BM25 units of this index) and half the query's words matched, or a
 * relevance of SUGGEST_STRONG whatever the share (a long message whose key words match strongly).
 */
export const SUGGEST_FLOOR = 15;
export const SUGGEST_COVERAGE = 0.5;
export const SUGGEST_STRONG = 40;
/** A second or third article is suggested only when it scores at least this share of the best. */
export const SUGGEST_RELATIVE = 0.45;

/**
 * The searchable published articles, one index per language. Rebuilt whole when articles change
 * (a few hundred articles index in milliseconds); searches are synchronous.
 */
export class ArticleIndex {
  private readonly byLocale = new Map<Locale, MiniSearch<Doc>>();
  private readonly articles = new Map<string, Article>();

  constructor(articles: Article[]) {
    for (const a of articles) {
      if (a.state !== 'published') continue;
      this.articles.set(a.id, a);
      let index = this.byLocale.get(a.locale);
      if (!index) {
        index = ArticleIndex.create(a.locale);
        this.byLocale.set(a.locale, index);
      }
      index.add({ id: a.id, title: a.title, keywords: a.keywords.join(' '), body: a.body, serviceIds: a.serviceIds });
    }
  }

  private static create(locale: Locale): MiniSearch<Doc> {
    return new MiniSearch<Doc>({
      fields: ['title', 'keywords', 'body'],
      storeFields: ['serviceIds'],
      tokenize: (text) => [text],
      processTerm: (text) => terms(text, locale),
      searchOptions: {
        boost: { title: 3, keywords: 2.5, body: 1 },
        // Typos: one edit in words of 5–8 letters, two in longer ones; a word still being typed matches by prefix.
        fuzzy: (term) => (term.length >= 5 ? 0.25 : false),
        prefix: (term) => term.length >= 4,
        weights: { fuzzy: 0.6, prefix: 0.5 },
        combineWith: 'OR',
      },
    });
  }

  get size(): number {
    return this.articles.size;
  }

  /** Published articles in the caller's language, by relevance (an article in another language is never offered). */
  search(query: string, opts: SearchOptions = {}): ArticleHit[] {
    return this.searchIn(opts.locale ?? 'es', query, opts.serviceIds).slice(0, opts.limit ?? 5);
  }

  private searchIn(locale: Locale, query: string, serviceIds: string[] | undefined): ArticleHit[] {
    const index = this.byLocale.get(locale);
    if (!index || !terms(query, locale).length) return [];
    const preferred = new Set(serviceIds ?? []);
    const results = index.search(query, {
      boostDocument: preferred.size
        ? (_id, _term, stored) => ((stored?.serviceIds as string[] | undefined) ?? []).some((s) => preferred.has(s)) ? 1.5 : 1
        : undefined,
    });
    const words = new Set(terms(query, locale)).size;
    return results.map((r) => ({ article: this.articles.get(String(r.id))!, score: r.score, coverage: Math.min(1, r.queryTerms.length / words) }));
  }

  /** The 1–3 articles worth showing before filing: above the floor, and close to the best. */
  suggest(query: string, opts: SearchOptions = {}): ArticleHit[] {
    const hits = this.search(query, { ...opts, limit: 3 });
    const top = hits[0];
    if (!top || top.score < SUGGEST_FLOOR) return [];
    if ((top.coverage ?? 0) < SUGGEST_COVERAGE && top.score < SUGGEST_STRONG) return [];
    return hits.filter((h) => h.score >= top.score * SUGGEST_RELATIVE);
  }
}
