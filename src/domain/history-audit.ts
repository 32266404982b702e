/**
 * The per-radicado audit export ("historial del radicado X", `npm run export-history`): every event of
 * one ticket with who, when, what, and the hashes that let anyone re-verify it offline (the recipe is
 * in the README). Plain data: storage/ reads it, reports/ writes the file.
 */

/** One event as stored, with the digests its hashes cover. */
export interface AuditEvent {
  id: number;
  /** Position in the ticket's history, from 1. */
  n: number;
  at: string;
  actorOid: string | null;
  actorName: string | null;
  kind: string;
  /** The payload exactly as stored (JSON text; the hashes cover these bytes through dataSha256). */
  data: string;
  /** Hash version: 1 hashes the raw payload, 2 its digest. */
  hv: number;
  /** Digest of the original payload (for a redacted event, kept by the redaction record). */
  dataSha256: string;
  /** Digest of the original actor name (ditto). */
  actorNameSha256: string;
  /** Replaced by anonymisation: `data`/`actorName` are the redacted values, the digests the originals'. */
  redacted: boolean;
  prevHash: string;
  hash: string;
  /** The ticket's audited state recorded with the event (canonical JSON), or null. */
  state: string | null;
  /** The first event's place in the chain of all tickets (JSON), or null. */
  link: string | null;
  seal: string | null;
}

export interface AuditTrail {
  ticketId: number;
  radicado: string;
  /** What the ticket row says now: its event count, head hash and audited state (canonical JSON). */
  ticket: { historyEvents: number; historyHead: string | null; state: string };
  /** The newest link of the chain of tickets when exported. */
  chain: { tickets: number; lastRadicado: string | null } | null;
  events: AuditEvent[];
}

/** Reads the audit trail of one ticket (null: no such radicado). */
export interface HistoryAudit {
  auditTrail(radicado: string): Promise<AuditTrail | null>;
}
