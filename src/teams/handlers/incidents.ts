/**
 * Major incidents on the queue cards: "Declarar incidente mayor" (supervisors), "Vincular a
 * incidente mayor" (staff of the ticket's queue), "Actualizar estado" on the master (its queue's
 * staff), and the master's resolution, which resolves its linked tickets. The gate checked the
 * ticket on the card; the incident named in the data is checked here, on the server.
 */
import { z } from 'zod';
import type { MajorIncident } from '../../domain/incidents/model';
import type { Ticket } from '../../domain/tickets/model';
import { pick } from '../../domain/types';
import { escapeMarkdown, plainText } from '../cards';
import { RateLimitedError } from '../../domain/errors';
import { callerOf, ticketFor } from '../gate';
import { announcementCard, type AnnouncementNotice } from '../render/incident-announcement';
import type { Turn } from '../turn';
import { mainActions } from '../turn';
import { queueCard } from './queue';

const titleText = z.string().transform((s) => s.replace(/\s+/g, ' ').trim()).pipe(z.string().min(3).max(120));
const statusText = z.string().transform((s) => s.replace(/\r\n/g, '\n').trim()).pipe(z.string().min(1).max(2000));
const masterId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** Every catalog service, as choices. */
function serviceChoices(turn: Turn) {
  return turn.services.catalog.catalog.categories.flatMap((c) => c.services.map((s) => ({ title: plainText(pick(s.name, turn.locale), 200), value: s.id })));
}

/** The declaration form: for a case (it becomes the master) or, without one, for a new master. */
function declareCard(turn: Turn, ticket: Ticket | null, values: { title: string; services: string; statusText: string }, error = '') {
  return turn.card('incident-declare', {
    heading: ticket ? turn.text('incidentDeclareTitle', { radicado: ticket.radicado }) : turn.messages.incidentDeclareNewTitle,
    error,
    title: values.title,
    services: values.services,
    statusText: values.statusText,
    choices: serviceChoices(turn),
    declareVerb: ticket ? 'incident.declare' : 'incident.declareNew',
    declareData: ticket ? { ticketId: ticket.id } : {},
    backVerb: ticket ? 'queue.refresh' : '',
    backData: ticket ? { ticketId: ticket.id } : {},
  });
}

/** What a declaration form submitted, validated again; null (and the form again, with what was typed) when something is missing. */
async function declaration(turn: Turn, ticket: Ticket | null, data: Record<string, unknown>) {
  const title = titleText.safeParse(data.title);
  const status = statusText.safeParse(data.statusText);
  const known = new Set(serviceChoices(turn).map((c) => c.value));
  const services = [...new Set((typeof data.services === 'string' ? data.services : '').split(',').map((s) => s.trim()).filter((s) => known.has(s)))];
  if (title.success && status.success && services.length) return { title: title.data, serviceIds: services, statusText: status.data };
  const typed = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');
  await turn.show(declareCard(turn, ticket, { title: typed(data.title, 240), services: services.join(','), statusText: typed(data.statusText, 4000) }, turn.messages.incidentDeclareInvalid));
  return null;
}

/** "Declarar incidente mayor": the form, with the ticket's template as title and its service chosen. */
export async function declareForm(turn: Turn, ticket: Ticket): Promise<void> {
  if (!(await turn.user()).roles.includes('supervisor')) return void (await turn.show(await queueCard(turn, ticket, turn.messages.incidentOnlySupervisors)));
  const names = turn.services.views.names(ticket, turn.locale);
  await turn.show(declareCard(turn, ticket, { title: names.template.slice(0, 120), services: ticket.serviceId, statusText: '' }));
}

/**
 * "incidente mayor [MDA-…] [título]" typed by a supervisor, in a case's thread or naming its
 * radicado: the declaration form for that case, with the title typed.
 */
export async function declareByCommand(turn: Turn, intent: { radicado?: string; title?: string }): Promise<void> {
  const root = turn.threadRoot;
  // In a thread that is no case's the caller may work on (or a new post): as if typed outside one.
  const inThread = !intent.radicado && root ? await turn.services.access.resolve(await callerOf(turn), { queueActivityId: root }, 'staff') : null;
  // No case behind it (yet): the form for a new master, filed when it is declared.
  if (!intent.radicado && !inThread) return void (await turn.show(declareCard(turn, null, { title: intent.title ?? '', services: '', statusText: '' })));
  const ticket = inThread ?? (await ticketFor(turn, { radicado: intent.radicado! }, 'staff'));
  if (!ticket) return;
  const names = turn.services.views.names(ticket, turn.locale);
  await turn.show(declareCard(turn, ticket, { title: (intent.title ?? names.template).slice(0, 120), services: ticket.serviceId, statusText: '' }));
}

/** "Declarar": everything validated again; the ticket becomes the master. */
export async function declare(turn: Turn, ticket: Ticket, data: Record<string, unknown>): Promise<void> {
  const input = await declaration(turn, ticket, data);
  if (!input) return;
  const out = await turn.services.incidents.declare(ticket, await turn.actor(), input);
  if (!out.ok) {
    const why = out.reason === 'forbidden' ? turn.messages.incidentOnlySupervisors : turn.messages.incidentAlready;
    return void (await turn.show(await queueCard(turn, ticket, why)));
  }
  turn.services.log.info({ master: ticket.radicado, services: input.serviceIds }, 'major incident declared');
  await turn.show(await queueCard(turn, await fresh(turn, ticket)));
}

/** The ticket as it is now, through the gate (the caller is staff of its queue). */
async function fresh(turn: Turn, ticket: Ticket): Promise<Ticket> {
  return (await turn.services.access.resolve(await callerOf(turn), { id: ticket.id }, 'staff')) ?? ticket;
}

