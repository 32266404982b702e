/**
 * Personal data on PostgreSQL: the same queries and the same redaction as SqlitePersonalData (find,
 * collect, anonymise with redaction records and an 'anonymised' event chained with hash v2, phone
 * retention), in one transaction per ticket with the ticket row locked.
 */
import type { AnonymisedTicket, Operator, PersonalDataDossier, PersonalDataRepository } from '../../domain/personal-data';
import type { OutboxItem } from '../../domain/ports';
import { anonymisedTicket, CLOSED, parse, redactValue } from '../sqlite-personal-data';
import { insertOutboxPg } from './pg-outbox';
import { redactedDigest, sha256 } from '../history-hash';
import { actorNameDigest } from '../history-evidence';
import { pgTx, type PgPool } from './pg-db';
import { insertEvents } from './pg-tickets';

export class PgPersonalData implements PersonalDataRepository {
  constructor(private readonly pool: PgPool) {}

  private async all<T = Record<string, unknown>>(sql: string, args: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, args)).rows as T[];
  }

  async findPeople(who: string) {
    const w = who.trim().toLowerCase();
    if (!w) return [];
    const rows = await this.all<{ oid: string | null }>(
      `SELECT requester_oid AS oid FROM tickets
         WHERE lower(requester_oid) = $1 OR lower(requester_email) = $1 OR lower(requester_upn) = $1
       UNION SELECT assignee_oid FROM tickets WHERE lower(assignee_oid) = $1
       UNION SELECT oid FROM profiles
         WHERE lower(oid) = $1 OR lower(data::jsonb ->> 'email') = $1 OR lower(data::jsonb ->> 'upn') = $1
       UNION SELECT oid FROM privacy_notices WHERE lower(oid) = $1
       UNION SELECT oid FROM team_members WHERE lower(oid) = $1`,
      [w],
    );
    return [...new Set(rows.map((r) => r.oid).filter((o): o is string => !!o))];
  }

  async collect(oid: string): Promise<PersonalDataDossier> {
    const tickets = await this.all('SELECT * FROM tickets WHERE requester_oid = $1 ORDER BY id', [oid]);
    const ticketIds = tickets.map((t) => t.id as number);
    const assigned = await this.all('SELECT id, radicado, status, assignee_name FROM tickets WHERE assignee_oid = $1 ORDER BY id', [oid]);
    const events = (
      await this.all<{ id: number; ticket_id: number; radicado: string; at: string; actor_oid: string | null; actor_name: string | null; kind: string; data: string; redacted: boolean }>(
        `SELECT e.id, e.ticket_id, t.radicado, e.at, e.actor_oid, e.actor_name, e.kind, e.data,
                EXISTS (SELECT 1 FROM ticket_event_redactions r WHERE r.event_id = e.id) AS redacted
         FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
         WHERE t.requester_oid = $1 OR e.actor_oid = $1 ORDER BY e.ticket_id, e.id`,
        [oid],
      )
    ).map((e) => ({ ...e, data: parse(e.data) }));
    const messages = events
      .filter((e) => e.kind === 'message')
      .map((e) => ({ radicado: e.radicado, at: e.at, authorName: e.actor_name, ...(e.data as object) }));
    const [profileRow] = await this.all<{ data: string; fetched_at: Date }>('SELECT data, fetched_at FROM profiles WHERE oid = $1', [oid]);
    const profile = profileRow ? { ...(parse(profileRow.data) as object), fetchedAt: profileRow.fetched_at.toISOString() } : null;
    const emails = new Set<string>();
    for (const t of tickets) for (const k of ['requester_email', 'requester_upn']) if (typeof t[k] === 'string') emails.add((t[k] as string).toLowerCase());
    const p = profile as { email?: string; upn?: string } | null;
    if (p?.email) emails.add(p.email.toLowerCase());
    if (p?.upn) emails.add(p.upn.toLowerCase());
    const needles = [oid.toLowerCase(), ...emails];
    // The same selection as on SQLite, filtered in the database.
    const outbox = (
      await this.all<{ ticket_id: number | null; payload: string }>(
        `SELECT * FROM outbox WHERE ticket_id = ANY($1::bigint[]) OR EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE strpos(lower(payload), n) > 0) ORDER BY id`,
        [ticketIds, needles],
      )
    ).map((o) => ({ ...o, payload: parse(o.payload) }));
    const [notice] = await this.all('SELECT shown_at AS "shownAt" FROM privacy_notices WHERE oid = $1', [oid]);
    const [ref] = await this.all<{ reference: string; updated_at: Date }>('SELECT reference, updated_at FROM conversation_refs WHERE key = $1', [`user:${oid}`]);
    const [welcome] = await this.all('SELECT sent_at AS "sentAt" FROM welcome_sent WHERE conversation_key = $1', [`user:${oid}`]);
    return {
      profile,
      privacyNotice: notice ?? null,
      tickets: tickets.map((t) => ({ ...t, field_values: parse(t.field_values as string) })),
      assignedTickets: assigned,
      events,
      messages,
      outbox,
      teamMemberships: await this.all('SELECT team_id AS "teamId", user_id AS "userId", name, fetched_at AS "fetchedAt" FROM team_members WHERE oid = $1', [oid]),
      conversationReference: ref ? { reference: parse(ref.reference), updatedAt: ref.updated_at } : null,
      welcome: welcome ?? null,
      satisfactionSurveys: await this.all('SELECT s.*, t.radicado FROM satisfaction_surveys s JOIN tickets t ON t.id = s.ticket_id WHERE s.requester_oid = $1 ORDER BY s.ticket_id', [oid]),
      attachments: await this.all(
        `SELECT a.*, t.radicado FROM attachments a LEFT JOIN tickets t ON t.id = a.ticket_id
         WHERE a.uploader_oid = $1 OR t.requester_oid = $1 ORDER BY a.id`,
        [oid],
      ),
      supportQueuesRegistered: await this.all(
        'SELECT id, team_id AS "teamId", channel_id AS "channelId", category_id AS "categoryId", created_at AS "createdAt" FROM support_queues WHERE registered_by = $1',
        [oid],
      ),
    };
  }

  async anonymisable(oid: string) {
    return this.all<{ id: number; radicado: string }>(`SELECT id, radicado FROM tickets WHERE requester_oid = $1 AND ${CLOSED} AND anonymised_at IS NULL ORDER BY id`, [oid]);
  }

  async anonymiseTicket(id: number, at: Date, by: Operator, marker: string, redraw: (t: AnonymisedTicket) => OutboxItem[] = () => []) {
    return pgTx(this.pool, async (c) => {
      const t = (await c.query(`SELECT * FROM tickets WHERE id = $1 AND ${CLOSED} AND anonymised_at IS NULL FOR UPDATE`, [id])).rows[0] as Record<string, unknown> | undefined;
      if (!t) return null;
      const iso = at.toISOString();
      const requester = t.requester_oid as string;

      // 1. The history: redact payloads, keep each original payload's digest; the 'anonymised' event commits to the result.
      const events = (await c.query('SELECT id, at, actor_oid, actor_name, kind, data FROM ticket_events WHERE ticket_id = $1 ORDER BY id', [id])).rows as {
        id: number;
        at: string;
        actor_oid: string | null;
        actor_name: string | null;
        kind: string;
        data: string;
      }[];
      const committed: Record<string, string> = {};
      for (const e of events) {
        const redacted = redactValue(parse(e.data), marker) as Record<string, unknown>;
        if (e.kind === 'attachment_added' && typeof redacted?.name === 'string') redacted.name = marker;
        const data = JSON.stringify(redacted);
        const actorName = e.actor_oid === requester && e.actor_name !== null ? marker : e.actor_name;
        if (data === e.data && actorName === e.actor_name) continue;
        await c.query('INSERT INTO ticket_event_redactions (event_id, ticket_id, original_sha256, original_actor_sha256, redacted_at) VALUES ($1, $2, $3, $4, $5)', [
          e.id,
          id,
          sha256(e.data),
          actorNameDigest(e.actor_name),
          iso,
        ]);
        await c.query('UPDATE ticket_events SET data = $1, actor_name = $2 WHERE id = $3', [data, actorName, e.id]);
        committed[e.id] = redactedDigest({ at: e.at, actorOid: e.actor_oid, kind: e.kind, data });
      }

      // 2. The ticket row.
      const fields = parse(t.field_values as string) as Record<string, unknown>;
      const redactedFields = Object.fromEntries(Object.entries(fields && typeof fields === 'object' ? fields : {}).map(([k, v]) => [k, v === '' ? '' : marker]));
      await c.query(
        `UPDATE tickets SET requester_name = $1, requester_email = NULL, requester_upn = NULL, phone = NULL,
           description = $1, field_values = $2, resolution_note = CASE WHEN resolution_note IS NULL THEN NULL ELSE $1 END,
           mail_error = CASE WHEN mail_error IS NULL THEN NULL ELSE $1 END,
           anonymised_at = $3, updated_at = $3, version = version + 1
         WHERE id = $4`,
        [marker, JSON.stringify(redactedFields), at, id],
      );
      await c.query('UPDATE satisfaction_surveys SET comment = $1 WHERE ticket_id = $2 AND comment IS NOT NULL', [marker, id]);

      // Attachments: names redacted, the requester's uploads marked deleted (bytes released by the caller).
      const deletedFiles = (
        await c.query<{ sha256: string }>('SELECT DISTINCT sha256 FROM attachments WHERE ticket_id = $1 AND uploader_oid = $2 AND deleted_at IS NULL', [id, requester])
      ).rows.map((r) => r.sha256);
      await c.query(
        `UPDATE attachments SET name = $1, uploader_name = CASE WHEN uploader_oid = $2 THEN $1 ELSE uploader_name END,
           deleted_at = CASE WHEN uploader_oid = $2 THEN COALESCE(deleted_at, $4) ELSE deleted_at END
         WHERE ticket_id = $3`,
        [marker, requester, id, at],
      );

      // 3. Its outbox rows: what was sent is redacted; what was still pending is not sent any more.
      const rows = (await c.query<{ id: number; payload: string }>('SELECT id, payload FROM outbox WHERE ticket_id = $1 FOR UPDATE', [id])).rows;
      for (const r of rows) {
        await c.query(
          `UPDATE outbox SET payload = $1, status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END,
             last_error = CASE WHEN status = 'pending' THEN 'anonymised' ELSE last_error END WHERE id = $2`,
          [JSON.stringify(redactValue(parse(r.payload), marker)), r.id],
        );
      }
      // The cards already posted show the anonymised ticket from now on.
      await insertOutboxPg(c, redraw(anonymisedTicket(t)), at);

      // 4. The record, chained like every event.
      await insertEvents(c, id, [
        {
          at,
          actor: by,
          kind: 'anonymised',
          data: {
            fields: ['requester_name', 'requester_email', 'requester_upn', 'phone', 'description', 'field_values', 'resolution_note', 'messages'],
            redactedEvents: committed,
            outboxRows: rows.length,
            deletedFiles: deletedFiles.length,
          },
        },
      ]);
      return { radicado: t.radicado as string, redactedEvents: Object.keys(committed).length, deletedFiles };
    });
  }

  async erasePhones(closedBefore: Date, at: Date, retentionDays: number, limit: number) {
    return pgTx(this.pool, async (c) => {
      const due = (
        await c.query<{ id: number; radicado: string }>(
          `SELECT id, radicado FROM tickets WHERE phone IS NOT NULL AND ${CLOSED} AND closed_at < $1 ORDER BY closed_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [closedBefore, limit],
        )
      ).rows;
      for (const t of due) {
        await c.query('UPDATE tickets SET phone = NULL, phone_erased_at = $1, version = version + 1 WHERE id = $2', [at, t.id]);
        await insertEvents(c, t.id, [{ at, kind: 'phone_erased', data: { retentionDays } }]);
      }
      return due.map((t) => t.radicado);
    });
  }
}
