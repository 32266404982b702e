/**
 * The knowledge base in Teams: articles offered before "Guardar" and for a problem typed in the
 * chat, "¿Le sirvió?", "Crear artículo" on a resolved case, supervisors' drafts (review, publish,
 * discard). Article ids and everything else from a card are re-validated here; a draft or retired
 * article is, for anyone but a supervisor, an article that does not exist.
 */
import { z } from 'zod';
import type { Article, ArticleHit, KnowledgeEvent } from '../../domain/knowledge/model';
import type { Ticket } from '../../domain/tickets/model';
import { pick } from '../../domain/types';
import { formatDate, formatDateTime } from '../../i18n';
import { escapeMarkdown, plainText } from '../cards';
import type { Turn } from '../turn';
import { mainActions } from '../turn';
import { suggestForProblem } from './catalog';
import { queueCard } from './queue';

const articleId = z.string().min(2).max(90).regex(/^[a-z0-9][a-z0-9-]*$/);
/** Where an article was answered: before filing, in the chat's suggestions, or on its own card (chat or inserted in a conversation). */
const where = z.enum(['form', 'chat', 'article']).catch('chat');
const typedText = z.string().max(4000).catch('');

/** The first paragraph of an article, as plain text, for lists. */
export function excerptOf(a: Article, max = 220): string {
  const plain = plainParagraph(firstParagraph(a.body));
  return escapeMarkdown(plain.length > max ? `${plain.slice(0, max - 1)}…` : plain, max + 10);
}