function choiceItem(turn: Turn, i: MajorIncident, ticketId: number) {
  return {
    title: plainText(turn.text('incidentLinkChoice', { radicado: i.radicado, title: i.title, count: i.linked }), 200),
    status: escapeMarkdown(i.latest?.text ?? i.statusText, 300),
    data: { ticketId, masterId: i.masterId },
  };
}

/** "Vincular a incidente mayor": the open incidents, those that affect the ticket's service first. */
export async function chooseIncident(turn: Turn, ticket: Ticket): Promise<void> {
  const open = await turn.services.incidents.open(ticket.tenantId);
  const ordered = [...open.filter((i) => i.serviceIds.includes(ticket.serviceId)), ...open.filter((i) => !i.serviceIds.includes(ticket.serviceId))];
  const items = ordered.filter((x) => x.masterId !== ticket.id).slice(0, 10).map((i) => choiceItem(turn, i, ticket.id));
  await turn.show(turn.card('incident-link', { heading: turn.text('incidentChooseTitle', { radicado: ticket.radicado }), items, ticketId: ticket.id }));
}

/** The chosen incident: a master the caller may see, still open; the ticket leaves the queue. */
export async function link(turn: Turn, ticket: Ticket, data: Record<string, unknown>): Promise<void> {
  const id = masterId.safeParse(data.masterId);
  const master = id.success ? await turn.services.access.resolve(await callerOf(turn), { id: id.data }, 'viewer') : null;
  const out = master ? await turn.services.incidents.link(ticket, master, await turn.actor()) : ({ ok: false, reason: 'not_found' } as const);
  if (!out.ok) return void (await turn.show(await queueCard(turn, await fresh(turn, ticket), turn.messages.incidentCannotLink)));
  await turn.show(await queueCard(turn, out.value));
  await turn.ctx.sendActivity(turn.text('incidentLinked', { radicado: master!.radicado }));
}

/** "Actualizar estado" on the master: one message to every linked requester, and the card shows it. */
export async function postUpdate(turn: Turn, master: Ticket, data: Record<string, unknown>): Promise<void> {
  const text = statusText.safeParse(data.incidentUpdate);
  if (!text.success) return void (await turn.show(await queueCard(turn, master, turn.messages.incidentUpdateEmpty)));
  const out = await turn.services.incidents.postUpdate(master, await turn.actor(), text.data);
  if (!out.ok) return void (await turn.show(await queueCard(turn, master, turn.messages.incidentNotOpen)));
  turn.services.log.info({ master: master.radicado, seq: out.value.seq, recipients: out.value.recipients }, 'major incident update fanned out');
  await turn.show(await queueCard(turn, master));
  await turn.ctx.sendActivity(turn.text('incidentUpdatePosted', { count: out.value.recipients }));
}

/** "Declarar" on the form for a new master (a supervisor; the route checked the role). */
export async function declareNew(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const input = await declaration(turn, null, data);
  if (!input) return;
  const user = await turn.user();
  const out = await turn.services.incidents.declareNew({ ...(await turn.actor()), tenantId: user.tenantId, email: user.email }, input);
  if (!out.ok) return turn.notice(turn.messages.incidentOnlySupervisors, { color: 'Attention' });
  turn.services.log.info({ master: out.value.master.radicado, services: input.serviceIds }, 'major incident declared (new master)');
  await turn.notice(turn.text('incidentDeclaredNew', { title: escapeMarkdown(input.title, 200), radicado: out.value.master.radicado }), { color: 'Good' });
}

/**
 * "Esto me afecta" on an announcement (a channel's or a person's chat), by anyone: their case joins
 * the incident, filed once however often it is pressed. The card is drawn again for them with their
 * radicado; an incident that is resolved, of another tenant or no incident at all gets one answer.
 */
export async function affectsMe(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const closed = () => turn.notice(turn.messages.incidentAffectsClosed, { color: 'Attention', actions: mainActions(turn) });
  const id = masterId.safeParse(data.masterId);
  if (!id.success) return closed();
  const user = await turn.user();
  // The announcement again, for this person, with what became of their press.
  const redraw = async (incident: MajorIncident | null, notice: AnnouncementNotice) => {
    if (!incident) return closed();
    await turn.show(announcementCard(turn.services.cards, incident, turn.locale, (s, l) => turn.services.views.serviceName(s, l), notice).card);
  };
  let out: Awaited<ReturnType<typeof turn.services.incidents.affects>>;
  try {
    out = await turn.services.incidents.affects({ oid: user.oid, tenantId: user.tenantId, name: user.name, email: user.email, locale: turn.locale }, id.data);
  } catch (err) {
    // Past the incident's checks, the hourly filing limit: nothing filed, the button stays.
    if (!(err instanceof RateLimitedError)) throw err;
    return redraw(await turn.services.incidents.get(id.data), { text: turn.messages.rateLimitedTickets, color: 'Attention', keepButton: true });
  }
  if (!out.ok && out.reason === 'not_found') return closed();
  if (!out.ok) return redraw(await turn.services.incidents.get(id.data), { text: turn.messages.incidentAffectsFailed, color: 'Attention', keepButton: true });
  const { ticket, created, incident } = out.value;
  turn.services.log.info({ master: incident.radicado, ticket: ticket.radicado, created }, 'major incident: "esto me afecta"');
  await redraw(incident, { text: turn.text(created ? 'incidentAffectsFiled' : 'incidentAffectsAlready', { radicado: ticket.radicado }), color: 'Good' });
}
