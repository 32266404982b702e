import { RateLimitedError } from '../domain/errors';
import type { Db } from './db';
import { immediate } from './db';
import type { CreateOptions, ListOptions, OutboxItem, TicketPatch, TicketRepository } from '../domain/ports';
import type { NewEvent, NewTicket, Ticket, TicketEvent, TicketSla } from '../domain/tickets/model';
import { OPEN_STATUSES } from '../domain/tickets/model';
import { formatRadicado } from '../domain/tickets/radicado';
import type { QueueScope } from '../domain/queue/position';
import { insertOutbox } from './sqlite-outbox';
import { AUDIT_COLUMNS, type AuditRow } from './history-evidence';
import { eventHash, eventHashV1, HistoryChecker, sealedEvents, type ChainHead, type HistoryBreak, type HistoryReport, type HistoryRow, type Redaction } from './history-hash';
import { OPEN_SQL, scopeSql, toTicket, WAITING, type Row } from './ticket-rows';


/**
 * Checks every ticket's history: each event's hash and seal, the links and positions of a ticket's
 * events, the ticket row's count, head and audited state against its events, and the chain of all
 * tickets. An event redacted by anonymisation is checked with the digest of its original payload (kept
 * in ticket_event_redactions), and its visible content must be the one a later, chained 'anonymised'
 * event of the same ticket committed to. (Events hashed with version 1 carry their raw payload in the
 * hash: once redacted, only their link and that commitment are checked.) Only reads.
 */
export function verifyHistory(db: Db): HistoryReport {
  // One read transaction: another process committing meanwhile is seen wholly or not at all.
  return db.transaction(() => verifyInSnapshot(db))();
}

function verifyInSnapshot(db: Db): HistoryReport {
  const redactions = new Map<number, Redaction>();
  const hasActor = columnExists(db, 'ticket_event_redactions', 'original_actor_sha256');
  if (tableExists(db, 'ticket_event_redactions')) for (const r of db
    .prepare(`SELECT event_id, original_sha256, ${hasActor ? 'original_actor_sha256' : 'NULL AS original_actor_sha256'} FROM ticket_event_redactions`)
    .iterate() as Iterable<{ event_id: number; original_sha256: string; original_actor_sha256: string | null }>) {
    redactions.set(r.event_id, { original: r.original_sha256, actor: r.original_actor_sha256 });
  }
  // A copy made before migration 007 has hash chains only: those are checked.
  const sealed = columnExists(db, 'ticket_events', 'seal');
  const tickets = new Map<number, AuditRow>();
  for (const r of db.prepare(`SELECT ${sealed ? AUDIT_COLUMNS : 'id, radicado'} FROM tickets`).iterate() as Iterable<AuditRow>) tickets.set(r.id, r);
  const chain = sealed ? ((db.prepare('SELECT tickets, last_ticket_id, last_radicado FROM history_chain WHERE id = 1').get() as ChainHead | undefined) ?? null) : null;
  const rows = db
    .prepare(
      `SELECT id, ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, ${columnExists(db, 'ticket_events', 'hv') ? 'hv' : '1 AS hv'},
         ${sealed ? 'n, state, link, seal' : 'NULL AS n, NULL AS state, NULL AS link, NULL AS seal'} FROM ticket_events ORDER BY ticket_id, id`,
    )
    .iterate() as Iterable<HistoryRow>;
  const checker = new HistoryChecker(redactions, tickets, chain, sealed);
  for (const r of rows) checker.add(r);
  return checker.finish();
}


function tableExists(db: Db, table: string): boolean {
  return !!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table);
}

export function columnExists(db: Db, table: string, column: string): boolean {
  return (db.prepare(`SELECT 1 FROM pragma_table_info(?) WHERE name = ?`).get(table, column) ?? null) !== null;
}

const eventStmts = new WeakMap<Db, ReturnType<typeof prepareEventStatements>>();

function prepareEventStatements(db: Db) {
  return {
    insert: db.prepare(
      `INSERT INTO ticket_events (id, ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, hv, n, state, link, seal)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 2, ?, ?, ?, ?)`,
    ),
    last: db.prepare('SELECT hash FROM ticket_events WHERE ticket_id = ? ORDER BY id DESC LIMIT 1'),
    nextId: db.prepare('SELECT coalesce(max(id), 0) + 1 AS id FROM ticket_events'),
    ticket: db.prepare(`SELECT ${AUDIT_COLUMNS} FROM tickets WHERE id = ?`),
    setHead: db.prepare('UPDATE tickets SET history_events = ?, history_head = ? WHERE id = ?'),
    chain: db.prepare('SELECT tickets, last_ticket_id, last_radicado FROM history_chain WHERE id = 1'),
    setChain: db.prepare(
      `INSERT INTO history_chain (id, tickets, last_ticket_id, last_radicado) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET tickets = excluded.tickets, last_ticket_id = excluded.last_ticket_id, last_radicado = excluded.last_radicado`,
    ),
  };
}

