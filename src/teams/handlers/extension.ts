/**
 * The message extension, from any chat's compose box:
 * - "Buscar en la Mesa de Ayuda" (composeExtension/query, /selectItem): published articles and the
 *   caller's own radicados (or any radicado they may see, typed whole); the card inserted in the
 *   conversation shows an article, or a ticket's radicado, service and state only — its button goes
 *   through the gate like any other, so a reader who may not see the case gets "does not exist".
 * - "Crear radicado desde este mensaje" (composeExtension/fetchTask, /submitAction): a dialog with
 *   the message's text, the templates that fit it, then the real form; every card action inside the
 *   dialog is routed through the same verbs and gate as in the chat.
 */
import { CardFactory } from 'botbuilder';
import { z } from 'zod';
import { DESCRIPTION_MAX_LENGTH, suggestTemplates } from '../../domain/catalog';
import type { Ticket } from '../../domain/tickets/model';
import { pick } from '../../domain/types';
import { fold } from '../../domain/knowledge/search';
import { formatDateTime } from '../../i18n';
import { escapeMarkdown, plainText, type AdaptiveCardJson } from '../cards';
import { callerOf } from '../gate';
import { statusText } from '../render/format';
import type { Turn } from '../turn';
import { articleCard, excerptOf, note, servicesOf } from './knowledge';

type Data = Record<string, unknown>;

export const isExtensionInvoke = (name: string) => (a: { type?: string; name?: string }) => a.type === 'invoke' && a.name === name;

async function respond(turn: Turn, body: unknown): Promise<void> {
  await turn.ctx.sendActivity({ type: 'invokeResponse', value: { status: 200, body } });
}

const queryShape = z.object({
  commandId: z.string().max(64).optional(),
  parameters: z.array(z.object({ name: z.string().max(64), value: z.unknown() })).max(10).optional(),
  queryOptions: z.object({ skip: z.number().int().min(0).max(1000).optional(), count: z.number().int().min(1).max(50).optional() }).partial().optional(),
});

/** A ticket as a card to insert in a conversation: nothing a reader of that chat should not read. */
function ticketCard(turn: Turn, t: Ticket): AdaptiveCardJson {
  const names = turn.services.views.names(t, turn.locale);
  return turn.card('kb-article', {
    title: t.radicado,
    meta: escapeMarkdown(`${names.service} › ${names.template}`, 400),
    body: escapeMarkdown(`${turn.messages.labelStatus}: ${statusText(t.status, turn.locale)} · ${turn.messages.labelCreated}: ${formatDateTime(t.createdAt, turn.locale)}`, 400),
    notice: '',
    feedback: false,
    actions: [{ title: turn.messages.btnStatus, verb: 'ticket.status', data: { ticketId: t.id } }],
  });
}

function preview(title: string, text: string, tap: Data) {
  return { contentType: 'application/vnd.microsoft.card.thumbnail', content: { title: plainText(title, 200), text: plainText(text, 300), tap: { type: 'invoke', value: tap } } };
}

function result(attachments: unknown[]) {
  return { composeExtension: { type: 'result', attachmentLayout: 'list', attachments } };
}

/** The caller's tickets that match the words typed (a radicado typed whole: any ticket they may see). */
async function matchingTickets(turn: Turn, query: string): Promise<Ticket[]> {
  const caller = await callerOf(turn);
  const whole = new RegExp(`^${turn.services.cfg.radicadoPrefix}-\\d{4}-\\d{1,9}$`, 'i');
  if (whole.test(query.trim())) {
    const t = await turn.services.access.resolve(caller, { radicado: query.trim().toUpperCase() }, 'viewer');
    return t ? [t] : [];
  }
  const { items } = await turn.services.tickets.listByRequester(caller.oid, { limit: 50, offset: 0 });
  const words = fold(query).split(/[^a-z0-9ñ-]+/).filter((w) => w.length >= 2);
  if (!words.length) return items.slice(0, 5);
  return items
    .filter((t) => {
      const names = turn.services.views.names(t, turn.locale);
      const hay = fold(`${t.radicado} ${names.service} ${names.template} ${t.description}`);
      return words.every((w) => hay.includes(w));
    })
    .slice(0, 5);
}

/** composeExtension/query: articles first, then the caller's radicados. */
export async function onQuery(turn: Turn): Promise<void> {
  const parsed = queryShape.safeParse(turn.activity.value);
  const params = parsed.success ? (parsed.data.parameters ?? []) : [];
  const raw = params.find((p) => p.name === 'q' || p.name === 'initialRun');
  const query = raw && raw.name === 'q' && typeof raw.value === 'string' ? raw.value.slice(0, 200) : '';
  const attachments: unknown[] = [];
  const hits = query.trim() ? turn.services.knowledge.search(query, { locale: turn.locale, limit: 5 }) : [];
  for (const h of hits) {
    const card = articleCard(turn, h.article, true);
    attachments.push({
      ...CardFactory.adaptiveCard(card),
      preview: preview(h.article.title, `${turn.text('extArticleSubtitle', { services: servicesOf(turn, h.article) })} — ${excerptOf(h.article, 120).replace(/\\/g, '')}`, { kind: 'article', id: h.article.id }),
    });
  }
  for (const t of await matchingTickets(turn, query)) {
    const names = turn.services.views.names(t, turn.locale);
    attachments.push({
      ...CardFactory.adaptiveCard(ticketCard(turn, t)),
      preview: preview(t.radicado, turn.text('extTicketSubtitle', { status: statusText(t.status, turn.locale), service: names.service }), { kind: 'ticket', id: t.id }),
    });
  }
  if (!attachments.length && query.trim()) {
    await respond(turn, { composeExtension: { type: 'message', text: turn.text('extNoResults', { query: plainText(query, 100) }) } });
    return;
  }
  await respond(turn, result(attachments));
}

