/** The per-radicado audit trail, once for both engines (read-only queries; see domain/history-audit.ts). */
import type { AuditEvent, AuditTrail, HistoryAudit } from '../domain/history-audit';
import { actorNameDigest, auditedState, AUDIT_COLUMNS, type AuditRow } from './history-evidence';
import { sha256 } from './history-hash';
import type { Sql } from './sql';

interface EventRow {
  id: number;
  n: number;
  at: string;
  actor_oid: string | null;
  actor_name: string | null;
  kind: string;
  data: string;
  hv: number;
  prev_hash: string;
  hash: string;
  state: string | null;
  link: string | null;
  seal: string | null;
  original_sha256: string | null;
  original_actor_sha256: string | null;
}

const EVENTS = `SELECT e.id, e.n, e.at, e.actor_oid, e.actor_name, e.kind, e.data, e.hv, e.prev_hash, e.hash, e.state, e.link, e.seal,
    r.original_sha256, r.original_actor_sha256, r.event_id IS NOT NULL AS redacted
  FROM ticket_events e LEFT JOIN ticket_event_redactions r ON r.event_id = e.id`;

function trail(t: AuditRow, rows: (EventRow & { redacted: unknown })[], chain: { tickets: number; last_radicado: string | null } | undefined): AuditTrail {
  return {
    ticketId: t.id,
    radicado: t.radicado,
    ticket: { historyEvents: t.history_events ?? 0, historyHead: t.history_head, state: auditedState(t) },
    chain: chain ? { tickets: chain.tickets, lastRadicado: chain.last_radicado } : null,
    events: rows.map(
      (r): AuditEvent => ({
        id: r.id,
        n: r.n,
        at: r.at,
        actorOid: r.actor_oid,
        actorName: r.actor_name,
        kind: r.kind,
        data: r.data,
        hv: r.hv,
        dataSha256: r.original_sha256 ?? sha256(r.data),
        actorNameSha256: r.original_actor_sha256 ?? actorNameDigest(r.actor_name),
        redacted: !!r.redacted,
        prevHash: r.prev_hash,
        hash: r.hash,
        state: r.state,
        link: r.link,
        seal: r.seal,
      }),
    ),
  };
}

/** Reads one ticket's audit trail (the same queries on both engines). */
export class SqlHistoryAudit implements HistoryAudit {
  constructor(private readonly q: Sql) {}

  async auditTrail(radicado: string): Promise<AuditTrail | null> {
    const t = await this.q.one<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM tickets WHERE radicado = ?`, [radicado]);
    if (!t) return null;
    const rows = await this.q.all<EventRow & { redacted: unknown }>(`${EVENTS} WHERE e.ticket_id = ? ORDER BY e.id`, [t.id]);
    const chain = await this.q.one<{ tickets: number; last_radicado: string | null }>('SELECT tickets, last_radicado FROM history_chain WHERE id = 1');
    return trail(t, rows, chain);
  }
}
