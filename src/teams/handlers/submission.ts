/**
 * "Guardar" on a ticket form and "Agregar al radicado X": validated again, decided once per form by
 * TicketService (the radicado it filed, the duplicate check's offer), answered with the radicado.
 */
import { z } from 'zod';
import { validateSubmission, type Template } from '../../domain/catalog';
import { describeRule } from '../../domain/approvals/policy';
import { pick } from '../../domain/types';
import { RateLimitedError, storageFailureCode } from '../../domain/errors';
import type { Ticket } from '../../domain/tickets/model';
import type { MajorIncident } from '../../domain/incidents/model';
import type { DuplicateMatch } from '../../domain/tickets/service';
import { formatDateTime } from '../../i18n';
import { escapeMarkdown, plainText } from '../cards';
import { callerOf } from '../gate';
import { confirmationCard } from '../render/confirmation-card';
import { statusText } from '../render/format';
import type { Turn } from '../turn';
import { mainActions } from '../turn';
import { backOf, renderForm, usableTemplate } from './catalog';
import { explainOutcome } from './tickets';
import { rememberConversation } from './welcome';
import { filedAfterArticles, offerBeforeFiling } from './knowledge';

/** A form's values carried on a card, or none (built once). */
const anyRecord = z.record(z.unknown()).catch({});

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
    await turn.show(renderForm(turn, template, result.values, result.errors, key.data, backOf(turn, template, data), '', data.kbChoice === 'file' ? 'file' : ''));
    return;
  }
  const loc = turn.services.catalog.locate(template.id)!;
  const back = backOf(turn, template, data);
  const user = await turn.user();
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
    }, {
      offerDuplicates: data.duplicateChoice !== 'new',
      // Articles first, once per form: "No, registrar la solicitud" and the duplicate offer's "file anyway" skip them.
      offerArticles: template.kind !== 'request' && data.kbChoice !== 'file' && data.duplicateChoice !== 'new',
      // A known outage before anything else, once per form ("No, es otro problema" skips it).
      offerIncidents: template.kind !== 'request' && data.incidentChoice === undefined && data.kbChoice !== 'file' && data.duplicateChoice !== 'new',
      linkTo: data.incidentChoice === 'link' ? incidentId.catch(0).parse(data.incidentId) || undefined : undefined,
      manager: user.managerOid ? { oid: user.managerOid, name: user.managerName } : undefined,
    });
    if (out.kind === 'added_before') return alreadyAdded(turn, out.ticketId);
    if (out.kind === 'no_approver') {
      const contact = escapeMarkdown(turn.services.cfg.supportContact ?? pick(turn.services.catalog.contact, turn.locale));
      await turn.notice(turn.text('approvalNobody', { rule: describeRule(out.rule, turn.locale, user.department), contact }), { color: 'Attention', actions: mainActions(turn) });
      return;
    }
    if (out.kind === 'incident') {
      const form = { ...result.values, templateId: template.id, submissionKey: key.data, backVerb: back.verb, backData: back.data, description: result.description, phone: result.phone ?? '', contactChannel: result.contactChannel };
      return showKnownIncident(turn, out.incident, form);
    }
    if (out.kind === 'articles') {
      const form = { ...result.values, templateId: template.id, submissionKey: key.data, backVerb: back.verb, backData: back.data, description: result.description, phone: result.phone ?? '', contactChannel: result.contactChannel };
      return offerBeforeFiling(turn, template.id, loc.service.id, out.hits, form);
    }
    if (out.kind === 'duplicate') return showDuplicateOffer(turn, template, result, key.data, back, out.match);
    if (out.created && data.kbChoice === 'file') await filedAfterArticles(turn, data.kbShown);
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
      await turn.show(renderForm(turn, template, typed, {}, key.data, back, turn.messages.storageUnavailableForm, data.kbChoice === 'file' ? 'file' : ''));
      return;
    }
    throw err;
  }
}

const incidentId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/**
 * "Ya conocemos esta falla": an open major incident of the form's service. Linking files the case
 * on the incident (no queue; every update in the chat); "No, es otro problema" goes on as before.
 * Both buttons carry what was typed; the server checks the incident again when it is chosen.
 */
async function showKnownIncident(turn: Turn, incident: MajorIncident, form: Record<string, unknown>): Promise<void> {
  const latest = incident.latest ?? { text: incident.statusText, at: incident.declaredAt };
  await turn.show(
    turn.card('incident-known', {
      body: turn.text('incidentKnownBody', { title: escapeMarkdown(incident.title, 200) }),
      latest: turn.text('incidentLatest', { at: formatDateTime(latest.at, turn.locale), text: escapeMarkdown(latest.text, 500) }),
      linkData: { ...form, incidentChoice: 'link', incidentId: incident.masterId },
      notMineData: { ...form, incidentChoice: 'no' },
    }),
  );
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
    const form = anyRecord.parse(data.file);
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

