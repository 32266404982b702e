import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { RateLimitedError } from '../domain/errors';
import type { Db } from './db';
import { immediate } from './db';
import type { CreateOptions, ListOptions, OutboxItem, TicketPatch, TicketRepository } from '../domain/ports';
import type { NewEvent, NewTicket, Ticket, TicketEvent, TicketSla } from '../domain/tickets/model';
import { OPEN_STATUSES } from '../domain/tickets/model';
import { formatRadicado } from '../domain/tickets/radicado';
import type { QueueScope } from '../domain/queue/position';
import { insertOutbox } from './sqlite-outbox';

/** A tickets row (PostgreSQL returns Date objects where SQLite returns ISO text; both map alike). */
export interface Row {
  id: number;
  radicado: string;
  tenant_id: string;
  requester_oid: string;
  requester_name: string;
  requester_email: string | null;
  requester_upn: string | null;
  requester_department: string | null;
  locale: string;
  phone: string | null;
  contact_channel: string;
  category_id: string;
  service_id: string;
  template_id: string;
  field_values: string;
  description: string;
  priority: string;
  status: string;
  assignee_oid: string | null;
  assignee_name: string | null;
  resolution_note: string | null;
  version: number;
  created_at: string | Date;
  updated_at: string | Date;
  first_response_at: string | Date | null;
  resolved_at: string | Date | null;
  closed_at: string | Date | null;
  queue_conversation_id: string | null;
  queue_activity_id: string | null;
  mail_error: string | null;
  imported: number;
  anonymised_at?: string | null;
  sla_first_response_minutes?: number | null;
  sla_resolution_minutes?: number | null;
  first_response_due_at?: string | Date | null;
  first_response_warn_at?: string | Date | null;
  resolution_due_at?: string | Date | null;
  resolution_warn_at?: string | Date | null;
  sla_paused_at?: string | Date | null;
  sla_paused_minutes?: number;
  first_response_warned_at?: string | Date | null;
  first_response_breached_at?: string | Date | null;
  resolution_warned_at?: string | Date | null;
  resolution_breached_at?: string | Date | null;
}

function toSla(r: Row): TicketSla | undefined {
  if (r.sla_resolution_minutes == null || r.sla_first_response_minutes == null || !r.resolution_due_at || !r.first_response_due_at) return undefined;
  return {
    firstResponseMinutes: r.sla_first_response_minutes,
    resolutionMinutes: r.sla_resolution_minutes,
    firstResponseDueAt: new Date(r.first_response_due_at),
    firstResponseWarnAt: new Date(r.first_response_warn_at ?? r.first_response_due_at),
    resolutionDueAt: new Date(r.resolution_due_at),
    resolutionWarnAt: new Date(r.resolution_warn_at ?? r.resolution_due_at),
    pausedAt: d(r.sla_paused_at ?? null),
    pausedMinutes: r.sla_paused_minutes ?? 0,
    firstResponseWarnedAt: d(r.first_response_warned_at ?? null),
    firstResponseBreachedAt: d(r.first_response_breached_at ?? null),
    resolutionWarnedAt: d(r.resolution_warned_at ?? null),
    resolutionBreachedAt: d(r.resolution_breached_at ?? null),
  };
}

const d = (s: string | Date | null) => (s ? new Date(s) : undefined);
const u = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export function toTicket(r: Row): Ticket {
  return {
    id: r.id,
    radicado: r.radicado,
    tenantId: r.tenant_id,
    requester: {
      oid: r.requester_oid,
      tenantId: r.tenant_id,
      name: r.requester_name,
      email: u(r.requester_email),
      upn: u(r.requester_upn),
      department: u(r.requester_department),
    },
    locale: r.locale === 'en' ? 'en' : 'es',
    phone: u(r.phone),
    contactChannel: r.contact_channel === 'phone' ? 'phone' : 'teams',
    categoryId: r.category_id,
    serviceId: r.service_id,
    templateId: r.template_id,
    fieldValues: JSON.parse(r.field_values),
    description: r.description,
    priority: r.priority as Ticket['priority'],
    status: r.status as Ticket['status'],
    assignee: r.assignee_oid ? { oid: r.assignee_oid, name: r.assignee_name ?? '' } : undefined,
    legacyAssignee: !r.assignee_oid && r.imported === 1 && r.assignee_name ? r.assignee_name : undefined,
    resolutionNote: u(r.resolution_note),
    version: r.version,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    firstResponseAt: d(r.first_response_at),
    resolvedAt: d(r.resolved_at),
    closedAt: d(r.closed_at),
    queueConversationId: u(r.queue_conversation_id),
    queueActivityId: u(r.queue_activity_id),
    mailError: u(r.mail_error),
    imported: r.imported === 1,
    anonymisedAt: d(r.anonymised_at ?? null),
    sla: toSla(r),
  };
}

