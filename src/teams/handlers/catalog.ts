/**
 * The service catalog on cards: category → service → templates ("Ver todas las plantillas") →
 * form → "Guardar" → radicado. Each step replaces the card in place (Action.Execute).
 * Every value from a card is re-validated here; the caller's roles come from the server.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DESCRIPTION_MAX_LENGTH, suggestTemplates, validateSubmission, type Template } from '../../domain/catalog';
import { RateLimitedError, storageFailureCode } from '../../domain/errors';
import type { Ticket } from '../../domain/tickets/model';
import type { DuplicateMatch } from '../../domain/tickets/service';
import { pick } from '../../domain/types';
import { bogotaDate } from '../../domain/time';
import { formatDateTime } from '../../i18n';
import { escapeMarkdown, plainText } from '../cards';
import type { Turn } from '../turn';
import { mainActions } from '../turn';
import { callerOf } from '../gate';
import { statusText } from '../render/format';
import { explainOutcome } from './tickets';
import { rememberConversation } from './welcome';
import { confirmationCard } from '../render/confirmation-card';

const id = z.string().min(1).max(100).regex(/^[a-z0-9][a-z0-9-]*$/);

export async function showCategories(turn: Turn, subheading = ''): Promise<void> {
  const { roles } = await turn.user();
  const items = turn.services.catalog.categoriesFor(roles).map((c) => ({
    name: plainText(pick(c.name, turn.locale), 300), // a button title: plain text, not Markdown
    description: escapeMarkdown(pick(c.description, turn.locale)),
    verb: 'catalog.services',
    data: { categoryId: c.id },
  }));
  await turn.show(turn.card('catalog-list', { heading: turn.messages.chooseCategory, subheading, items, extraActions: [] }));
}

/**
 * A problem described in the chat ("no me funciona la impresora"): the templates that fit it best
 * among those the caller's roles may use, each opening its form with the text as the description,
 * and "Otra opción del catálogo". Nothing is filed until "Guardar".
 */
export async function suggestForProblem(turn: Turn, text: string): Promise<void> {
  const { roles } = await turn.user();
  const description = text.trim().slice(0, DESCRIPTION_MAX_LENGTH);
  const suggestions = suggestTemplates(turn.services.catalog, roles, description);
  if (!suggestions.length) return showCategories(turn, turn.messages.suggestNone);
  const items = suggestions.map(({ template, location }) => ({
    name: plainText(pick(template.name, turn.locale), 300), // a button title: plain text, not Markdown
    description: escapeMarkdown(`${pick(location.service.name, turn.locale)}: ${pick(template.description, turn.locale)}`),
    verb: 'catalog.form',
    data: { templateId: template.id, description },
  }));
  await turn.show(
    turn.card('catalog-list', {
      heading: turn.messages.suggestHeading,
      subheading: turn.messages.suggestSubheading,
      items,
      extraActions: [{ title: turn.messages.btnOtherOption, verb: 'catalog.categories', data: {} }],
    }),
  );
}

export async function showServices(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const categoryId = id.safeParse(data.categoryId);
  const category = categoryId.success ? turn.services.catalog.findCategory(categoryId.data) : undefined;
  if (!category) return showCategories(turn);
  const { roles } = await turn.user();
  const items = turn.services.catalog.servicesFor(category.id, roles).map((s) => ({
    name: plainText(pick(s.name, turn.locale), 300), // a button title: plain text, not Markdown
    description: escapeMarkdown(pick(s.description, turn.locale)),
    verb: 'catalog.templates',
    data: { serviceId: s.id },
  }));
  await turn.show(
    turn.card('catalog-list', {
      heading: escapeMarkdown(pick(category.name, turn.locale)),
      subheading: turn.messages.chooseService,
      items,
      extraActions: [{ title: turn.messages.btnBack, verb: 'catalog.categories', data: {} }],
    }),
  );
}

function templateItems(turn: Turn, templates: Template[], back: { verb: string; data: object }) {
  return templates.map((tpl) => ({
    name: plainText(pick(tpl.name, turn.locale), 300), // a button title: plain text, not Markdown
    description: escapeMarkdown(pick(tpl.description, turn.locale)),
    verb: 'catalog.form',
    data: { templateId: tpl.id, backVerb: back.verb, backData: back.data },
  }));
}

