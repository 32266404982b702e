/**
 * The knowledge base: articles that answer common requests before a case is filed, their versions,
 * and what people did with them (feedback, answers that spared a case). Plain TypeScript, no I/O.
 */
import type { Locale } from '../types';

export type ArticleState = 'draft' | 'published' | 'retired';

export interface Article {
  /** Kebab-case slug, unique ("vpn-no-conecta"); a file's name without ".md", or made from the title. */
  id: string;
  /** 1 for the first version; each change (edit, publish, retire) is a new version. */
  version: number;
  title: string;
  /** Markdown (headings, lists, bold, links): rendered on cards as Adaptive Card text. */
  body: string;
  locale: Locale;
  keywords: string[];
  /** Catalog service ids it belongs to (a template's service finds it first). */
  serviceIds: string[];
  state: ArticleState;
  author: { oid?: string; name: string };
  createdAt: Date;
  updatedAt: Date;
  /** Where it comes from: a file of config/knowledge (read-only in Teams) or written in Teams. */
  source: 'file' | 'teams';
  /** Written from a resolved case: its radicado. */
  fromRadicado?: string;
}

export interface ArticleHit {
  article: Article;
  /** Relevance, higher is better (only comparable within one search). */
  score: number;
  /** Share of the query's words (after stemming, without common words) the article matched, 0..1. */
  coverage?: number;
}

export interface SearchOptions {
  locale?: Locale;
  /** Articles of these services rank first (a form's service). */
  serviceIds?: string[];
  limit?: number;
}

/** What people did with an article shown to them. */
export type KnowledgeEvent =
  | { kind: 'shown'; articleId: string; oid: string; at: Date; where: 'form' | 'chat' | 'extension'; serviceId?: string }
  /** "Sí, ya no necesito ayuda" / "¿Le sirvió? Sí": counts as deflection unless they file for the service within 7 days. */
  | { kind: 'answered'; articleId: string; oid: string; at: Date; serviceId?: string }
  | { kind: 'helpful'; articleId: string; oid: string; at: Date; helpful: boolean }
  /** A search that found nothing: what to write next. */
  | { kind: 'no_result'; query: string; oid: string; at: Date };

/** Days after an article's answer within which a case for the same service means it did not help. */
export const DEFLECTION_DAYS = 7;

export interface KnowledgeRepository {
  /** Every article's current version (all states). */
  list(): Promise<Article[]>;
  get(id: string): Promise<Article | null>;
  /** Stores a new version (article.version must be the previous + 1, or 1 for a new id); false if someone saved first. */
  save(article: Article): Promise<boolean>;
  /** Several saves in one transaction (the files at start-up); how many were stored. */
  saveMany(articles: Article[]): Promise<number>;
  versions(id: string): Promise<Article[]>;
  record(event: KnowledgeEvent): Promise<void>;
  /** Events since `since`, for the metrics. */
  eventsSince(since: Date): Promise<KnowledgeEvent[]>;
  /** Cases filed by these people since `since` (who, service, when): what the deflection rule checks. */
  filingsSince(oids: string[], since: Date): Promise<import('./deflection').Filing[]>;
  /** Changes whenever any article changes (count and latest update): another instance's edit shows up here. */
  stamp(): Promise<string>;
}

/** Deflection figures for the metrics (pure: computed from events and the cases filed after them). */
export interface DeflectionReport {
  /** "answered" events in the period. */
  answers: number;
  /** Of those, the ones whose person filed no case for the same service within DEFLECTION_DAYS (or not yet known: still inside the window counts as pending, not deflected). */
  deflected: number;
  pending: number;
  /** deflected / (answers - pending), percent with one decimal; null when nothing is measurable. */
  rate: number | null;
  topArticles: { articleId: string; title: string; shown: number; answered: number; helpful: number; notHelpful: number }[];
  /** Searches with no result, most frequent first (normalised text). */
  noResult: { query: string; count: number }[];
  /** Articles whose readers filed a case for the same service anyway within DEFLECTION_DAYS. */
  filedAnyway: { articleId: string; title: string; count: number }[];
}

/**
 * What the Teams side uses (src/domain/knowledge/service.ts implements it). Searches are over
 * published articles only, in memory (rebuilt when an article changes); the rest goes to storage.
 */
export interface Knowledge {
  search(query: string, opts?: SearchOptions): ArticleHit[];
  /** The 1–3 best articles for a request being filed (its service and typed text), above a relevance floor. */
  suggest(input: { text: string; serviceId?: string; locale?: Locale }): ArticleHit[];
  get(id: string): Promise<Article | null>;
  /** A draft from a resolved case (title from the template, body from the description and the resolution note), personal data stripped. */
  draftFromTicket(ticket: import('../tickets/model').Ticket, templateName: string, author: { oid: string; name: string }): Promise<Article>;
  /** draft → published (supervisors), with the supervisor's edits of title and body; null when it is not a draft or someone changed it first. */
  publish(id: string, by: { oid: string; name: string }, edits?: { title?: string; body?: string }): Promise<Article | null>;
  retire(id: string, by: { oid: string; name: string }): Promise<Article | null>;
  /** Drafts waiting for a supervisor, newest first. */
  drafts(): Promise<Article[]>;
  record(event: KnowledgeEvent): Promise<void>;
  deflection(since: Date, now: Date): Promise<DeflectionReport>;
}