/** An event where a ticket's hash chain breaks (edited, deleted or inserted history). */
export interface HistoryBreak {
  ticketId: number;
  eventId: number;
}

export const OPEN_SQL = OPEN_STATUSES.map((s) => `'${s}'`).join(',');
/** Waiting in the FIFO queue (matches the partial index tickets_waiting). */
export const WAITING = `status = 'new' AND imported = 0`;

function scopeSql(scope: QueueScope, alias = ''): { sql: string; args: string[] } {
  if ('include' in scope) {
    return scope.include.length ? { sql: `${alias}category_id IN (${scope.include.map(() => '?').join(',')})`, args: scope.include } : { sql: '0', args: [] };
  }
  return scope.exclude.length ? { sql: `${alias}category_id NOT IN (${scope.exclude.map(() => '?').join(',')})`, args: scope.exclude } : { sql: '1', args: [] };
}

/** sha256 of a string, hex. */
export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/**
 * Hash of one history event chained to the previous one of the same ticket (tamper evidence).
 * Version 2 (every event since migration 003) hashes the payload through its digest, so an
 * anonymised payload can be replaced while the chain stays verifiable with the kept digest.
 */
export function eventHash(prev: string, ticketId: number, e: { at: string; actorOid: string | null; kind: string; data: string }): string {
  return eventHashFromDigest(prev, ticketId, { ...e, dataSha256: sha256(e.data) });
}

export function eventHashFromDigest(prev: string, ticketId: number, e: { at: string; actorOid: string | null; kind: string; dataSha256: string }): string {
  return sha256([prev, ticketId, e.at, e.actorOid ?? '', e.kind, `sha256:${e.dataSha256}`].join('\u0000'));
}

/** Version 1 (events written before migration 003): the raw payload is hashed. */
export function eventHashV1(prev: string, ticketId: number, e: { at: string; actorOid: string | null; kind: string; data: string }): string {
  return sha256([prev, ticketId, e.at, e.actorOid ?? '', e.kind, e.data].join('\u0000'));
}

/** What an 'anonymised' event commits to for each redacted event: its visible content after redaction. */
export function redactedDigest(e: { at: string; actorOid: string | null; kind: string; data: string }): string {
  return sha256([e.at, e.actorOid ?? '', e.kind, e.data].join('\u0000'));
}

/** One place where a ticket's history does not verify. */
export interface HistoryBreak {
  ticketId: number;
  radicado: string;
  eventId: number;
  reason: 'hash' | 'link' | 'redaction_unrecorded' | 'redaction_mismatch';
  expected: string;
  found: string;
}

export interface HistoryReport {
  tickets: number;
  events: number;
  redacted: number;
  breaks: HistoryBreak[];
}

/**
 * Checks every ticket's hash chain. An event redacted by anonymisation is checked with the digest
 * of its original payload (kept in ticket_event_redactions), and its visible content must be the one
 * a later, chained 'anonymised' event of the same ticket committed to. (Events hashed with version 1
 * carry their raw payload in the hash: once redacted, only their link and that commitment are checked.)
 */
