/**
 * Tickets on PostgreSQL. The radicado counter row is bumped (and so row-locked) in the same
 * transaction as the ticket insert: concurrent instances queue on that row, a rolled-back creation
 * gives its number back, so numbers have no duplicate and no gap.
 */
import type { CreateOptions, ListOptions, OutboxItem, TicketPatch, TicketRepository } from '../../domain/ports';
import { RateLimitedError } from '../../domain/errors';
import type { NewEvent, NewTicket, Ticket, TicketEvent } from '../../domain/tickets/model';
import { formatRadicado } from '../../domain/tickets/radicado';
import type { QueueScope } from '../../domain/queue/position';
import { HistoryChecker, sealedEvents, type ChainHead, type HistoryBreak, type HistoryReport, type HistoryRow, type Redaction } from '../history-hash';
import { OPEN_SQL, toTicket, WAITING, type Row } from '../ticket-rows';
import { AUDIT_COLUMNS, type AuditRow } from '../history-evidence';
import { isUniqueViolation, pgTx, type PgClient, type PgPool, type PgQueryable } from './pg-db';
import { insertOutboxPg } from './pg-outbox';

export class PgTicketRepository implements TicketRepository {
  constructor(private readonly pool: PgPool) {}

  private async one(sql: string, args: unknown[], q: PgQueryable = this.pool): Promise<Ticket | null> {
    const r = (await q.query<Row>(sql, args)).rows[0];
    return r ? toTicket(r) : null;
  }

  private async many(sql: string, args: unknown[]): Promise<Ticket[]> {
    return (await this.pool.query<Row>(sql, args)).rows.map(toTicket);
  }

  async create(input: NewTicket, prefix: string, year: number, effects: (t: Ticket) => OutboxItem[], opts: CreateOptions = {}) {
    try {
      return await pgTx(this.pool, async (c) => {
        // With a limit, one requester's creations queue here (per-requester transaction lock), so the
        // submission check and the count below see every earlier creation committed.
        const limited = opts.maxPerHour !== undefined;
        if (limited) await c.query(`SELECT pg_advisory_xact_lock(hashtext('ticket-limit:' || $1))`, [input.requester.oid]);
        const existing = await this.one('SELECT * FROM tickets WHERE submission_key = $1', [input.submissionKey], c);
        if (existing) return { ticket: existing, created: false };
        if (limited) {
          const since = new Date(input.createdAt.getTime() - 3600_000);
          const n = (await c.query<{ n: number }>('SELECT count(*) AS n FROM tickets WHERE requester_oid = $1 AND created_at >= $2', [input.requester.oid, since])).rows[0].n;
          if (n >= opts.maxPerHour!) throw new RateLimitedError('tickets', 3600);
        }
        // The chain of tickets before the counter: every transaction that files tickets (the legacy
        // import too) takes the two in this order, so none waits for the other's lock while holding its own.
        await lockHistoryChain(c);
        const { last } = (
          await c.query<{ last: number }>(
            `INSERT INTO radicado_counters (prefix, year, last) VALUES ($1, $2, 1)
             ON CONFLICT (prefix, year) DO UPDATE SET last = radicado_counters.last + 1 RETURNING last`,
            [prefix, year],
          )
        ).rows[0];
        const radicado = formatRadicado(prefix, year, last);
        const inserted = (await this.one(
          `INSERT INTO tickets (
            radicado, submission_key, tenant_id, requester_oid, requester_name, requester_email, requester_upn,
            requester_department, locale, phone, contact_channel, category_id, route_category_id, service_id, template_id,
            field_values, description, priority, status, created_at, updated_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16, $17, 'new', $18, $18)
          RETURNING *`,
          [
            radicado,
            input.submissionKey,
            input.requester.tenantId,
            input.requester.oid,
            input.requester.name,
            input.requester.email ?? null,
            input.requester.upn ?? null,
            input.requester.department ?? null,
            input.locale,
            input.phone ?? null,
            input.contactChannel,
            input.categoryId,
            input.serviceId,
            input.templateId,
            JSON.stringify(input.fieldValues),
            input.description,
            input.priority,
            input.createdAt,
          ],
          c,
        ))!;
        let ticket = inserted;
        if (input.sla) {
          const sla = input.sla;
          ticket = (await this.one(
            `UPDATE tickets SET sla_first_response_minutes = $1, sla_resolution_minutes = $2, first_response_due_at = $3,
               first_response_warn_at = $4, resolution_due_at = $5, resolution_warn_at = $6 WHERE id = $7 RETURNING *`,
            [sla.firstResponseMinutes, sla.resolutionMinutes, sla.firstResponseDueAt, sla.firstResponseWarnAt, sla.resolutionDueAt, sla.resolutionWarnAt, inserted.id],
            c,
          ))!;
        }
        await insertEvents(c, ticket.id, [
          {
            at: input.createdAt,
            actor: { oid: input.requester.oid, name: input.requester.name },
            kind: 'created',
            data: { radicado, templateId: input.templateId, priority: input.priority },
          },
        ]);
        await insertOutboxPg(c, effects(ticket), input.createdAt);
        return { ticket, created: true };
      });
    } catch (err) {
      // The same submission committed by another instance meanwhile: ours rolled back (number included).
      if (isUniqueViolation(err, 'tickets_submission_key_key')) {
        const first = await this.findBySubmission(input.submissionKey);
        if (first) return { ticket: first, created: false };
      }
      throw err;
    }
  }

