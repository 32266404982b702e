/**
 * Major incidents (ITIL): one outage, many requesters, one voice. A ticket is promoted to master;
 * the tickets of the same outage are linked to it (status 'linked': out of the FIFO queue, their SLA
 * the master's); each update on the master reaches every linked requester once, in order; resolving
 * the master resolves them all. Plain TypeScript, no I/O.
 */
import type { NewEvent, Ticket } from '../tickets/model';
import type { OutboxItem } from '../ports';

export interface Person {
  oid: string;
  name: string;
}

export interface MajorIncident {
  /** The master ticket's id; its radicado names the incident. */
  masterId: number;
  radicado: string;
  tenantId: string;
  title: string;
  serviceIds: string[];
  /** The latest status text (the declaration's, then each update's). */
  statusText: string;
  declaredBy: Person;
  declaredAt: Date;
  resolvedAt?: Date;
  /** Tickets linked to it (any state). */
  linked: number;
  latest?: IncidentUpdate;
}

export interface IncidentUpdate {
  seq: number;
  text: string;
  by: Person;
  at: Date;
}

export interface DeclareInput {
  title: string;
  serviceIds: string[];
  statusText: string;
  by: Person;
  at: Date;
}

export interface IncidentRepository {
  /** Promotes the master (in one transaction with its events and effects); null when it already is one. */
  declare(master: Ticket, input: DeclareInput, events: NewEvent[], effects: OutboxItem[]): Promise<MajorIncident | null>;
  get(masterId: number): Promise<MajorIncident | null>;
  /** The open incidents of a tenant, newest first; with `serviceId`, those that affect it. */
  open(tenantId: string, serviceId?: string): Promise<MajorIncident[]>;
  /** The tickets linked to a master, oldest first; `status` narrows them. */
  children(masterId: number, status?: Ticket['status']): Promise<Ticket[]>;
  /** A person's ticket in the incident: the master, if theirs, or one linked to it (the oldest); null when none. */
  ticketOf(masterId: number, requesterOid: string): Promise<Ticket | null>;
  /**
   * Links a ticket (the patch already decided: status 'linked', the master's SLA) while the incident
   * is open, with the master's own events and the effects, in one transaction; null when the ticket
   * moved (version) or the incident is no longer open.
   */
  link(child: Ticket, masterId: number, patch: import('../ports').TicketPatch, events: NewEvent[], masterEvents: NewEvent[], effects: OutboxItem[]): Promise<Ticket | null>;
  /**
   * Records the next update of an open incident and what it fans out to: `build` gets the linked
   * tickets still waiting ('linked') and the update's number, and returns the master's events and the
   * effects; all in one transaction. Null when the incident is not open.
   */
  postUpdate(masterId: number, text: string, by: Person, at: Date, build: (children: Ticket[], seq: number) => { events: NewEvent[]; effects: OutboxItem[] }): Promise<{ update: IncidentUpdate; children: number } | null>;
  /** Marks the incident resolved (once); false when it already was. */
  markResolved(masterId: number, at: Date): Promise<boolean>;
  /** Incidents open now or declared or resolved since `since`, for the metrics. */
  since(since: Date): Promise<{ declaredAt: Date; resolvedAt?: Date; linked: number }[]>;
  /** Masters resolved or closed whose incident is still open, or that still have linked tickets. */
  unsettled(limit: number): Promise<Ticket[]>;
}

/** The metrics card's figures for major incidents. */
export interface IncidentSummary {
  open: number;
  declared: number;
  resolved: number;
  /** Tickets linked to the incidents counted above. */
  linked: number;
  /** Median minutes from declaration to resolution of those resolved in the period (wall clock); null without any. */
  medianResolveMinutes: number | null;
}
