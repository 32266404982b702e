/**
 * Personal data on SQLite: find a person, collect everything stored about them, anonymise a closed
 * ticket (row, history payloads through redaction records, outbox rows) and erase old contact phones.
 */
import type { Db } from './db';
import { immediate } from './db';
import type { AnonymisedTicket, Operator, PersonalDataDossier, PersonalDataRepository } from '../domain/personal-data';
import type { OutboxItem } from '../domain/ports';
import { insertOutbox } from './sqlite-outbox';
import { appendEvents } from './sqlite-tickets';
import { redactedDigest, sha256 } from './history-hash';
import { actorNameDigest } from './history-evidence';

/** Keys of history and outbox payloads that may carry what a person wrote or how to reach them. */
export const PERSONAL_KEYS = new Set(['text', 'note', 'message', 'description', 'phone', 'email', 'reason', 'comment']);

/** Replaces personal string values (by key) with the marker, recursively. */
export function redactValue(v: unknown, marker: string, key?: string): unknown {
  if (typeof v === 'string') {
    if (v === '' || key === undefined) return v;
    // 'to' is a status in history events and an address in mail payloads: only the address goes.
    return PERSONAL_KEYS.has(key) || (key === 'to' && v.includes('@')) ? marker : v;
  }
  if (Array.isArray(v)) return v.map((x) => redactValue(x, marker));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = redactValue(x, marker, k);
    return out;
  }
  return v;
}

export function parse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

function tableExists(db: Db, name: string): boolean {
  return !!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name);
}

export const CLOSED = `status IN ('closed', 'cancelled')`;

export class SqlitePersonalData implements PersonalDataRepository {
  constructor(private readonly db: Db) {}

  async findPeople(who: string) {
    const w = who.trim().toLowerCase();
    if (!w) return [];
    const oids = new Set<string>();
    const rows = this.db
      .prepare(
        `SELECT requester_oid AS oid FROM tickets
           WHERE lower(requester_oid) = @w OR lower(requester_email) = @w OR lower(requester_upn) = @w
         UNION SELECT assignee_oid FROM tickets WHERE lower(assignee_oid) = @w
         UNION SELECT oid FROM profiles
           WHERE lower(oid) = @w OR lower(json_extract(data, '$.email')) = @w OR lower(json_extract(data, '$.upn')) = @w
         UNION SELECT oid FROM privacy_notices WHERE lower(oid) = @w
         UNION SELECT oid FROM team_members WHERE lower(oid) = @w`,
      )
      .all({ w }) as { oid: string | null }[];
    for (const r of rows) if (r.oid) oids.add(r.oid);
    return [...oids];
  }