  get(id: number) {
    return this.one('SELECT * FROM tickets WHERE id = $1', [id]);
  }

  findBySubmission(key: string) {
    return this.one('SELECT * FROM tickets WHERE submission_key = $1', [key]);
  }

  findByQueueActivity(activityId: string) {
    return this.one('SELECT * FROM tickets WHERE queue_activity_id = $1 ORDER BY id LIMIT 1', [activityId]);
  }

  getByRadicado(radicado: string) {
    return this.one('SELECT * FROM tickets WHERE radicado = $1', [radicado]);
  }

  async update(id: number, expectedVersion: number, patch: TicketPatch, events: NewEvent[], effects: OutboxItem[], claimKey?: string) {
    try {
      return await this.updateTx(id, expectedVersion, patch, events, effects, claimKey);
    } catch (err) {
      if (err === VERSION_MOVED) return null;
      throw err;
    }
  }

  private updateTx(id: number, expectedVersion: number, patch: TicketPatch, events: NewEvent[], effects: OutboxItem[], claimKey?: string) {
    return pgTx(this.pool, async (c) => {
      if (claimKey !== undefined) {
        // Another instance claiming the same key waits here for our commit (or rollback).
        const claimed = await c.query('INSERT INTO ticket_additions (submission_key, ticket_id, at) VALUES ($1, $2, $3) ON CONFLICT (submission_key) DO NOTHING', [
          claimKey,
          id,
          patch.updatedAt,
        ]);
        if (claimed.rowCount === 0) return null;
      }
      const args: unknown[] = [id, expectedVersion, patch.updatedAt];
      const p = (v: unknown) => {
        args.push(v);
        return `$${args.length}`;
      };
      const sets: string[] = ['version = version + 1', 'updated_at = $3'];
      if (patch.status !== undefined) sets.push(`status = ${p(patch.status)}`);
      if (patch.assignee !== undefined) {
        sets.push(`assignee_oid = ${p(patch.assignee?.oid ?? null)}`, `assignee_name = ${p(patch.assignee?.name ?? null)}`);
      }
      if (patch.resolutionNote !== undefined) sets.push(`resolution_note = ${p(patch.resolutionNote)}`);
      if (patch.firstResponseAt) sets.push(`first_response_at = coalesce(first_response_at, ${p(patch.firstResponseAt)}::timestamptz)`);
      if (patch.resolvedAt !== undefined) sets.push(`resolved_at = ${p(patch.resolvedAt)}::timestamptz`);
      if (patch.closedAt !== undefined) sets.push(`closed_at = ${p(patch.closedAt)}::timestamptz`);
      if (patch.queueCategoryId !== undefined) {
        // Moved to another queue: its card is posted anew there.
        sets.push(`route_category_id = ${p(patch.queueCategoryId)}`, 'queue_conversation_id = NULL', 'queue_activity_id = NULL');
      }
      if (patch.mailError !== undefined) sets.push(`mail_error = ${p(patch.mailError)}`);
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
          sets.push(`${col} = ${p(v)}${key === 'pausedMinutes' ? '::double precision' : '::timestamptz'}`);
        }
      }
      // The UPDATE row-locks the ticket until commit: history appends for it are serialized.
      const ticket = await this.one(`UPDATE tickets SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING *`, args, c);
      // The version moved: nothing is written (the claim, if any, is rolled back); the caller retries.
      if (!ticket) throw VERSION_MOVED;
      await insertEvents(c, id, events);
      await insertOutboxPg(c, effects, patch.updatedAt);
      return ticket;
    });
  }

  async append(id: number, events: NewEvent[], effects: OutboxItem[]) {
    await pgTx(this.pool, async (c) => {
      // Lock the ticket so two appends cannot chain onto the same previous hash.
      await c.query('SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [id]);
      await insertEvents(c, id, events);
      await insertOutboxPg(c, effects, events[0]?.at ?? new Date());
    });
  }

  async setQueueMessage(id: number, conversationId: string, activityId: string) {
    await this.pool.query('UPDATE tickets SET queue_conversation_id = $1, queue_activity_id = $2 WHERE id = $3', [conversationId, activityId, id]);
  }

  async listByRequester(oid: string, opts: ListOptions) {
    const items = await this.many(
      `SELECT * FROM tickets WHERE requester_oid = $1
       ORDER BY CASE WHEN status IN (${OPEN_SQL}) THEN 0 ELSE 1 END,
                CASE WHEN status IN (${OPEN_SQL}) THEN id ELSE -id END
       LIMIT $2 OFFSET $3`,
      [oid, opts.limit, opts.offset ?? 0],
    );
    const total = (await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM tickets WHERE requester_oid = $1', [oid])).rows[0].n;
    return { items, total };
  }

  async listOpen(opts: ListOptions & { tenantId: string; categoryIds?: string[] | null }) {
    const cats = opts.categoryIds ?? null;
    const where = `tenant_id = $1 AND status IN (${OPEN_SQL})` + (cats ? ' AND route_category_id = ANY($2::text[])' : '');
    const base: unknown[] = cats ? [opts.tenantId, cats] : [opts.tenantId];
    const n = base.length;
    const items = await this.many(`SELECT * FROM tickets WHERE ${where} ORDER BY id LIMIT $${n + 1} OFFSET $${n + 2}`, [...base, opts.limit, opts.offset ?? 0]);
    const total = (await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM tickets WHERE ${where}`, base)).rows[0].n;
    return { items, total };
  }

  async findAddition(key: string) {
    const r = (await this.pool.query<{ ticket_id: number }>('SELECT ticket_id FROM ticket_additions WHERE submission_key = $1', [key])).rows[0];
    return r ? r.ticket_id : null;
  }

  async queuePosition(ticket: Ticket, scope?: QueueScope) {
    if (ticket.status !== 'new' || ticket.imported) return null;
    if (!scope) return (await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM tickets WHERE status = 'new' AND id <= $1`, [ticket.id])).rows[0].n;
    const w = scopeSql(scope, '', 2);
    return (await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM tickets WHERE ${WAITING} AND ${w.sql} AND id <= $1`, [ticket.id, ...w.args])).rows[0].n;
  }

  async waitingAfter(ticketId: number, scope: QueueScope, limit: number) {
    const w = scopeSql(scope, '', 3);
    return this.many(`SELECT * FROM tickets WHERE ${WAITING} AND ${w.sql} AND id > $1 ORDER BY id LIMIT $2`, [ticketId, limit, ...w.args]);
  }

  async recentTakes(scope: QueueScope, limit: number) {
    const w = scopeSql(scope, 't.', 2);
    // Only a ticket's first assignment is a take from the queue (a re-assignment is not).
    const rows = (
      await this.pool.query<{ at: string }>(
        `SELECT e.at FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
         WHERE e.kind = 'assigned' AND t.imported = 0 AND ${w.sql}
           AND NOT EXISTS (SELECT 1 FROM ticket_events p WHERE p.ticket_id = e.ticket_id AND p.id < e.id AND p.kind = 'assigned')
         ORDER BY e.id DESC LIMIT $1`,
        [limit, ...w.args],
      )
    ).rows;
    return rows.map((r) => new Date(r.at));
  }

  oldestUnassigned(tenantId: string, categoryIds: string[] | null) {
    // Imported cases of the previous service desk are never handed out by "siguiente".
    return categoryIds
      ? this.one(`SELECT * FROM tickets WHERE ${WAITING} AND tenant_id = $1 AND route_category_id = ANY($2::text[]) ORDER BY id LIMIT 1`, [tenantId, categoryIds])
      : this.one(`SELECT * FROM tickets WHERE ${WAITING} AND tenant_id = $1 ORDER BY id LIMIT 1`, [tenantId]);
  }

  async events(ticketId: number, opts: { kinds?: string[]; limit?: number } = {}) {
    const rows = (
      await this.pool.query(
        `SELECT * FROM (SELECT * FROM ticket_events WHERE ticket_id = $1 AND ($2::text[] IS NULL OR kind = ANY($2::text[]))
           ORDER BY id DESC LIMIT $3) e ORDER BY id`,
        [ticketId, opts.kinds ?? null, opts.limit ?? 1000],
      )
    ).rows as { id: number; ticket_id: number; at: string; actor_oid: string | null; actor_name: string | null; kind: string; data: string }[];
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
    return (await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM tickets WHERE requester_oid = $1 AND created_at >= $2', [requesterOid, since])).rows[0].n;
  }

  resolvedBefore(before: Date, limit: number) {
    return this.many(`SELECT * FROM tickets WHERE status = 'resolved' AND resolved_at < $1 ORDER BY id LIMIT $2`, [before, limit]);
  }

  /** Checks every ticket's hash chain; returns the events where it breaks (details: verifyHistoryPg). */
  async verifyHistory(): Promise<HistoryBreak[]> {
    return (await verifyHistoryPg(this.pool)).breaks;
  }
}

/**
 * Checks every ticket's history exactly as SQLite's verifyHistory does (same checker: hashes, seals,
 * positions, the ticket rows' counts, heads and states, the chain of tickets, redactions), reading the
 * history in keyset pages. Only reads, in one REPEATABLE READ snapshot: a change committed while it
 * reads (a delivery failure recorded on a ticket) is either wholly seen or not at all, never a ticket
 * row from before it with the event from after it.
 */
export async function verifyHistoryPg(pool: PgQueryable): Promise<HistoryReport> {
  const c = 'connect' in pool && typeof pool.connect === 'function' ? await (pool as PgPool).connect() : null;
  const q = (c ?? pool) as PgQueryable;
  if (!c) return verifyInSnapshot(q);
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const report = await verifyInSnapshot(q);
    await c.query('COMMIT');
    return report;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

async function verifyInSnapshot(pool: PgQueryable): Promise<HistoryReport> {
  const redactions = new Map<number, Redaction>();
  for (const r of (await pool.query<{ event_id: number; original_sha256: string; original_actor_sha256: string | null }>('SELECT event_id, original_sha256, original_actor_sha256 FROM ticket_event_redactions')).rows) {
    redactions.set(r.event_id, { original: r.original_sha256, actor: r.original_actor_sha256 });
  }
  const tickets = new Map<number, AuditRow>();
  for (const r of (await pool.query<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM tickets`)).rows) tickets.set(r.id, r);
  const chain = (await pool.query<ChainHead>('SELECT tickets, last_ticket_id, last_radicado FROM history_chain WHERE id = 1')).rows[0] ?? null;
  const checker = new HistoryChecker(redactions, tickets, chain);
  let afterTicket = -1;
  let afterId = -1;
  for (;;) {
    const rows = (
      await pool.query<HistoryRow>(
        `SELECT id, ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, hv, n, state, link, seal FROM ticket_events
         WHERE (ticket_id, id) > ($1, $2) ORDER BY ticket_id, id LIMIT 5000`,
        [afterTicket, afterId],
      )
    ).rows;
    if (!rows.length) return checker.finish();
    for (const r of rows) checker.add(r);
    afterTicket = rows[rows.length - 1].ticket_id;
    afterId = rows[rows.length - 1].id;
  }
}

