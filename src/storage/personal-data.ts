/**
 * Personal data (Ley 1581 de 2012), once for both engines: find a person, collect everything stored
 * about them, anonymise a closed ticket (anonymise-ticket.ts) and erase old contact phones.
 */
import type { AnonymisedTicket, Operator, PersonalDataDossier, PersonalDataRepository } from '../domain/personal-data';
import type { OutboxItem } from '../domain/ports';
import { anonymiseTicket, CLOSED, parse } from './anonymise-ticket';
import { placeholders, type Sql } from './sql';
import { appendEvents } from './ticket-events';

/**
 * The two SQL functions whose names differ between the engines: a field of a JSON text column
 * (SQLite's json_extract, PostgreSQL's ->> on a jsonb cast) and "contains this substring".
 */
function dialect(q: Sql) {
  return q.engine === 'postgres'
    ? { jsonField: (col: string, key: string) => `${col}::jsonb ->> '${key}'`, contains: (hay: string) => `strpos(${hay}, ?) > 0` }
    : { jsonField: (col: string, key: string) => `json_extract(${col}, '$.${key}')`, contains: (hay: string) => `instr(${hay}, ?) > 0` };
}

interface EventRow {
  id: number;
  ticket_id: number;
  radicado: string;
  at: string;
  actor_oid: string | null;
  actor_name: string | null;
  kind: string;
  data: string;
  redacted: unknown;
}

export class SqlPersonalData implements PersonalDataRepository {
  constructor(private readonly q: Sql) {}

  async findPeople(who: string) {
    const w = who.trim().toLowerCase();
    if (!w) return [];
    const { jsonField } = dialect(this.q);
    const rows = await this.q.all<{ oid: string | null }>(
      `SELECT requester_oid AS oid FROM tickets
         WHERE lower(requester_oid) = ? OR lower(requester_email) = ? OR lower(requester_upn) = ?
       UNION SELECT assignee_oid FROM tickets WHERE lower(assignee_oid) = ?
       UNION SELECT oid FROM profiles
         WHERE lower(oid) = ? OR lower(${jsonField('data', 'email')}) = ? OR lower(${jsonField('data', 'upn')}) = ?
       UNION SELECT oid FROM privacy_notices WHERE lower(oid) = ?
       UNION SELECT oid FROM team_members WHERE lower(oid) = ?`,
      Array(9).fill(w),
    );
    return [...new Set(rows.map((r) => r.oid).filter((o): o is string => !!o))];
  }

