/**
 * The service catalog on cards: category → service → templates ("Ver todas las plantillas") →
 * form; "Guardar" is submission.ts. Each step replaces the card in place (Action.Execute).
 * Every value from a card is re-validated here; the caller's roles come from the server.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DESCRIPTION_MAX_LENGTH, suggestTemplates, type Template } from '../../domain/catalog';
import { pick } from '../../domain/types';
import { bogotaDate } from '../../domain/time';
import { escapeMarkdown, plainText } from '../cards';
import type { Turn } from '../turn';
import { mainActions } from '../turn';
import { offerForProblem } from './knowledge';

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
 * and "Otra opción del catálogo"; knowledge-base articles that may answer it come first. Nothing is
 * filed until "Guardar".
 */
export async function suggestForProblem(turn: Turn, text: string, opts: { articles?: boolean } = {}): Promise<void> {
  const { roles } = await turn.user();
  const description = text.trim().slice(0, DESCRIPTION_MAX_LENGTH);
  const suggestions = suggestTemplates(turn.services.catalog, roles, description);
  const items = suggestions.map(({ template, location }) => ({
    name: plainText(pick(template.name, turn.locale), 300), // a button title: plain text, not Markdown
    description: escapeMarkdown(`${pick(location.service.name, turn.locale)}: ${pick(template.description, turn.locale)}`),
    verb: 'catalog.form',
    data: { templateId: template.id, description },
  }));
  // Articles first (the knowledge base may answer it now), then the templates to file it.
  if (opts.articles !== false && (await offerForProblem(turn, description, items))) return;
  if (!suggestions.length) return showCategories(turn, turn.messages.suggestNone);
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
export async function usableTemplate(turn: Turn, templateId: unknown): Promise<Template | null> {
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

/** Where the form's "Atrás" leads, as the card carried it (built once: a schema costs more to build than to run). */
const backVerb = z.enum(['catalog.templates', 'catalog.all']);
const backDataShape = z.record(z.string().max(100));

export function backOf(turn: Turn, template: Template, data: Record<string, unknown>) {
  const verb = backVerb.safeParse(data.backVerb);
  const backData = backDataShape.safeParse(data.backData);
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

export function renderForm(
  turn: Turn,
  template: Template,
  values: Record<string, string>,
  errors: Record<string, string>,
  submissionKey: string,
  back: { verb: string; data: object },
  formMessage = '',
  /** 'file': the person already chose to file rather than read the articles (kept on "Guardar"). */
  kbChoice = '',
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
    kbChoice,
    backVerb: back.verb,
    backData: back.data,
  });
}

export { plainText };
