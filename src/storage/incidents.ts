/**
 * Major incidents on either engine: masters, their numbered updates, and the tickets linked to them.
 * Each write takes the master's row lock (PostgreSQL; SQLite's write transactions are exclusive), so
 * a link, an update and the resolution of one incident happen one after the other.
 */
import type { DeclareInput, IncidentRepository, IncidentUpdate, MajorIncident, Person } from '../domain/incidents/model';
import type { OutboxItem, TicketPatch } from '../domain/ports';
import type { NewEvent, Ticket } from '../domain/tickets/model';
import { insertOutbox } from './outbox-insert';
import type { Sql } from './sql';
import { appendEvents } from './ticket-events';
import { toTicket, type Row } from './ticket-rows';
import type { SqlTicketRepository } from './tickets';

interface IncidentRow {
  master_ticket_id: number;
  radicado: string;
  tenant_id: string;
  title: string;
  service_ids: string;
  status_text: string;
  declared_by_oid: string;
  declared_by_name: string;
  declared_at: string;
  resolved_at: string | null;
  linked: number;
  latest_seq: number | null;
  latest_text: string | null;
  latest_by_oid: string | null;
  latest_by_name: string | null;
  latest_at: string | null;
}

const SELECT = `SELECT m.*, t.radicado,
    (SELECT count(*) FROM tickets c WHERE c.major_incident_id = m.master_ticket_id) AS linked,
    u.seq AS latest_seq, u.text AS latest_text, u.by_oid AS latest_by_oid, u.by_name AS latest_by_name, u.at AS latest_at
  FROM major_incidents m
  JOIN tickets t ON t.id = m.master_ticket_id
  LEFT JOIN major_incident_updates u ON u.master_ticket_id = m.master_ticket_id
    AND u.seq = (SELECT max(seq) FROM major_incident_updates x WHERE x.master_ticket_id = m.master_ticket_id)`;

function toIncident(r: IncidentRow): MajorIncident {
  return {
    masterId: r.master_ticket_id,
    radicado: r.radicado,
    tenantId: r.tenant_id,
    title: r.title,
    serviceIds: JSON.parse(r.service_ids) as string[],
    statusText: r.status_text,
    declaredBy: { oid: r.declared_by_oid, name: r.declared_by_name },
    declaredAt: new Date(r.declared_at),
    resolvedAt: r.resolved_at ? new Date(r.resolved_at) : undefined,
    linked: Number(r.linked),
    latest:
      r.latest_seq !== null
        ? { seq: r.latest_seq, text: r.latest_text ?? '', by: { oid: r.latest_by_oid ?? '', name: r.latest_by_name ?? '' }, at: new Date(r.latest_at!) }
        : undefined,
  };
}

export class SqlIncidentRepository implements IncidentRepository {
  constructor(
    private readonly q: Sql,
    private readonly tickets: SqlTicketRepository,
  ) {}

  async declare(master: Ticket, input: DeclareInput, events: NewEvent[], effects: OutboxItem[]): Promise<MajorIncident | null> {
    const done = await this.q.tx(async (q) => {
      await q.one(`SELECT 1 FROM tickets WHERE id = ?${q.forUpdate}`, [master.id]);
      const r = await q.run(
        `INSERT INTO major_incidents (master_ticket_id, tenant_id, title, service_ids, status_text, declared_by_oid, declared_by_name, declared_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (master_ticket_id) DO NOTHING`,
        [master.id, master.tenantId, input.title, JSON.stringify(input.serviceIds), input.statusText, input.by.oid, input.by.name, input.at],
      );
      if (r.changes !== 1) return false;
      await appendEvents(q, master.id, events);
      await insertOutbox(q, effects, input.at);
      return true;
    });
    return done ? this.get(master.id) : null;
  }

  async get(masterId: number): Promise<MajorIncident | null> {
    const r = await this.q.one<IncidentRow>(`${SELECT} WHERE m.master_ticket_id = ?`, [masterId]);
    return r ? toIncident(r) : null;
  }

  async open(tenantId: string, serviceId?: string): Promise<MajorIncident[]> {
    const rows = await this.q.all<IncidentRow>(`${SELECT} WHERE m.tenant_id = ? AND m.resolved_at IS NULL ORDER BY m.declared_at DESC, m.master_ticket_id DESC LIMIT 50`, [tenantId]);
    const all = rows.map(toIncident);
    return serviceId ? all.filter((i) => i.serviceIds.includes(serviceId)) : all;
  }

  async children(masterId: number, status?: Ticket['status']): Promise<Ticket[]> {
    const rows = await this.q.all<Row>(
      `SELECT * FROM tickets WHERE major_incident_id = ?${status ? ' AND status = ?' : ''} ORDER BY id`,
      status ? [masterId, status] : [masterId],
    );
    return rows.map(toTicket);
  }