  async collect(oid: string): Promise<PersonalDataDossier> {
    const db = this.db;
    const tickets = db.prepare('SELECT * FROM tickets WHERE requester_oid = ? ORDER BY id').all(oid) as Record<string, unknown>[];
    const ticketIds = tickets.map((t) => t.id as number);
    const assigned = db.prepare('SELECT id, radicado, status, assignee_name FROM tickets WHERE assignee_oid = ? ORDER BY id').all(oid);
    const events = (
      db
        .prepare(
          `SELECT e.id, e.ticket_id, t.radicado, e.at, e.actor_oid, e.actor_name, e.kind, e.data,
                  EXISTS (SELECT 1 FROM ticket_event_redactions r WHERE r.event_id = e.id) AS redacted
           FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
           WHERE t.requester_oid = @w OR e.actor_oid = @w ORDER BY e.ticket_id, e.id`,
        )
        .all({ w: oid }) as { id: number; ticket_id: number; radicado: string; at: string; actor_oid: string | null; actor_name: string | null; kind: string; data: string; redacted: number }[]
    ).map((e) => ({ ...e, data: parse(e.data), redacted: e.redacted === 1 }));
    const messages = events
      .filter((e) => e.kind === 'message')
      .map((e) => ({ radicado: e.radicado, at: e.at, authorName: e.actor_name, ...(e.data as object) }));
    const profileRow = db.prepare('SELECT data, fetched_at FROM profiles WHERE oid = ?').get(oid) as { data: string; fetched_at: string } | undefined;
    const profile = profileRow ? { ...(parse(profileRow.data) as object), fetchedAt: profileRow.fetched_at } : null;
    // Outbox rows about their tickets, addressed to them, or naming their e-mail addresses.
    const emails = new Set<string>();
    for (const t of tickets) for (const k of ['requester_email', 'requester_upn']) if (typeof t[k] === 'string') emails.add((t[k] as string).toLowerCase());
    const p = profile as { email?: string; upn?: string } | null;
    if (p?.email) emails.add(p.email.toLowerCase());
    if (p?.upn) emails.add(p.upn.toLowerCase());
    const needles = [oid.toLowerCase(), ...emails];
    const outbox = (db.prepare('SELECT * FROM outbox ORDER BY id').all() as { ticket_id: number | null; payload: string }[])
      .filter((o) => (o.ticket_id !== null && ticketIds.includes(o.ticket_id)) || needles.some((n) => o.payload.toLowerCase().includes(n)))
      .map((o) => ({ ...o, payload: parse(o.payload) }));
    return {
      profile,
      privacyNotice: db.prepare('SELECT shown_at AS shownAt FROM privacy_notices WHERE oid = ?').get(oid) ?? null,
      tickets: tickets.map((t) => ({ ...t, field_values: parse(t.field_values as string) })),
      assignedTickets: assigned,
      events,
      messages,
      outbox,
      teamMemberships: db.prepare('SELECT team_id AS teamId, user_id AS userId, name, fetched_at AS fetchedAt FROM team_members WHERE oid = ?').all(oid),
      conversationReference: (() => {
        const r = db.prepare('SELECT reference, updated_at FROM conversation_refs WHERE key = ?').get(`user:${oid}`) as { reference: string; updated_at: string } | undefined;
        return r ? { reference: parse(r.reference), updatedAt: r.updated_at } : null;
      })(),
      welcome: db.prepare('SELECT sent_at AS sentAt FROM welcome_sent WHERE conversation_key = ?').get(`user:${oid}`) ?? null,
      satisfactionSurveys: tableExists(db, 'satisfaction_surveys')
        ? db.prepare('SELECT s.*, t.radicado FROM satisfaction_surveys s JOIN tickets t ON t.id = s.ticket_id WHERE s.requester_oid = ? ORDER BY s.ticket_id').all(oid)
        : [],
      // Files attached to their tickets or uploaded by them: metadata (the bytes are in ATTACHMENTS_DIR by sha256).
      attachments: tableExists(db, 'attachments')
        ? db
            .prepare(
              `SELECT a.*, t.radicado FROM attachments a LEFT JOIN tickets t ON t.id = a.ticket_id
               WHERE a.uploader_oid = @w OR t.requester_oid = @w ORDER BY a.id`,
            )
            .all({ w: oid })
        : [],
      supportQueuesRegistered: db.prepare('SELECT id, team_id AS teamId, channel_id AS channelId, category_id AS categoryId, created_at AS createdAt FROM support_queues WHERE registered_by = ?').all(oid),
    };
  }

  async anonymisable(oid: string) {
    return this.db
      .prepare(`SELECT id, radicado FROM tickets WHERE requester_oid = ? AND ${CLOSED} AND anonymised_at IS NULL ORDER BY id`)
      .all(oid) as { id: number; radicado: string }[];
  }