export async function showTemplates(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const serviceId = id.safeParse(data.serviceId);
  const service = serviceId.success ? turn.services.catalog.findService(serviceId.data) : undefined;
  const loc = service?.templates[0] ? turn.services.catalog.locate(service.templates[0].id) : undefined;
  if (!service || !loc) return showCategories(turn);
  const { roles } = await turn.user();
  const items = templateItems(turn, turn.services.catalog.templatesFor(service.id, roles), { verb: 'catalog.templates', data: { serviceId: service.id } });
  await turn.show(
    turn.card('catalog-list', {
      heading: escapeMarkdown(`${pick(loc.category.name, turn.locale)} › ${pick(service.name, turn.locale)}`),
      subheading: turn.messages.chooseTemplate,
      items,
      extraActions: [
        { title: turn.messages.btnSeeAllTemplates, verb: 'catalog.all', data: { categoryId: loc.category.id } },
        { title: turn.messages.btnBack, verb: 'catalog.services', data: { categoryId: loc.category.id } },
      ],
    }),
  );
}

export async function showAllTemplates(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const categoryId = id.safeParse(data.categoryId);
  const category = categoryId.success ? turn.services.catalog.findCategory(categoryId.data) : undefined;
  if (!category) return showCategories(turn);
  const { roles } = await turn.user();
  const items = templateItems(turn, turn.services.catalog.allTemplatesInCategory(category.id, roles), { verb: 'catalog.all', data: { categoryId: category.id } });
  await turn.show(
    turn.card('catalog-list', {
      heading: turn.text('allTemplatesOf', { category: escapeMarkdown(pick(category.name, turn.locale)) }),
      subheading: turn.messages.chooseTemplate,
      items,
      extraActions: [{ title: turn.messages.btnBack, verb: 'catalog.services', data: { categoryId: category.id } }],
    }),
  );
}

/** Refuses templates the caller may not use, with the portal's kind of explanation. Logs the attempt. */
async function usableTemplate(turn: Turn, templateId: unknown): Promise<Template | null> {
  const parsed = id.safeParse(templateId);
  const { roles, oid } = await turn.user();
  const verdict = parsed.success ? turn.services.catalog.canUse(parsed.data, roles) : 'unknown';
  if (verdict === 'ok') return turn.services.catalog.findTemplate(parsed.data!) ?? null;
  turn.services.log.warn({ oid, templateId: String(templateId).slice(0, 100), verdict, roles }, 'catalog template refused');
  await turn.notice(verdict === 'forbidden' ? turn.messages.forbiddenTemplate : turn.messages.unknownTemplate, {
    color: 'Attention',
    actions: mainActions(turn),
  });
  return null;
}

/** A description typed in the chat before the form (suggestions): a string within the form's limit, or none. */
const prefilledDescription = z
  .string()
  .max(DESCRIPTION_MAX_LENGTH)
  .transform((s) => s.replace(/\r\n/g, '\n').trim());

export async function showForm(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const template = await usableTemplate(turn, data.templateId);
  if (!template) return;
  const user = await turn.user();
  const back = backOf(turn, template, data);
  const prefill = data.description === undefined ? undefined : prefilledDescription.safeParse(data.description);
  if (prefill && !prefill.success) turn.services.log.warn({ oid: user.oid, templateId: template.id }, 'catalog.form: prefilled description refused (not text or too long)');
  const description = prefill?.success ? prefill.data : '';
  await turn.show(
    renderForm(turn, template, { phone: user.phone ?? '', contactChannel: 'teams', description }, {}, randomUUID(), back),
  );
}

function backOf(turn: Turn, template: Template, data: Record<string, unknown>) {
  const verb = z.enum(['catalog.templates', 'catalog.all']).safeParse(data.backVerb);
  const backData = z.record(z.string().max(100)).safeParse(data.backData);
  if (verb.success && backData.success) return { verb: verb.data, data: backData.data };
  const loc = turn.services.catalog.locate(template.id);
  return { verb: 'catalog.templates', data: { serviceId: loc?.service.id ?? '' } };
}

interface FormField {
  id: string;
  kind: string;
  label: string;
  placeholder: string;
  value: string;
  required: boolean;
  maxLength: number;
  requiredMessage: string;
  choices: { title: string; value: string }[];
  error: string;
}