const VERSION_MOVED = Symbol('version moved');

/** A queue scope as SQL; its one array parameter is $n. */
function scopeSql(scope: QueueScope, alias: string, n: number): { sql: string; args: unknown[] } {
  if ('include' in scope) return scope.include.length ? { sql: `${alias}route_category_id = ANY($${n}::text[])`, args: [scope.include] } : { sql: 'false', args: [] };
  return scope.exclude.length ? { sql: `NOT (${alias}route_category_id = ANY($${n}::text[]))`, args: [scope.exclude] } : { sql: 'true', args: [] };
}

/**
 * Takes the lock of the chain of tickets (history_chain) for the rest of the transaction. insertEvents
 * takes it for a ticket's first event; a transaction that writes several tickets takes it first, so
 * that it never waits for a ticket row while holding it (no deadlock with a ticket being filed).
 */
export async function lockHistoryChain(c: PgQueryable): Promise<ChainHead> {
  return (
    (await c.query<ChainHead>('SELECT tickets, last_ticket_id, last_radicado FROM history_chain WHERE id = 1 FOR UPDATE')).rows[0] ?? {
      tickets: 0,
      last_ticket_id: null,
      last_radicado: null,
    }
  );
}

/**
 * Appends events (the rows of SQLite's appendEvents: hash version 2, position, state, seal, chain link);
 * the caller holds the ticket's row lock (or just inserted it) and has written its change to the row.
 */