function eventStatements(db: Db) {
  let s = eventStmts.get(db);
  if (!s) eventStmts.set(db, (s = prepareEventStatements(db)));
  return s;
}

/**
 * A database not migrated to 007 yet (only in tests of old files) gets the events of its schema:
 * hash version 1 before 003, 2 after; migration 007 seals them later.
 */
function appendUnsealed(db: Db, ticketId: number, events: NewEvent[]) {
  const hv2 = columnExists(db, 'ticket_events', 'hv');
  const insert = hv2
    ? db.prepare(`INSERT INTO ticket_events (ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, hv) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 2)`)
    : db.prepare(`INSERT INTO ticket_events (ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  let prev = (db.prepare('SELECT hash FROM ticket_events WHERE ticket_id = ? ORDER BY id DESC LIMIT 1').get(ticketId) as { hash: string } | undefined)?.hash ?? '';
  for (const e of events) {
    const row = { at: e.at.toISOString(), actorOid: e.actor?.oid ?? null, kind: e.kind, data: JSON.stringify(e.data) };
    const hash = hv2 ? eventHash(prev, ticketId, row) : eventHashV1(prev, ticketId, row);
    insert.run(ticketId, row.at, row.actorOid, e.actor?.name ?? null, e.kind, row.data, prev, hash);
    prev = hash;
  }
}


/**
 * Appends events to a ticket's history inside the caller's transaction, after the caller's change to
 * the ticket row (each event records the ticket's state as it is now).
 */
export function appendEvents(db: Db, ticketId: number, events: NewEvent[]): void {
  if (!events.length) return;
  if (!eventStmts.has(db) && !columnExists(db, 'ticket_events', 'seal')) return appendUnsealed(db, ticketId, events);
  const s = eventStatements(db);
  const t = s.ticket.get(ticketId) as AuditRow | undefined;
  if (!t) throw new Error(`ticket ${ticketId} does not exist`);
  const prev = (s.last.get(ticketId) as { hash: string } | undefined)?.hash ?? '';
  let id = (s.nextId.get() as { id: number }).id;
  const { rows, head } = sealedEvents(t, prev, events, () => id++, () => (s.chain.get() as ChainHead | undefined) ?? { tickets: 0, last_ticket_id: null, last_radicado: null });
  for (const r of rows) s.insert.run(r.id, r.ticket_id, r.at, r.actor_oid, r.actor_name, r.kind, r.data, r.prev_hash, r.hash, r.n, r.state, r.link, r.seal);
  const last = rows[rows.length - 1];
  s.setHead.run(last.n, last.hash, ticketId);
  if (head) s.setChain.run(head.tickets, head.last_ticket_id, head.last_radicado);
}

export class SqliteTicketRepository implements TicketRepository {
  private readonly stmts;

  constructor(private readonly db: Db) {
    const routed = columnExists(db, 'tickets', 'route_category_id');
    this.stmts = {
      bySubmission: db.prepare('SELECT * FROM tickets WHERE submission_key = ?'),
      byId: db.prepare('SELECT * FROM tickets WHERE id = ?'),
      byRadicado: db.prepare('SELECT * FROM tickets WHERE radicado = ?'),
      bumpCounter: db.prepare(
        `INSERT INTO radicado_counters (prefix, year, last) VALUES (?, ?, 1)
         ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1 RETURNING last`,
      ),
      // A file not migrated yet (opened by a tool) has no queue route: its category is its route.
      insert: db.prepare(`INSERT INTO tickets (
          radicado, submission_key, tenant_id, requester_oid, requester_name, requester_email, requester_upn,
          requester_department, locale, phone, contact_channel, category_id, ${routed ? 'route_category_id, ' : ''}service_id, template_id,
          field_values, description, priority, status, created_at, updated_at)
        VALUES (@radicado, @submissionKey, @tenantId, @oid, @name, @email, @upn, @department, @locale, @phone,
          @contactChannel, @categoryId, ${routed ? '@categoryId, ' : ''}@serviceId, @templateId, @fieldValues, @description, @priority, 'new',
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
      positionCat: db.prepare(`SELECT count(*) AS n FROM tickets WHERE status = 'new' AND ${routed ? 'route_category_id' : 'category_id'} = ? AND id <= ?`),
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
      if (patch.queueCategoryId !== undefined) {
        // Moved to another queue: its card is posted anew there.
        sets.push('route_category_id = @queueCategoryId', 'queue_conversation_id = NULL', 'queue_activity_id = NULL');
        params.queueCategoryId = patch.queueCategoryId;
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
    const where = `tenant_id = ? AND status IN (${OPEN_SQL})` + (cats ? ` AND route_category_id IN (${cats.map(() => '?').join(',') || "''"})` : '');
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
    const index = 'include' in scope ? 'tickets_waiting_route' : 'tickets_waiting';
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
    const where = WAITING + ' AND tenant_id = ?' + (cats ? ` AND route_category_id IN (${cats.map(() => '?').join(',') || "''"})` : '');
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