function renderForm(
  turn: Turn,
  template: Template,
  values: Record<string, string>,
  errors: Record<string, string>,
  submissionKey: string,
  back: { verb: string; data: object },
  formMessage = '',
) {
  const m = turn.messages;
  const loc = turn.services.catalog.locate(template.id)!;
  const req = turn.locale === 'en' ? 'This field is required.' : 'Este campo es obligatorio.';
  const fields: FormField[] = template.fields.map((f) => ({
    id: f.id,
    kind: f.type,
    label: pick(f.label, turn.locale),
    placeholder: f.placeholder ? pick(f.placeholder, turn.locale) : '',
    value: values[f.id] ?? (f.default === 'today' ? bogotaDate(turn.services.clock.now()) : ''),
    required: f.required,
    // Wide enough for a too-long text that came back to be shortened (validate.ts).
    maxLength: Math.max(f.maxLength ?? (f.type === 'multiline' ? 4000 : 500), (values[f.id] ?? '').length),
    // An optional field never says it is required.
    requiredMessage: f.required ? req : '',
    choices: (f.choices ?? []).map((c) => ({ title: pick(c.label, turn.locale), value: c.value })),
    error: errors[f.id] ?? '',
  }));
  fields.push(
    { id: 'description', kind: 'multiline', label: m.fieldDescription, placeholder: '', value: values.description ?? '', required: true, maxLength: Math.max(4000, (values.description ?? '').length), requiredMessage: req, choices: [], error: errors.description ?? '' },
    { id: 'phone', kind: 'phone', label: m.fieldPhone, placeholder: m.fieldPhoneHint, value: values.phone ?? '', required: true, maxLength: 40, requiredMessage: req, choices: [], error: errors.phone ?? '' },
    {
      id: 'contactChannel',
      kind: 'channel',
      label: m.fieldChannel,
      placeholder: '',
      value: values.contactChannel || 'teams',
      required: true,
      maxLength: 10,
      requiredMessage: req,
      choices: [
        { title: m.channelTeams, value: 'teams' },
        { title: m.channelPhone, value: 'phone' },
      ],
      error: errors.contactChannel ?? '',
    },
  );
  return turn.card('ticket-form', {
    title: turn.text('formTitle', { template: escapeMarkdown(pick(template.name, turn.locale)) }),
    path: escapeMarkdown(`${pick(loc.category.name, turn.locale)} › ${pick(loc.service.name, turn.locale)}`),
    templateDescription: escapeMarkdown(pick(template.description, turn.locale)),
    hasErrors: Object.keys(errors).length > 0,
    formMessage,
    fields,
    templateId: template.id,
    submissionKey,
    backVerb: back.verb,
    backData: back.data,
  });
}

const submissionKey = z.string().regex(/^[A-Za-z0-9-]{8,64}$/);

/** "Guardar": validate everything again, file the ticket once, show the radicado. */
export async function submitForm(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const template = await usableTemplate(turn, data.templateId);
  if (!template) return;
  const key = submissionKey.safeParse(data.submissionKey);
  if (!key.success) {
    turn.services.log.warn({ oid: turn.oid }, 'form submitted without a valid submission key');
    await turn.notice(turn.messages.invalidAction, { color: 'Attention', actions: mainActions(turn) });
    return;
  }
  const result = validateSubmission(template, data, turn.locale);
  if (!result.ok) {
    await turn.show(renderForm(turn, template, result.values, result.errors, key.data, backOf(turn, template, data)));
    return;
  }
  const user = await turn.user();
  const loc = turn.services.catalog.locate(template.id)!;
  // Scoped by user: a key copied from someone else's card can never return their ticket.
  const fullKey = `${user.oid}:${key.data}`;
  // One outcome per form: pressed again, "Guardar" shows the same radicado, and a form whose text
  // was already added to another radicado is not filed as well.
  try {
    const out = await turn.services.tickets.submit({
      submissionKey: fullKey,
      requester: { oid: user.oid, tenantId: user.tenantId, name: user.name, email: user.email, upn: user.upn, department: user.department },
      locale: turn.locale,
      phone: result.phone,
      contactChannel: result.contactChannel,
      categoryId: loc.category.id,
      serviceId: loc.service.id,
      templateId: template.id,
      fieldValues: result.values,
      description: result.description,
      priority: template.priority,
    }, { offerDuplicates: data.duplicateChoice !== 'new' });
    if (out.kind === 'added_before') return alreadyAdded(turn, out.ticketId);
    if (out.kind === 'duplicate') return showDuplicateOffer(turn, template, result, key.data, backOf(turn, template, data), out.match);
    await showConfirmation(turn, out.ticket);
  } catch (err) {
    if (err instanceof RateLimitedError) {
      await turn.notice(turn.messages.rateLimitedTickets, { color: 'Attention' });
      return;
    }
    const code = storageFailureCode(err);
    if (code) {
      // Nothing was written (the transaction rolled back): the same form, with what was typed and
      // the same submission key, so pressing "Guardar" again files exactly one ticket.
      turn.services.log.error({ code, oid: user.oid, templateId: template.id }, 'could not file the ticket: storage unavailable');
      const typed = { ...result.values, description: result.description, phone: result.phone ?? '', contactChannel: result.contactChannel };
      await turn.show(renderForm(turn, template, typed, {}, key.data, backOf(turn, template, data), turn.messages.storageUnavailableForm));
      return;
    }
    throw err;
  }
}

/**
 * The confirmation card (radicado, position, estimate), refreshed for the requester by Universal
 * Actions; where it is shown is remembered so the outbox can update it when the queue moves.
 */