  async collect(oid: string): Promise<PersonalDataDossier> {
    const q = this.q;
    const tickets = await q.all('SELECT * FROM tickets WHERE requester_oid = ? ORDER BY id', [oid]);
    const ticketIds = tickets.map((t) => t.id as number);
    const assigned = await q.all('SELECT id, radicado, status, assignee_name FROM tickets WHERE assignee_oid = ? ORDER BY id', [oid]);
    const events = (
      await q.all<EventRow>(
        `SELECT e.id, e.ticket_id, t.radicado, e.at, e.actor_oid, e.actor_name, e.kind, e.data,
                EXISTS (SELECT 1 FROM ticket_event_redactions r WHERE r.event_id = e.id) AS redacted
         FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
         WHERE t.requester_oid = ? OR e.actor_oid = ? ORDER BY e.ticket_id, e.id`,
        [oid, oid],
      )
    ).map((e) => ({ ...e, data: parse(e.data), redacted: !!e.redacted })); // 1/0 on SQLite, a boolean on PostgreSQL
    const messages = events
      .filter((e) => e.kind === 'message')
      .map((e) => ({ radicado: e.radicado, at: e.at, authorName: e.actor_name, ...(e.data as object) }));
    const profileRow = await q.one<{ data: string; fetched_at: string }>('SELECT data, fetched_at FROM profiles WHERE oid = ?', [oid]);
    const profile = profileRow ? { ...(parse(profileRow.data) as object), fetchedAt: profileRow.fetched_at } : null;
    // Outbox rows about their tickets, addressed to them, or naming their e-mail addresses.
    const emails = new Set<string>();
    for (const t of tickets) for (const k of ['requester_email', 'requester_upn']) if (typeof t[k] === 'string') emails.add((t[k] as string).toLowerCase());
    const p = profile as { email?: string; upn?: string } | null;
    if (p?.email) emails.add(p.email.toLowerCase());
    if (p?.upn) emails.add(p.upn.toLowerCase());
    const needles = [oid.toLowerCase(), ...emails];
    const { contains } = dialect(q);
    const outbox = (
      await q.all<{ ticket_id: number | null; payload: string }>(
        `SELECT * FROM outbox WHERE ticket_id IN (${placeholders(ticketIds)}) OR ${needles.map(() => contains('lower(payload)')).join(' OR ')} ORDER BY id`,
        [...ticketIds, ...needles],
      )
    ).map((o) => ({ ...o, payload: parse(o.payload) }));
    const ref = await q.one<{ reference: string; updated_at: string }>('SELECT reference, updated_at FROM conversation_refs WHERE key = ?', [`user:${oid}`]);
    return {
      profile,
      privacyNotice: (await q.one('SELECT shown_at AS "shownAt" FROM privacy_notices WHERE oid = ?', [oid])) ?? null,
      tickets: tickets.map((t) => ({ ...t, field_values: parse(t.field_values as string) })),
      assignedTickets: assigned,
      events,
      messages,
      outbox,
      teamMemberships: await q.all('SELECT team_id AS "teamId", user_id AS "userId", name, fetched_at AS "fetchedAt" FROM team_members WHERE oid = ?', [oid]),
      conversationReference: ref ? { reference: parse(ref.reference), updatedAt: ref.updated_at } : null,
      welcome: (await q.one('SELECT sent_at AS "sentAt" FROM welcome_sent WHERE conversation_key = ?', [`user:${oid}`])) ?? null,
      satisfactionSurveys: await q.all('SELECT s.*, t.radicado FROM satisfaction_surveys s JOIN tickets t ON t.id = s.ticket_id WHERE s.requester_oid = ? ORDER BY s.ticket_id', [oid]),
      // Files attached to their tickets or uploaded by them: metadata (the bytes are in the blob store by sha256).
      attachments: await q.all(
        `SELECT a.*, t.radicado FROM attachments a LEFT JOIN tickets t ON t.id = a.ticket_id
         WHERE a.uploader_oid = ? OR t.requester_oid = ? ORDER BY a.id`,
        [oid, oid],
      ),
      supportQueuesRegistered: await q.all(
        'SELECT id, team_id AS "teamId", channel_id AS "channelId", category_id AS "categoryId", created_at AS "createdAt" FROM support_queues WHERE registered_by = ?',
        [oid],
      ),
    };
  }

  async anonymisable(oid: string) {
    return this.q.all<{ id: number; radicado: string }>(`SELECT id, radicado FROM tickets WHERE requester_oid = ? AND ${CLOSED} AND anonymised_at IS NULL ORDER BY id`, [oid]);
  }

  async anonymiseTicket(id: number, at: Date, by: Operator, marker: string, redraw: (t: AnonymisedTicket) => OutboxItem[] = () => []) {
    return this.q.tx((q) => anonymiseTicket(q, id, at, by, marker, redraw));
  }

  async erasePhones(closedBefore: Date, at: Date, retentionDays: number, limit: number) {
    return this.q.tx(async (q) => {
      // Several instances may run the retention at once: each takes the tickets no other holds.
      const due = await q.all<{ id: number; radicado: string }>(
        // Along the partial index of closed tickets that still hold a phone, oldest first (without
        // statistics SQLite's planner would read every closed ticket by status and sort them).
        `SELECT id, radicado FROM tickets${q.engine === 'sqlite' ? ' INDEXED BY tickets_closed_phone' : ''} WHERE phone IS NOT NULL AND ${CLOSED} AND closed_at < ? ORDER BY closed_at LIMIT ?${q.skipLocked}`,
        [closedBefore, limit],
      );
      for (const t of due) {
        await q.run('UPDATE tickets SET phone = NULL, phone_erased_at = ?, version = version + 1 WHERE id = ?', [at, t.id]);
        await appendEvents(q, t.id, [{ at, kind: 'phone_erased', data: { retentionDays } }]);
      }
      return due.map((t) => t.radicado);
    });
  }
}