export async function insertEvents(c: PgQueryable, ticketId: number, events: NewEvent[]) {
  if (!events.length) return;
  const t = (await c.query<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM tickets WHERE id = $1`, [ticketId])).rows[0];
  if (!t) throw new Error(`ticket ${ticketId} does not exist`);
  const prev = (await c.query<{ hash: string }>('SELECT hash FROM ticket_events WHERE ticket_id = $1 ORDER BY id DESC LIMIT 1', [ticketId])).rows[0]?.hash ?? '';
  const ids = (
    await c.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('ticket_events', 'id')) AS id FROM generate_series(1, $1)`, [events.length])
  ).rows.map((r) => Number(r.id));
  const chain = (t.history_events ?? 0) === 0 ? await lockHistoryChain(c) : null;
  let i = 0;
  const { rows, head } = sealedEvents(t, prev, events, () => ids[i++], () => chain!);
  for (const r of rows) {
    await c.query(
      `INSERT INTO ticket_events (id, ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, hv, n, state, link, seal)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 2, $10, $11, $12, $13)`,
      [r.id, r.ticket_id, r.at, r.actor_oid, r.actor_name, r.kind, r.data, r.prev_hash, r.hash, r.n, r.state, r.link, r.seal],
    );
  }
  const last = rows[rows.length - 1];
  await c.query('UPDATE tickets SET history_events = $1, history_head = $2 WHERE id = $3', [last.n, last.hash, ticketId]);
  if (head) await c.query('UPDATE history_chain SET tickets = $1, last_ticket_id = $2, last_radicado = $3 WHERE id = 1', [head.tickets, head.last_ticket_id, head.last_radicado]);
}