async function showConfirmation(turn: Turn, ticket: Ticket): Promise<void> {
  const userId = turn.activity.from?.id;
  const card = await confirmationCard(turn.services, ticket, turn.locale, userId);
  const activityId = await turn.show(card);
  if (activityId && userId && turn.isPersonal && ticket.requester.oid === turn.oid) {
    await rememberConversation(turn);
    await turn.services.requesterCards.save({ ticketId: ticket.id, conversationId: turn.activity.conversation.id, activityId, userId }, turn.services.clock.now());
  }
}

async function alreadyAdded(turn: Turn, ticketId: number): Promise<void> {
  const target = await turn.services.access.resolve(await callerOf(turn), { id: ticketId }, 'requester');
  await turn.notice(turn.text('fileAlreadyAdded', { radicado: target?.radicado ?? '' }), {
    actions: [{ title: turn.messages.btnStatus, verb: 'ticket.status', data: { ticketId } }],
  });
}

type ValidSubmission = Extract<ReturnType<typeof validateSubmission>, { ok: true }>;

/**
 * The duplicate check's offer: add the text to the open radicado, or file a new one anyway. Both
 * buttons carry what the user typed (the description stays editable); the server re-validates all.
 */
async function showDuplicateOffer(turn: Turn, template: Template, result: ValidSubmission, key: string, back: { verb: string; data: object }, dup: DuplicateMatch): Promise<void> {
  const t = dup.ticket;
  const names = turn.services.views.names(t, turn.locale);
  const form = { ...result.values, templateId: template.id, submissionKey: key, backVerb: back.verb, backData: back.data, phone: result.phone, contactChannel: result.contactChannel };
  const reasons = [dup.sameService ? turn.messages.duplicateSameService : '', dup.similarity >= (turn.services.cfg.duplicateSimilarity ?? 0.5) ? turn.text('duplicateSimilarText', { percent: Math.round(dup.similarity * 100) }) : '']
    .filter(Boolean)
    .join(' ');
  await turn.show(
    turn.card('ticket-duplicate', {
      body: turn.text('duplicateBody', { radicado: t.radicado, service: escapeMarkdown(names.service), status: statusText(t.status, turn.locale) }),
      reason: reasons,
      radicado: t.radicado,
      service: escapeMarkdown(names.service),
      status: statusText(t.status, turn.locale),
      created: formatDateTime(t.createdAt, turn.locale),
      summary: plainText(t.description, 500),
      description: result.description,
      addTitle: turn.text('btnAddToTicket', { radicado: t.radicado }),
      addData: { ticketId: t.id, submissionKey: key, file: form },
      fileData: { ...form, duplicateChoice: 'new' },
    }),
  );
}

const addedText = z.string().transform((s) => s.replace(/\r\n/g, '\n').trim()).pipe(z.string().min(1).max(4000));

/** "Agregar al radicado X": re-checks ownership, that the ticket is open, and applies once per form. */
export async function addToExisting(turn: Turn, ticket: Ticket, data: Record<string, unknown>): Promise<void> {
  const key = submissionKey.safeParse(data.submissionKey);
  if (!key.success) {
    await turn.notice(turn.messages.invalidAction, { color: 'Attention', actions: mainActions(turn) });
    return;
  }
  const user = await turn.user();
  const fullKey = `${user.oid}:${key.data}`;
  const text = addedText.safeParse(data.description);
  if (!text.success) {
    await turn.notice(turn.messages.replyEmpty, { color: 'Attention', actions: [{ title: turn.messages.btnStatus, verb: 'ticket.status', data: { ticketId: ticket.id } }] });
    return;
  }
  const out = await turn.services.tickets.addText(ticket, await turn.actor(), text.data, fullKey);
  if (!out.ok && out.reason === 'filed') {
    await turn.notice(turn.text('addAlreadyFiled', { radicado: out.ticket.radicado }), {
      actions: [{ title: turn.messages.btnStatus, verb: 'ticket.status', data: { ticketId: out.ticket.id } }],
    });
    return;
  }
  if (!out.ok) {
    if (out.reason !== 'invalid_state') return explainOutcome(turn, out);
    // Closed meanwhile: offer to file the same form (values kept, re-validated on submit).
    const form = z.record(z.unknown()).catch({}).parse(data.file);
    await turn.notice(turn.text('addNotOpen', { radicado: out.ticket.radicado, status: statusText(out.ticket.status, turn.locale) }), {
      color: 'Attention',
      actions: [{ title: turn.messages.btnFileAnyway, verb: 'ticket.submit', data: { ...form, description: text.data, submissionKey: key.data, duplicateChoice: 'new' } }],
    });
    return;
  }
  await turn.notice(turn.text('addedToTicket', { radicado: out.ticket.radicado }), {
    color: 'Good',
    actions: [{ title: turn.messages.btnStatus, verb: 'ticket.status', data: { ticketId: out.ticket.id } }],
  });
}

export { plainText };