  async ticketOf(masterId: number, requesterOid: string): Promise<Ticket | null> {
    // Along the requester's index: a person has few tickets, an incident may have thousands.
    const row = await this.q.one<Row>('SELECT * FROM tickets WHERE requester_oid = ? AND (id = ? OR major_incident_id = ?) ORDER BY id LIMIT 1', [requesterOid, masterId, masterId]);
    return row ? toTicket(row) : null;
  }

  async link(child: Ticket, masterId: number, patch: TicketPatch, events: NewEvent[], masterEvents: NewEvent[], effects: OutboxItem[]): Promise<Ticket | null> {
    return this.q.tx(async (q) => {
      const open = await q.one<{ resolved_at: string | null }>(`SELECT resolved_at FROM major_incidents WHERE master_ticket_id = ?${q.forUpdate}`, [masterId]);
      if (!open || open.resolved_at) return null;
      const updated = await this.tickets.update(child.id, child.version, patch, events, effects);
      if (!updated) return null;
      await appendEvents(q, masterId, masterEvents);
      return updated;
    });
  }

  async postUpdate(
    masterId: number,
    text: string,
    by: Person,
    at: Date,
    build: (children: Ticket[], seq: number) => { events: NewEvent[]; effects: OutboxItem[] },
  ): Promise<{ update: IncidentUpdate; children: number } | null> {
    return this.q.tx(async (q) => {
      const open = await q.one<{ resolved_at: string | null }>(`SELECT resolved_at FROM major_incidents WHERE master_ticket_id = ?${q.forUpdate}`, [masterId]);
      if (!open || open.resolved_at) return null;
      const { n } = (await q.one<{ n: number | null }>('SELECT max(seq) AS n FROM major_incident_updates WHERE master_ticket_id = ?', [masterId]))!;
      const seq = (n ?? 0) + 1;
      await q.run('INSERT INTO major_incident_updates (master_ticket_id, seq, text, by_oid, by_name, at) VALUES (?, ?, ?, ?, ?, ?)', [masterId, seq, text, by.oid, by.name, at]);
      await q.run('UPDATE major_incidents SET status_text = ? WHERE master_ticket_id = ?', [text, masterId]);
      const children = (await q.all<Row>(`SELECT * FROM tickets WHERE major_incident_id = ? AND status = 'linked' ORDER BY id`, [masterId])).map(toTicket);
      const { events, effects } = build(children, seq);
      await appendEvents(q, masterId, events);
      await insertOutbox(q, effects, at);
      return { update: { seq, text, by, at }, children: children.length };
    });
  }

  async since(since: Date): Promise<{ declaredAt: Date; resolvedAt?: Date; linked: number }[]> {
    const rows = await this.q.all<{ declared_at: string; resolved_at: string | null; linked: number }>(
      `SELECT m.declared_at, m.resolved_at, (SELECT count(*) FROM tickets c WHERE c.major_incident_id = m.master_ticket_id) AS linked
         FROM major_incidents m WHERE m.resolved_at IS NULL OR m.declared_at >= ? OR m.resolved_at >= ?`,
      [since, since],
    );
    return rows.map((r) => ({ declaredAt: new Date(r.declared_at), resolvedAt: r.resolved_at ? new Date(r.resolved_at) : undefined, linked: Number(r.linked) }));
  }

  async unsettled(limit: number): Promise<Ticket[]> {
    // From the few incidents to their master tickets (CROSS JOIN: SQLite keeps that order). Left to
    // the planner, SQLite started from the tickets: without statistics (production) along
    // tickets_open through every resolved or closed ticket, 15.6 ms at 200,000 tickets; with ANALYZE's
    // and an empty major_incidents, a read of every ticket, 105 ms; on every SLA pass (once a minute).
    const rows = await this.q.all<Row>(
      `SELECT t.* FROM major_incidents m CROSS JOIN tickets t
        WHERE t.id = m.master_ticket_id AND t.status IN ('resolved', 'closed')
          AND (m.resolved_at IS NULL OR EXISTS (SELECT 1 FROM tickets c WHERE c.major_incident_id = m.master_ticket_id AND c.status = 'linked'))
        ORDER BY m.master_ticket_id LIMIT ?`,
      [limit],
    );
    return rows.map(toTicket);
  }

  async markResolved(masterId: number, at: Date): Promise<boolean> {
    const r = await this.q.run('UPDATE major_incidents SET resolved_at = ? WHERE master_ticket_id = ? AND resolved_at IS NULL', [at, masterId]);
    return r.changes === 1;
  }
}