export function verifyHistory(db: Db): HistoryReport {
  const hasHv = columnExists(db, 'ticket_events', 'hv');
  const redactions = new Map<number, string>();
  if (tableExists(db, 'ticket_event_redactions')) {
    for (const r of db.prepare('SELECT event_id, original_sha256 FROM ticket_event_redactions').iterate() as Iterable<{ event_id: number; original_sha256: string }>) {
      redactions.set(r.event_id, r.original_sha256);
    }
  }
  const radicados = new Map<number, string>();
  for (const r of db.prepare('SELECT id, radicado FROM tickets').iterate() as Iterable<{ id: number; radicado: string }>) radicados.set(r.id, r.radicado);
  const rows = db
    .prepare(`SELECT id, ticket_id, at, actor_oid, kind, data, prev_hash, hash, ${hasHv ? 'hv' : '1 AS hv'} FROM ticket_events ORDER BY ticket_id, id`)
    .iterate() as Iterable<HistoryRow>;
  const checker = new HistoryChecker(redactions, radicados);
  for (const r of rows) checker.add(r);
  return checker.finish();
}

/** One stored history event, as both engines read it for verification. */
export interface HistoryRow {
  id: number;
  ticket_id: number;
  at: string;
  actor_oid: string | null;
  kind: string;
  data: string;
  prev_hash: string;
  hash: string;
  hv: number;
}

/**
 * The chain check of verifyHistory, fed with events ordered by (ticket_id, id), so either engine can
 * stream its rows through it (PostgreSQL in keyset pages).
 */
export class HistoryChecker {
  private readonly report: HistoryReport = { tickets: 0, events: 0, redacted: 0, breaks: [] };
  private ticket = -1;
  private prev = '';
  // Redacted events of the current ticket still waiting for the 'anonymised' event that commits to them.
  private open = new Map<number, string>();

  constructor(
    private readonly redactions: Map<number, string>,
    private readonly radicados: Map<number, string>,
  ) {}

  private brk(ticketId: number, eventId: number, reason: HistoryBreak['reason'], expected: string, found: string) {
    this.report.breaks.push({ ticketId, radicado: this.radicados.get(ticketId) ?? '?', eventId, reason, expected, found });
  }

  private closeTicket() {
    for (const [eventId] of this.open) this.brk(this.ticket, eventId, 'redaction_unrecorded', 'an anonymised event listing this redaction', 'none');
    this.open = new Map();
  }

  add(r: HistoryRow) {
    const report = this.report;
    if (r.ticket_id !== this.ticket) {
      if (this.ticket !== -1) this.closeTicket();
      this.ticket = r.ticket_id;
      this.prev = '';
      report.tickets++;
    }
    report.events++;
    const e = { at: r.at, actorOid: r.actor_oid, kind: r.kind, data: r.data };
    if (r.prev_hash !== this.prev) this.brk(r.ticket_id, r.id, 'link', this.prev, r.prev_hash);
    const original = this.redactions.get(r.id);
    if (original !== undefined) {
      report.redacted++;
      this.open.set(r.id, redactedDigest(e));
      if (r.hv >= 2) {
        const expected = eventHashFromDigest(r.prev_hash, r.ticket_id, { ...e, dataSha256: original });
        if (expected !== r.hash) this.brk(r.ticket_id, r.id, 'hash', expected, r.hash);
      }
    } else {
      const expected = r.hv >= 2 ? eventHash(r.prev_hash, r.ticket_id, e) : eventHashV1(r.prev_hash, r.ticket_id, e);
      if (expected !== r.hash) this.brk(r.ticket_id, r.id, 'hash', expected, r.hash);
    }
    if (r.kind === 'anonymised') {
      let listed: Record<string, string> = {};
      try {
        listed = (JSON.parse(r.data) as { redactedEvents?: Record<string, string> }).redactedEvents ?? {};
      } catch {
        listed = {};
      }
      for (const [id, digest] of Object.entries(listed)) {
        const have = this.open.get(Number(id));
        if (have === undefined) continue; // not redacted (yet): nothing to check
        if (have !== digest) this.brk(r.ticket_id, Number(id), 'redaction_mismatch', digest, have);
        this.open.delete(Number(id));
      }
    }
    this.prev = r.hash;
  }

  finish(): HistoryReport {
    if (this.ticket !== -1) this.closeTicket();
    this.ticket = -1;
    return this.report;
  }
}

export function columnExists(db: Db, table: string, column: string): boolean {
  return (db.prepare(`SELECT 1 FROM pragma_table_info(?) WHERE name = ?`).get(table, column) ?? null) !== null;
}