const firstParagraph = (body: string) => body.split(/\n\s*\n/).find((p) => p.trim()) ?? '';
const plainParagraph = (p: string) => p.replace(/\*\*|__|[*_`]/g, '').replace(/\[([^\]]+)\]\([^)]+\)/g, '$1').replace(/\s+/g, ' ').trim();

/** What "Leer el artículo" opens under the excerpt: the rest of the text (all of it when the excerpt was cut short). */
function bodyAfterExcerpt(a: Article, max = 220): string {
  const first = firstParagraph(a.body);
  if (plainParagraph(first).length > max) return a.body;
  return a.body.slice(a.body.indexOf(first) + first.length).trim() || a.body;
}

/** The services of an article, by name in the caller's language. */
export function servicesOf(turn: Turn, a: Article): string {
  return a.serviceIds.map((id) => turn.services.catalog.findService(id)).filter((s) => !!s).map((s) => pick(s!.name, turn.locale)).join(', ');
}

/**
 * Remembers what someone did with an article (for the metrics). Best effort: a database that cannot
 * take the write right now (locked, full) never stands between a person and the answer.
 */
export async function note(turn: Turn, event: KnowledgeEvent): Promise<void> {
  try {
    await turn.services.knowledge.record(event);
  } catch (err) {
    turn.services.log.warn({ err, kind: event.kind }, 'knowledge event not recorded');
  }
}

async function recordShown(turn: Turn, hits: ArticleHit[], place: 'form' | 'chat' | 'extension', serviceId?: string): Promise<void> {
  const at = turn.services.clock.now();
  for (const h of hits) await note(turn, { kind: 'shown', articleId: h.article.id, oid: turn.oid, at, where: place, serviceId });
}

/** Each article of a suggestions card; `notHelpful`: what "No me sirvió" carries (none: the card's own "No" answers it). */
function articleItems(hits: ArticleHit[], solved: Record<string, unknown>, notHelpful?: Record<string, unknown>) {
  return hits.map((h, i) => ({
    elementId: `kb-article-${i}`,
    title: escapeMarkdown(h.article.title, 200),
    excerpt: excerptOf(h.article),
    body: plainText(bodyAfterExcerpt(h.article), 8000),
    solvedData: { articleId: h.article.id, ...solved },
    notHelpful: !!notHelpful,
    notHelpfulData: notHelpful ? { articleId: h.article.id, helpful: false, ...notHelpful } : {},
  }));
}

/**
 * Before filing (TicketService's "articles" outcome): "¿Esto resuelve su caso?" — each article with
 * "Sí, ya no necesito ayuda", and the card's "No, registrar la solicitud", which carries the form's
 * values (nothing typed is lost; they are on that one button only, so the card stays small) and the
 * articles shown, counted as not helpful once the case is filed.
 */
export async function offerBeforeFiling(turn: Turn, templateId: string, serviceId: string, hits: ArticleHit[], form: Record<string, unknown>): Promise<void> {
  await recordShown(turn, hits, 'form', serviceId);
  const fileData = { ...form, kbChoice: 'file', kbShown: hits.map((h) => h.article.id) };
  await turn.show(
    turn.card('kb-suggestions', {
      heading: turn.messages.kbFormHeading,
      subheading: turn.messages.kbFormSubheading,
      articles: articleItems(hits, { where: 'form', templateId }),
      templates: [],
      actions: [{ title: turn.messages.btnKbFile, verb: 'ticket.submit', data: fileData }],
    }),
  );
}

const shownIds = z.array(articleId).max(3).catch([]);

/** A case filed after "No, registrar la solicitud": the articles shown did not solve it. */
export async function filedAfterArticles(turn: Turn, kbShown: unknown): Promise<void> {
  const at = turn.services.clock.now();
  for (const id of new Set(shownIds.parse(kbShown))) {
    const a = await turn.services.knowledge.get(id);
    if (a?.state === 'published') await note(turn, { kind: 'helpful', articleId: a.id, oid: turn.oid, at, helpful: false });
  }
}

/**
 * A problem typed in the chat: articles first, then the templates that fit it (`templates`, from
 * the catalog's suggestion). False when no article fits (the caller shows the templates alone),
 * and the search is remembered as one with no result.
 */
export async function offerForProblem(turn: Turn, text: string, templates: { name: string; description: string; verb: string; data: object }[]): Promise<boolean> {
  const hits = text ? turn.services.knowledge.suggest({ text, locale: turn.locale }) : [];
  if (!hits.length) {
    if (text) await note(turn, { kind: 'no_result', query: text.slice(0, 500), oid: turn.oid, at: turn.services.clock.now() });
    return false;
  }
  await recordShown(turn, hits, 'chat');
  await turn.show(
    turn.card('kb-suggestions', {
      heading: turn.messages.kbChatHeading,
      subheading: turn.messages.kbChatSubheading,
      articles: articleItems(hits, { where: 'chat' }, { where: 'chat', text }),
      templates,
      actions: [{ title: turn.messages.btnOtherOption, verb: 'catalog.categories', data: {} }],
    }),
  );
  return true;
}

/** A published article by a card's id; anything else (unknown, draft, retired) is "does not exist". */
async function publishedArticle(turn: Turn, id: unknown): Promise<Article | null> {
  const parsed = articleId.safeParse(id);
  const a = parsed.success ? await turn.services.knowledge.get(parsed.data) : null;
  if (a && a.state === 'published') return a;
  await turn.notice(turn.messages.kbArticleMissing, { color: 'Attention', actions: mainActions(turn) });
  return null;
}

/** The service a form's answer is about: the template's, from the catalog (never from the card). */
function formService(turn: Turn, templateId: unknown): string | undefined {
  return typeof templateId === 'string' ? turn.services.catalog.locate(templateId)?.service.id : undefined;
}

/** "Sí, ya no necesito ayuda": the article answered; counted as deflection unless they file for the service within 7 days. */
export async function answered(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const a = await publishedArticle(turn, data.articleId);
  if (!a) return;
  const at = turn.services.clock.now();
  const serviceId = where.parse(data.where) === 'form' ? formService(turn, data.templateId) : undefined;
  await note(turn, { kind: 'answered', articleId: a.id, oid: turn.oid, at, serviceId });
  await note(turn, { kind: 'helpful', articleId: a.id, oid: turn.oid, at, helpful: true });
  // On the article's own card the article stays, with the thanks; elsewhere, the thanks and what next.
  if (where.parse(data.where) === 'article') return void (await turn.show(articleCard(turn, a, false, turn.messages.kbAnsweredArticle)));
  await turn.notice(turn.messages.kbAnsweredThanks, { color: 'Good', actions: mainActions(turn) });
}

/** "¿Le sirvió?" on an article: yes is an answer; no keeps the article with thanks (its own card) or leaves the templates (chat). */
export async function feedback(turn: Turn, data: Record<string, unknown>): Promise<void> {
  if (data.helpful !== false) return answered(turn, data);
  const a = await publishedArticle(turn, data.articleId);
  if (!a) return;
  await note(turn, { kind: 'helpful', articleId: a.id, oid: turn.oid, at: turn.services.clock.now(), helpful: false });
  const place = where.parse(data.where);
  if (place === 'article') return void (await turn.show(articleCard(turn, a, false, turn.messages.kbNotHelpfulArticle)));
  const text = typedText.parse(data.text).trim();
  if (text) return suggestForProblem(turn, text, { articles: false });
  await turn.notice(turn.messages.kbNotHelpfulChat, { actions: mainActions(turn) });
}

/** An article on its own card (from a link or the compose-box search). */
export async function showArticle(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const a = await publishedArticle(turn, data.articleId);
  if (!a) return;
  await recordShown(turn, [{ article: a, score: 0 }], 'chat');
  await turn.show(articleCard(turn, a, true));
}

/** An article's card; with `feedback`, "¿Le sirvió?" and its two answers; `notice`: the answer to them. */
export function articleCard(turn: Turn, a: Article, withFeedback: boolean, notice = '') {
  const services = servicesOf(turn, a);
  const meta = [services, turn.text('kbUpdated', { date: formatDate(a.updatedAt, turn.locale) })].filter(Boolean).join(' · ');
  return turn.card('kb-article', {
    title: escapeMarkdown(a.title, 200),
    meta: escapeMarkdown(meta, 400),
    body: plainText(a.body, 8000),
    notice,
    feedback: withFeedback,
    actions: withFeedback
      ? [
          { title: turn.messages.btnKbSolved, verb: 'kb.answered', data: { articleId: a.id, where: 'article' } },
          { title: turn.messages.btnKbNotHelpful, verb: 'kb.feedback', data: { articleId: a.id, helpful: false, where: 'article' } },
        ]
      : [],
  });
}

/** "Crear artículo" on a resolved case's queue card (staff of its queue): a draft without personal data. */
export async function draftFromCase(turn: Turn, ticket: Ticket): Promise<void> {
  if (ticket.status !== 'resolved' && ticket.status !== 'closed') {
    await turn.show(await queueCard(turn, ticket, turn.messages.kbDraftOnlySolved));
    return;
  }
  const user = await turn.user();
  const template = turn.services.catalog.findTemplate(ticket.templateId);
  const name = template ? pick(template.name, ticket.locale) : ticket.templateId;
  const draft = await turn.services.knowledge.draftFromTicket(ticket, name, { oid: user.oid, name: user.name });
  turn.services.log.info({ articleId: draft.id, radicado: ticket.radicado, by: user.oid }, 'knowledge draft created from a case');
  // The queue card stays as it was (with its buttons); the news goes in the thread.
  await turn.show(await queueCard(turn, ticket));
  await turn.ctx.sendActivity(turn.text('kbDraftCreated', { title: draft.title, radicado: ticket.radicado }));
}

/** "borradores": the drafts waiting for a supervisor. */
export async function showDrafts(turn: Turn, notice = '', noticeColor = 'Good'): Promise<void> {
  const drafts = await turn.services.knowledge.drafts();
  await turn.show(
    turn.card('kb-drafts', {
      notice,
      noticeColor,
      drafts: drafts.slice(0, 20).map((d) => ({
        title: escapeMarkdown(d.title, 200),
        from: escapeMarkdown(turn.text('kbDraftFrom', { radicado: d.fromRadicado ?? '—', author: d.author.name, date: formatDateTime(d.updatedAt, turn.locale) }), 300),
        excerpt: excerptOf(d),
        data: { articleId: d.id },
      })),
    }),
  );
}

async function draftOf(turn: Turn, id: unknown): Promise<Article | null> {
  const parsed = articleId.safeParse(id);
  const a = parsed.success ? await turn.services.knowledge.get(parsed.data) : null;
  if (a && a.state === 'draft') return a;
  await showDrafts(turn, turn.messages.kbNotDraft, 'Attention');
  return null;
}

function draftCard(turn: Turn, d: Article, values: { title: string; body: string }, error = '') {
  return turn.card('kb-draft', {
    heading: turn.messages.kbDraftsTitle,
    from: escapeMarkdown(turn.text('kbDraftFrom', { radicado: d.fromRadicado ?? '—', author: d.author.name, date: formatDateTime(d.updatedAt, turn.locale) }), 300),
    error,
    title: values.title,
    body: values.body,
    data: { articleId: d.id },
  });
}

export async function reviewDraft(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const d = await draftOf(turn, data.articleId);
  if (d) await turn.show(draftCard(turn, d, { title: d.title, body: d.body }));
}

const draftEdits = z.object({
  title: z.string().transform((s) => s.trim()).pipe(z.string().min(3).max(200)),
  body: z.string().transform((s) => s.replace(/\r\n/g, '\n').trim()).pipe(z.string().min(20).max(8000)),
});

/** "Publicar": the supervisor's edits validated again; the article is searchable at once. */
export async function publishDraft(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const d = await draftOf(turn, data.articleId);
  if (!d) return;
  const edits = draftEdits.safeParse({ title: data.title, body: data.body });
  if (!edits.success) {
    const typed = { title: typeof data.title === 'string' ? data.title.slice(0, 200) : d.title, body: typeof data.body === 'string' ? data.body.slice(0, 8000) : d.body };
    await turn.show(draftCard(turn, d, typed, `${turn.messages.kbDraftTitleLabel} (3–200) · ${turn.messages.kbDraftBodyLabel} (20–8000)`));
    return;
  }
  const user = await turn.user();
  const published = await turn.services.knowledge.publish(d.id, { oid: user.oid, name: user.name }, edits.data);
  if (!published) return showDrafts(turn, turn.messages.kbNotDraft, 'Attention');
  turn.services.log.info({ articleId: d.id, by: user.oid }, 'knowledge article published');
  await showDrafts(turn, turn.text('kbPublished', { title: escapeMarkdown(published.title, 200) }));
}

export async function discardDraft(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const d = await draftOf(turn, data.articleId);
  if (!d) return;
  const user = await turn.user();
  const retired = await turn.services.knowledge.retire(d.id, { oid: user.oid, name: user.name });
  if (!retired) return showDrafts(turn, turn.messages.kbNotDraft, 'Attention');
  await showDrafts(turn, turn.text('kbDiscarded', { title: escapeMarkdown(d.title, 200) }));
}