  async anonymiseTicket(id: number, at: Date, by: Operator, marker: string, redraw: (t: AnonymisedTicket) => OutboxItem[] = () => []) {
    const db = this.db;
    return immediate(db, () => {
      const t = db.prepare(`SELECT * FROM tickets WHERE id = ? AND ${CLOSED} AND anonymised_at IS NULL`).get(id) as Record<string, unknown> | undefined;
      if (!t) return null;
      const iso = at.toISOString();
      const requester = t.requester_oid as string;

      // 1. The history: redact payloads (and the requester's name as actor), keeping each original
      //    payload's digest so the chain still verifies; the 'anonymised' event commits to the result.
      const events = db.prepare('SELECT id, at, actor_oid, actor_name, kind, data FROM ticket_events WHERE ticket_id = ? ORDER BY id').all(id) as {
        id: number;
        at: string;
        actor_oid: string | null;
        actor_name: string | null;
        kind: string;
        data: string;
      }[];
      const insertRedaction = db.prepare('INSERT INTO ticket_event_redactions (event_id, ticket_id, original_sha256, original_actor_sha256, redacted_at) VALUES (?, ?, ?, ?, ?)');
      const updateEvent = db.prepare('UPDATE ticket_events SET data = ?, actor_name = ? WHERE id = ?');
      const committed: Record<string, string> = {};
      for (const e of events) {
        const redacted = redactValue(parse(e.data), marker) as Record<string, unknown>;
        // An attached file's name may name the person (the engineer's name elsewhere is not theirs).
        if (e.kind === 'attachment_added' && typeof redacted?.name === 'string') redacted.name = marker;
        const data = JSON.stringify(redacted);
        const actorName = e.actor_oid === requester && e.actor_name !== null ? marker : e.actor_name;
        if (data === e.data && actorName === e.actor_name) continue;
        insertRedaction.run(e.id, id, sha256(e.data), actorNameDigest(e.actor_name), iso);
        updateEvent.run(data, actorName, e.id);
        committed[e.id] = redactedDigest({ at: e.at, actorOid: e.actor_oid, kind: e.kind, data });
      }

      // 2. The ticket row.
      const fields = parse(t.field_values as string) as Record<string, unknown>;
      const redactedFields = Object.fromEntries(Object.entries(fields && typeof fields === 'object' ? fields : {}).map(([k, v]) => [k, v === '' ? '' : marker]));
      db.prepare(
        `UPDATE tickets SET requester_name = @marker, requester_email = NULL, requester_upn = NULL, phone = NULL,
           description = @marker, field_values = @fields, resolution_note = CASE WHEN resolution_note IS NULL THEN NULL ELSE @marker END,
           mail_error = CASE WHEN mail_error IS NULL THEN NULL ELSE @marker END,
           anonymised_at = @at, updated_at = @at, version = version + 1
         WHERE id = @id`,
      ).run({ marker, fields: JSON.stringify(redactedFields), at: iso, id });

      // The satisfaction survey's free-text comment (the score stays: it is not about the person).
      if (tableExists(db, 'satisfaction_surveys')) {
        db.prepare('UPDATE satisfaction_surveys SET comment = ? WHERE ticket_id = ? AND comment IS NOT NULL').run(marker, id);
      }

      // Attachment names may name the person; the requester's name as uploader goes too. The files
      // they uploaded are marked deleted (the row stays); their bytes, content-addressed and maybe
      // shared, are deleted by the caller after this commits when no live row points at them.
      let deletedFiles: string[] = [];
      if (tableExists(db, 'attachments')) {
        deletedFiles = (
          db.prepare('SELECT DISTINCT sha256 FROM attachments WHERE ticket_id = ? AND uploader_oid = ? AND deleted_at IS NULL').all(id, requester) as { sha256: string }[]
        ).map((r) => r.sha256);
        db.prepare(
          `UPDATE attachments SET name = @marker, uploader_name = CASE WHEN uploader_oid = @requester THEN @marker ELSE uploader_name END,
             deleted_at = CASE WHEN uploader_oid = @requester THEN COALESCE(deleted_at, @at) ELSE deleted_at END
           WHERE ticket_id = @id`,
        ).run({ marker, requester, id, at: iso });
      }

      // 3. Its outbox rows: what was sent is redacted; what was still pending is not sent any more.
      const rows = db.prepare('SELECT id, payload FROM outbox WHERE ticket_id = ?').all(id) as { id: number; payload: string }[];
      const updateOutbox = db.prepare(
        `UPDATE outbox SET payload = ?, status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END,
           last_error = CASE WHEN status = 'pending' THEN 'anonymised' ELSE last_error END WHERE id = ?`,
      );
      for (const r of rows) updateOutbox.run(JSON.stringify(redactValue(parse(r.payload), marker)), r.id);
      // The cards already posted show the anonymised ticket from now on.
      insertOutbox(db, redraw(anonymisedTicket(t)), at);

      // 4. The record, chained like every event.
      appendEvents(db, id, [
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
    const db = this.db;
    return immediate(db, () => {
      const due = db
        .prepare(`SELECT id, radicado FROM tickets WHERE phone IS NOT NULL AND ${CLOSED} AND closed_at < ? ORDER BY closed_at LIMIT ?`)
        .all(closedBefore.toISOString(), limit) as { id: number; radicado: string }[];
      const erase = db.prepare('UPDATE tickets SET phone = NULL, phone_erased_at = ?, version = version + 1 WHERE id = ?');
      for (const t of due) {
        erase.run(at.toISOString(), t.id);
        appendEvents(db, t.id, [{ at, kind: 'phone_erased', data: { retentionDays } }]);
      }
      return due.map((t) => t.radicado);
    });
  }
}

/** The ticket row as the redraw of its posted cards needs it. */
export function anonymisedTicket(t: Record<string, unknown>): AnonymisedTicket {
  return {
    id: Number(t.id),
    requesterOid: t.requester_oid as string,
    queueChannelId: t.queue_activity_id && t.queue_conversation_id ? (t.queue_conversation_id as string) : undefined,
  };
}