function tableExists(db: Db, table: string): boolean {
  return !!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table);
}

const eventStmts = new WeakMap<Db, { hv2: boolean; insert: Database.Statement; last: Database.Statement }>();

function eventStatements(db: Db) {
  let s = eventStmts.get(db);
  if (!s) {
    // A database not migrated to 003 yet (only in tests of old files) keeps writing version 1.
    const hv2 = columnExists(db, 'ticket_events', 'hv');
    s = {
      hv2,
      insert: hv2
        ? db.prepare(`INSERT INTO ticket_events (ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, hv) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 2)`)
        : db.prepare(`INSERT INTO ticket_events (ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      last: db.prepare('SELECT hash FROM ticket_events WHERE ticket_id = ? ORDER BY id DESC LIMIT 1'),
    };
    eventStmts.set(db, s);
  }
  return s;
}

/** Appends events to a ticket's chain inside the caller's transaction. */
export function appendEvents(db: Db, ticketId: number, events: NewEvent[]): void {
  if (!events.length) return;
  const { hv2, insert, last } = eventStatements(db);
  let prev = (last.get(ticketId) as { hash: string } | undefined)?.hash ?? '';
  for (const e of events) {
    const row = { at: e.at.toISOString(), actorOid: e.actor?.oid ?? null, kind: e.kind, data: JSON.stringify(e.data) };
    const hash = hv2 ? eventHash(prev, ticketId, row) : eventHashV1(prev, ticketId, row);
    insert.run(ticketId, row.at, row.actorOid, e.actor?.name ?? null, e.kind, row.data, prev, hash);
    prev = hash;
  }
}

export class SqliteTicketRepository implements TicketRepository {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      bySubmission: db.prepare('SELECT * FROM tickets WHERE submission_key = ?'),
      byId: db.prepare('SELECT * FROM tickets WHERE id = ?'),
      byRadicado: db.prepare('SELECT * FROM tickets WHERE radicado = ?'),
      bumpCounter: db.prepare(
        `INSERT INTO radicado_counters (prefix, year, last) VALUES (?, ?, 1)
         ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1 RETURNING last`,
      ),
      insert: db.prepare(`INSERT INTO tickets (
          radicado, submission_key, tenant_id, requester_oid, requester_name, requester_email, requester_upn,
          requester_department, locale, phone, contact_channel, category_id, service_id, template_id,
          field_values, description, priority, status, created_at, updated_at)
        VALUES (@radicado, @submissionKey, @tenantId, @oid, @name, @email, @upn, @department, @locale, @phone,
          @contactChannel, @categoryId, @serviceId, @templateId, @fieldValues, @description, @priority, 'new',
          @createdAt, @createdAt)`),
      setQueueMessage: db.prepare('UPDATE tickets SET queue_conversation_id = ?, queue_activity_id = ? WHERE id = ?'),
      byRequester: db.prepare(
        `SELECT * FROM tickets WHERE requester_oid = ?
         ORDER BY CASE WHEN status IN (${OPEN_SQL}) THEN 0 ELSE 1 END,
                  CASE WHEN status IN (${OPEN_SQL}) THEN id ELSE -id END
         LIMIT ? OFFSET ?`,
      ),
      countByRequester: db.prepare('SELECT count(*) AS n FROM tickets WHERE requester_oid = ?'),
      position: db.prepare(`SELECT count(*) AS n FROM tickets WHERE status = 'new' AND id <= ?`),
      positionCat: db.prepare(`SELECT count(*) AS n FROM tickets WHERE status = 'new' AND category_id = ? AND id <= ?`),
      createdSince: db.prepare('SELECT count(*) AS n FROM tickets WHERE requester_oid = ? AND created_at >= ?'),
      resolvedBefore: db.prepare(`SELECT * FROM tickets WHERE status = 'resolved' AND resolved_at < ? ORDER BY id LIMIT ?`),
    };
  }

  async create(input: NewTicket, prefix: string, year: number, effects: (t: Ticket) => OutboxItem[], opts: CreateOptions = {}) {
    return immediate(this.db, () => {
      const existing = this.stmts.bySubmission.get(input.submissionKey) as Row | undefined;
      if (existing) return { ticket: toTicket(existing), created: false };
      if (opts.maxPerHour !== undefined) {
        // Under the write lock: two submissions at the same moment cannot both pass the limit.
        const since = new Date(input.createdAt.getTime() - 3600_000).toISOString();
        const { n } = this.stmts.createdSince.get(input.requester.oid, since) as { n: number };
        if (n >= opts.maxPerHour) throw new RateLimitedError('tickets', 3600);
      }
      const { last } = this.stmts.bumpCounter.get(prefix, year) as { last: number };
      const radicado = formatRadicado(prefix, year, last);
      const createdAt = input.createdAt.toISOString();
      const info = this.stmts.insert.run({
        radicado,
        submissionKey: input.submissionKey,
        tenantId: input.requester.tenantId,
        oid: input.requester.oid,
        name: input.requester.name,
        email: input.requester.email ?? null,
        upn: input.requester.upn ?? null,
        department: input.requester.department ?? null,
        locale: input.locale,
        phone: input.phone ?? null,
        contactChannel: input.contactChannel,
        categoryId: input.categoryId,
        serviceId: input.serviceId,
        templateId: input.templateId,
        fieldValues: JSON.stringify(input.fieldValues),
        description: input.description,
        priority: input.priority,
        createdAt,
      });
      if (input.sla) {
        const sla = input.sla;
        this.db
          .prepare(
            `UPDATE tickets SET sla_first_response_minutes = ?, sla_resolution_minutes = ?, first_response_due_at = ?,
               first_response_warn_at = ?, resolution_due_at = ?, resolution_warn_at = ? WHERE id = ?`,
          )
          .run(
            sla.firstResponseMinutes,
            sla.resolutionMinutes,
            sla.firstResponseDueAt.toISOString(),
            sla.firstResponseWarnAt.toISOString(),
            sla.resolutionDueAt.toISOString(),
            sla.resolutionWarnAt.toISOString(),
            info.lastInsertRowid,
          );
      }
      const ticket = toTicket(this.stmts.byId.get(info.lastInsertRowid) as Row);
      this.insertEvents(ticket.id, [
        {
          at: input.createdAt,
          actor: { oid: input.requester.oid, name: input.requester.name },
          kind: 'created',
          data: { radicado, templateId: input.templateId, priority: input.priority },
        },
      ]);
      insertOutbox(this.db, effects(ticket), input.createdAt);
      return { ticket, created: true };
    });
  }

  async get(id: number) {
    const r = this.stmts.byId.get(id) as Row | undefined;
    return r ? toTicket(r) : null;
  }

  async findBySubmission(key: string) {
    const r = this.stmts.bySubmission.get(key) as Row | undefined;
    return r ? toTicket(r) : null;
  }

  async findByQueueActivity(activityId: string) {
    const r = this.db.prepare('SELECT * FROM tickets WHERE queue_activity_id = ?').get(activityId) as Row | undefined;
    return r ? toTicket(r) : null;
  }

  async getByRadicado(radicado: string) {
    const r = this.stmts.byRadicado.get(radicado) as Row | undefined;
    return r ? toTicket(r) : null;
  }

  async update(id: number, expectedVersion: number, patch: TicketPatch, events: NewEvent[], effects: OutboxItem[], claimKey?: string) {
    return immediate(this.db, () => {
      if (claimKey !== undefined) {
        const claimed = this.db
          .prepare('INSERT INTO ticket_additions (submission_key, ticket_id, at) VALUES (?, ?, ?) ON CONFLICT (submission_key) DO NOTHING')
          .run(claimKey, id, patch.updatedAt.toISOString());
        if (claimed.changes === 0) return null;
      }
      const sets: string[] = ['version = version + 1', 'updated_at = @updatedAt'];
      const params: Record<string, unknown> = { id, expectedVersion, updatedAt: patch.updatedAt.toISOString() };
      if (patch.status !== undefined) {
        sets.push('status = @status');
        params.status = patch.status;
      }
      if (patch.assignee !== undefined) {
        sets.push('assignee_oid = @assigneeOid', 'assignee_name = @assigneeName');
        params.assigneeOid = patch.assignee?.oid ?? null;
        params.assigneeName = patch.assignee?.name ?? null;
      }
      if (patch.resolutionNote !== undefined) {
        sets.push('resolution_note = @resolutionNote');
        params.resolutionNote = patch.resolutionNote;
      }
      if (patch.firstResponseAt) {
        sets.push('first_response_at = coalesce(first_response_at, @firstResponseAt)');
        params.firstResponseAt = patch.firstResponseAt.toISOString();
      }
      for (const [key, col] of [
        ['resolvedAt', 'resolved_at'],
        ['closedAt', 'closed_at'],
      ] as const) {
        const v = patch[key];
        if (v !== undefined) {
          sets.push(`${col} = @${key}`);
          params[key] = v ? v.toISOString() : null;
        }
      }
      if (patch.mailError !== undefined) {
        sets.push('mail_error = @mailError');
        params.mailError = patch.mailError;
      }
      if (patch.sla) {
        const cols = {
          pausedAt: 'sla_paused_at',
          pausedMinutes: 'sla_paused_minutes',
          firstResponseDueAt: 'first_response_due_at',
          firstResponseWarnAt: 'first_response_warn_at',
          resolutionDueAt: 'resolution_due_at',
          resolutionWarnAt: 'resolution_warn_at',
        } as const;
        for (const [key, col] of Object.entries(cols) as [keyof typeof cols, string][]) {
          const v = patch.sla[key];
          if (v === undefined) continue;
          sets.push(`${col} = @sla_${key}`);
          params[`sla_${key}`] = v instanceof Date ? v.toISOString() : v;
        }
      }
      const res = this.db
        .prepare(`UPDATE tickets SET ${sets.join(', ')} WHERE id = @id AND version = @expectedVersion`)
        .run(params);
      if (res.changes === 0) {
        // Undo the claim: the version moved, the caller retries with the fresh ticket.
        if (claimKey !== undefined) this.db.prepare('DELETE FROM ticket_additions WHERE submission_key = ?').run(claimKey);
        return null;
      }
      this.insertEvents(id, events);
      insertOutbox(this.db, effects, patch.updatedAt);
      return toTicket(this.stmts.byId.get(id) as Row);
    });
  }

  async append(id: number, events: NewEvent[], effects: OutboxItem[]) {
    immediate(this.db, () => {
      this.insertEvents(id, events);
      insertOutbox(this.db, effects, events[0]?.at ?? new Date());
    });
  }

  async setQueueMessage(id: number, conversationId: string, activityId: string) {
    this.stmts.setQueueMessage.run(conversationId, activityId, id);
  }

  async listByRequester(oid: string, opts: ListOptions) {
    const items = (this.stmts.byRequester.all(oid, opts.limit, opts.offset ?? 0) as Row[]).map(toTicket);
    const { n } = this.stmts.countByRequester.get(oid) as { n: number };
    return { items, total: n };
  }

  async listOpen(opts: ListOptions & { tenantId: string; categoryIds?: string[] | null }) {
    const cats = opts.categoryIds ?? null;
    const where = `tenant_id = ? AND status IN (${OPEN_SQL})` + (cats ? ` AND category_id IN (${cats.map(() => '?').join(',') || "''"})` : '');
    const args = [opts.tenantId, ...(cats ?? [])];
    const items = (
      this.db.prepare(`SELECT * FROM tickets WHERE ${where} ORDER BY id LIMIT ? OFFSET ?`).all(...args, opts.limit, opts.offset ?? 0) as Row[]
    ).map(toTicket);
    const { n } = this.db.prepare(`SELECT count(*) AS n FROM tickets WHERE ${where}`).get(...args) as { n: number };
    return { items, total: n };
  }

  async findAddition(key: string) {
    const r = this.db.prepare('SELECT ticket_id FROM ticket_additions WHERE submission_key = ?').get(key) as { ticket_id: number } | undefined;
    return r ? r.ticket_id : null;
  }

  async queuePosition(ticket: Ticket, scope?: QueueScope) {
    if (ticket.status !== 'new' || ticket.imported) return null;
    if (!scope) {
      const { n } = this.stmts.position.get(ticket.id) as { n: number };
      return n;
    }
    const w = scopeSql(scope);
    // Counted along a partial index of waiting tickets only (the planner, without statistics,
    // would walk tickets_open and read every row to check `imported`).
    const index = 'include' in scope ? 'tickets_waiting_category' : 'tickets_waiting';
    const { n } = this.db
      .prepare(`SELECT count(*) AS n FROM tickets INDEXED BY ${index} WHERE ${WAITING} AND ${w.sql} AND id <= ?`)
      .get(...w.args, ticket.id) as { n: number };
    return n;
  }

  async waitingAfter(ticketId: number, scope: QueueScope, limit: number) {
    const w = scopeSql(scope);
    const rows = this.db.prepare(`SELECT * FROM tickets WHERE ${WAITING} AND ${w.sql} AND id > ? ORDER BY id LIMIT ?`).all(...w.args, ticketId, limit) as Row[];
    return rows.map(toTicket);
  }

  async recentTakes(scope: QueueScope, limit: number) {
    const w = scopeSql(scope, 't.');
    // Newest first along the (kind, id) index; only a ticket's first assignment is a take from the
    // queue (a re-assignment is not), checked per row along (ticket_id, id).
    const rows = this.db
      .prepare(
        `SELECT e.at FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
         WHERE e.kind = 'assigned' AND t.imported = 0 AND ${w.sql}
           AND NOT EXISTS (SELECT 1 FROM ticket_events p INDEXED BY ticket_events_ticket WHERE p.ticket_id = e.ticket_id AND p.id < e.id AND p.kind = 'assigned')
         ORDER BY e.id DESC LIMIT ?`,
      )
      .all(...w.args, limit) as { at: string }[];
    return rows.map((r) => new Date(r.at));
  }

  async oldestUnassigned(tenantId: string, categoryIds: string[] | null) {
    const cats = categoryIds;
    // Imported cases of the previous service desk are never handed out by "siguiente".
    const where = WAITING + ' AND tenant_id = ?' + (cats ? ` AND category_id IN (${cats.map(() => '?').join(',') || "''"})` : '');
    const r = this.db.prepare(`SELECT * FROM tickets WHERE ${where} ORDER BY id LIMIT 1`).get(tenantId, ...(cats ?? [])) as Row | undefined;
    return r ? toTicket(r) : null;
  }

  async events(ticketId: number, opts: { kinds?: string[]; limit?: number } = {}) {
    const kinds = opts.kinds;
    const where = 'ticket_id = ?' + (kinds ? ` AND kind IN (${kinds.map(() => '?').join(',')})` : '');
    const rows = this.db
      .prepare(`SELECT * FROM (SELECT * FROM ticket_events WHERE ${where} ORDER BY id DESC LIMIT ?) ORDER BY id`)
      .all(ticketId, ...(kinds ?? []), opts.limit ?? 1000) as {
      id: number;
      ticket_id: number;
      at: string;
      actor_oid: string | null;
      actor_name: string | null;
      kind: string;
      data: string;
    }[];
    return rows.map(
      (r): TicketEvent => ({
        id: r.id,
        ticketId: r.ticket_id,
        at: new Date(r.at),
        actor: r.actor_oid ? { oid: r.actor_oid, name: r.actor_name ?? '' } : undefined,
        kind: r.kind as TicketEvent['kind'],
        data: JSON.parse(r.data),
      }),
    );
  }

  async countCreatedSince(requesterOid: string, since: Date) {
    return (this.stmts.createdSince.get(requesterOid, since.toISOString()) as { n: number }).n;
  }

  async resolvedBefore(before: Date, limit: number) {
    return (this.stmts.resolvedBefore.all(before.toISOString(), limit) as Row[]).map(toTicket);
  }

  /** Checks every ticket's hash chain; returns the events where it breaks (details: verifyHistory(db)). */
  async verifyHistory(): Promise<HistoryBreak[]> {
    return verifyHistory(this.db).breaks;
  }

  /** Appends hash-chained history events; call inside the caller's transaction. */
  insertEvents(ticketId: number, events: NewEvent[]) {
    appendEvents(this.db, ticketId, events);
  }
}