const selected = z.object({ kind: z.enum(['article', 'ticket']), id: z.union([z.string().max(90), z.number().int().positive()]) });

/** composeExtension/selectItem: the chosen item, checked again (a crafted id gets nothing). */
export async function onSelectItem(turn: Turn): Promise<void> {
  const v = selected.safeParse(turn.activity.value);
  if (v.success && v.data.kind === 'article' && typeof v.data.id === 'string') {
    const a = await turn.services.knowledge.get(v.data.id);
    if (a && a.state === 'published') {
      await note(turn, { kind: 'shown', articleId: a.id, oid: turn.oid, at: turn.services.clock.now(), where: 'extension' });
      return respond(turn, result([CardFactory.adaptiveCard(articleCard(turn, a, true))]));
    }
  }
  if (v.success && v.data.kind === 'ticket' && typeof v.data.id === 'number') {
    const t = await turn.services.access.resolve(await callerOf(turn), { id: v.data.id }, 'viewer');
    if (t) return respond(turn, result([CardFactory.adaptiveCard(ticketCard(turn, t))]));
  }
  await respond(turn, { composeExtension: { type: 'message', text: turn.messages.kbArticleMissing } });
}

/** A card for a dialog: Teams dialogs take Action.Submit, so each Action.Execute becomes its fallback. */
function forDialog(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forDialog);
  if (!node || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  if (o.type === 'Action.Execute' && o.fallback && typeof o.fallback === 'object') return forDialog(o.fallback);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = forDialog(v);
  return out;
}

async function showDialog(turn: Turn, card: AdaptiveCardJson): Promise<void> {
  await respond(turn, {
    task: { type: 'continue', value: { title: turn.messages.extCreateTitle, height: 'large', width: 'large', card: CardFactory.adaptiveCard(forDialog(card) as AdaptiveCardJson) } },
  });
}

/** The text of the message the action was started on (HTML in Teams), as plain text. */
const messagePayloadShape = z.object({ messagePayload: z.object({ body: z.object({ content: z.string().max(100_000).optional() }).partial().optional() }).partial() }).partial();
const submitActionShape = z.object({ data: z.record(z.unknown()).optional() }).passthrough();

export function messageText(value: unknown): string {
  const payload = messagePayloadShape.safeParse(value);
  const html = payload.success ? (payload.data.messagePayload?.body?.content ?? '') : '';
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .slice(0, DESCRIPTION_MAX_LENGTH);
}

/** composeExtension/fetchTask ("Crear radicado desde este mensaje"): the templates that fit the message. */
export async function onFetchTask(turn: Turn): Promise<void> {
  const text = messageText(turn.activity.value);
  const { roles } = await turn.user();
  const suggestions = suggestTemplates(turn.services.catalog, roles, text);
  const items = (suggestions.length ? suggestions.map((s) => s.template) : turn.services.catalog.catalog.categories.flatMap((c) => c.services.flatMap((s) => turn.services.catalog.templatesFor(s.id, roles))).slice(0, 12)).map((template) => ({
    name: plainText(pick(template.name, turn.locale), 300),
    description: escapeMarkdown(pick(template.description, turn.locale)),
    verb: 'catalog.form',
    data: { templateId: template.id, description: text },
  }));
  await showDialog(
    turn,
    turn.card('catalog-list', {
      heading: turn.messages.extCreateTitle,
      subheading: turn.messages.extChooseTemplate,
      items,
      extraActions: [{ title: turn.messages.btnOtherOption, verb: 'catalog.categories', data: {} }],
    }),
  );
}

/**
 * composeExtension/submitAction: a button pressed inside the dialog. Its verb runs through the same
 * routing table and gate as a card action in the chat; the card it answers with becomes the dialog.
 */
export async function onSubmitAction(turn: Turn, run: (turn: Turn, verb: string, data: Data) => Promise<void>): Promise<void> {
  const value = submitActionShape.safeParse(turn.activity.value);
  const data = value.success ? (value.data.data ?? {}) : {};
  const { verb, ...rest } = data;
  if (typeof verb !== 'string' || verb.length > 64) {
    await turn.notice(turn.messages.invalidAction, { color: 'Attention' });
  } else {
    await run(turn, verb, rest);
  }
  const r = turn.invokeResult;
  if (r && 'card' in r) return showDialog(turn, r.card);
  await respond(turn, { task: { type: 'message', value: r && 'message' in r ? r.message : turn.messages.invalidAction } });
}
