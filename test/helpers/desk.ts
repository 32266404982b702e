/** Support-desk helpers shared by the SLA, survey and report tests (queue, tickets, waiting on deliveries). */
import type { Ticket } from '../../src/domain/tickets/model';
import type { Recorded } from './connector';
import { cardText, channelMessage, personalConversation, randomUUID, TEAM, TENANT, USERS, type Harness, type TestUser } from './harness';

/** A valid "Solicitud de acceso remoto" form, as the card submits it. */
export const REMOTE_ACCESS_FORM = {
  accessType: 'vpn',
  startDate: '2026-12-01',
  description: 'Necesito VPN para trabajar desde casa durante la semana.',
  phone: '300 123 4567',
  contactChannel: 'teams',
};

export const personalId = (u: TestUser) => personalConversation(u).id;
export const threadId = (rootId: string) => `${TEAM.channelId};messageid=${rootId}`;

export function cardOf(r: Recorded): any {
  return r.body?.attachments?.[0]?.content;
}

export function cardOrText(r: Recorded): string {
  return [r.body?.text ?? '', cardOf(r) ? cardText(cardOf(r)) : ''].join('\n');
}

export async function until(pred: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function registerQueue(h: Harness) {
  await h.post(channelMessage(h, USERS.supervisor, 'registrar cola'));
  await h.connector.waitFor(() => h.connector.messagesTo(TEAM.channelId).some((r) => cardOrText(r).includes('cola de soporte')));
}

/** Files a "Falla de conexión a la VPN" ticket (catalog SLA: 2 h first response, 8 h resolution). */
export async function fileTicket(h: Harness, requester: TestUser = USERS.employee, description = 'La VPN no conecta desde la casa.'): Promise<Ticket> {
  const { ticket } = await h.app.services.tickets.file({
    submissionKey: randomUUID(),
    requester: { oid: requester.oid, tenantId: TENANT, name: requester.name, email: requester.email, department: 'Talento Humano' },
    locale: 'es',
    phone: '300 123 4567',
    contactChannel: 'teams',
    categoryId: 'mesa-servicio-primer-nivel',
    serviceId: 'acceso-remoto',
    templateId: 'falla-conexion-vpn',
    fieldValues: {},
    description,
    priority: 'high',
  });
  h.app.dispatcher.kick();
  return ticket;
}

/** Waits for the queue card of a radicado in the channel and for its activity id to be stored. */
export async function queueCard(h: Harness, radicado: string): Promise<Recorded> {
  const find = () => h.connector.messagesTo(TEAM.channelId).find((r) => cardOf(r) && cardText(cardOf(r)).split('\n')[0] === radicado);
  await h.connector.waitFor(() => !!find());
  await until(async () => !!(await h.app.tickets.getByRadicado(radicado))?.queueActivityId);
  return find()!;
}

export function messagesWith(h: Harness, conversationId: string, ...needles: string[]): Recorded[] {
  return h.connector.messagesTo(conversationId).filter((r) => needles.every((n) => cardOrText(r).includes(n)));
}

export async function waitForMessage(h: Harness, conversationId: string, ...needles: string[]): Promise<Recorded> {
  try {
    await h.connector.waitFor(() => messagesWith(h, conversationId, ...needles).length > 0, 5000);
  } catch {
    const seen = h.connector.messagesTo(conversationId).map((r) => cardOrText(r).replace(/\n/g, ' | ')).join('\n  ');
    throw new Error(`no message to ${conversationId} containing ${JSON.stringify(needles)}; seen:\n  ${seen}`);
  }
  return messagesWith(h, conversationId, ...needles)[0];
}

/** Waits until the dispatcher has nothing left to deliver. */
export async function drained(h: Harness) {
  await until(async () => (await h.app.storage.outbox.pendingCount()) === 0, 10_000);
}

/** The last update (PUT) of the ticket's queue card. */
export function lastCardUpdate(h: Harness, activityId: string): any {
  const puts = h.connector.sent.filter((r) => r.method === 'PUT' && r.activityId === activityId);
  return puts.length ? cardOf(puts[puts.length - 1]) : undefined;
}

/** What the bot answers, in the support channel, to a message `text` from `user` (cards as their text). */
export async function channelAnswer(h: Harness, user: TestUser, text: string, locale?: string): Promise<string> {
  const activity = channelMessage(h, user, text);
  const answers = () => h.connector.messagesTo(TEAM.channelId).filter((r) => r.replyToId === activity.id);
  await h.post(locale ? { ...activity, locale } : activity);
  await h.connector.waitFor(() => answers().length > 0);
  return answers()
    .map((r) => cardOrText(r))
    .join('\n');
}
