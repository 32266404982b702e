/**
 * Personal data (Ley 1581 de 2012, Decreto 1377 de 2013): a supervisor can export everything stored
 * about a person, anonymise a person's closed or cancelled tickets (deleting the files they attached
 * to them), and contact phones of tickets
 * closed longer than a retention period are erased. Storage and files are ports.
 */
import { channelKey, userKey } from '../outbox/keys';
import type { Clock, OutboxItem } from './ports';

/** What replaces personal data in anonymised tickets, their history and their outbox rows. */
export const ANONYMISED = '[anonimizado]';

export interface Operator {
  oid: string;
  name: string;
}

export interface PersonalDataRepository {
  /** Object ids of the people an object id, e-mail or UPN refers to (tickets, profiles, directory cache). */
  findPeople(who: string): Promise<string[]>;
  /** Everything stored about the person, as plain JSON-ready data. */
  collect(oid: string): Promise<PersonalDataDossier>;
  /** The person's closed or cancelled tickets not anonymised yet. */
  anonymisable(oid: string): Promise<{ id: number; radicado: string }[]>;
  /**
   * Replaces the ticket's personal data with `marker`, redacts its history payloads (keeping the
   * chain verifiable), redacts its outbox rows and appends an 'anonymised' event — one transaction.
   * Null when the ticket is not (or no longer) closed/cancelled or was already anonymised.
   * `redraw` says which deliveries re-render the cards already posted about it; they are queued in
   * the same transaction, after the pending ones were cancelled.
   */
  anonymiseTicket(
    id: number,
    at: Date,
    by: Operator,
    marker: string,
    redraw?: (ticket: AnonymisedTicket) => OutboxItem[],
  ): Promise<{ radicado: string; redactedEvents: number; /** Checksums of the files the person uploaded, now marked deleted. */ deletedFiles?: string[] } | null>;
  /** Erases contact phones of tickets closed before `closedBefore`, with a 'phone_erased' event each. */
  erasePhones(closedBefore: Date, at: Date, retentionDays: number, limit: number): Promise<string[]>;
}

/** What the deliveries that redraw an anonymised ticket's cards need to know about it. */
export interface AnonymisedTicket {
  id: number;
  requesterOid: string;
  /** The channel its queue card was posted in, if it was. */
  queueChannelId?: string;
}

/**
 * The cards already posted about an anonymised ticket, re-rendered from the anonymised row: its queue
 * card in the channel and the requester's confirmation card.
 */
export function redrawAnonymised(t: AnonymisedTicket): OutboxItem[] {
  const items: OutboxItem[] = [];
  if (t.queueChannelId) items.push({ channel: 'teams', paceKey: channelKey(t.queueChannelId), ticketId: t.id, payload: { type: 'queue_update', ticketId: t.id } });
  items.push({ channel: 'teams', paceKey: userKey(t.requesterOid), ticketId: t.id, payload: { type: 'requester_card_update', ticketId: t.id } });
  return items;
}

export interface PersonalDataDossier {
  tickets: unknown[];
  events: unknown[];
  messages: unknown[];
  [section: string]: unknown;
}

/** Where exports are written; returns the path of the file. */
export interface ExportSink {
  write(fileName: string, content: string): Promise<string>;
}

export type Lookup = { status: 'not_found' } | { status: 'ambiguous'; oids: string[] } | { status: 'found'; oid: string };

export class PersonalDataService {
  constructor(
    private readonly repo: PersonalDataRepository,
    private readonly sink: ExportSink,
    private readonly clock: Clock,
    /** Deletes attachment bytes no live row points at any more (the attachments' blob store). */
    private readonly files?: { release(sha256s: string[]): Promise<number> },
  ) {}

  async find(who: string): Promise<Lookup> {
    const oids = await this.repo.findPeople(who.trim());
    if (!oids.length) return { status: 'not_found' };
    if (oids.length > 1) return { status: 'ambiguous', oids };
    return { status: 'found', oid: oids[0] };
  }

  /** Writes everything stored about the person to a JSON file; returns its path and counts. */
  async exportPerson(who: string, by: Operator): Promise<Lookup | { status: 'exported'; oid: string; path: string; tickets: number; events: number }> {
    const found = await this.find(who);
    if (found.status !== 'found') return found;
    const now = this.clock.now();
    const dossier = await this.repo.collect(found.oid);
    const doc = {
      format: 'mesa-de-ayuda/personal-data-export',
      version: 1,
      legalBasis: 'Ley 1581 de 2012, art. 8 (derecho a conocer); Decreto 1377 de 2013',
      generatedAt: now.toISOString(),
      generatedBy: by,
      person: { oid: found.oid, query: who },
      ...dossier,
    };
    const stamp = now.toISOString().replace(/[:.]/g, '-');
    const path = await this.sink.write(`datos-personales-${safeName(found.oid)}-${stamp}.json`, JSON.stringify(doc, null, 2));
    return { status: 'exported', oid: found.oid, path, tickets: dossier.tickets.length, events: dossier.events.length };
  }

  /** The radicados that anonymising this person would change. */
  async previewAnonymise(who: string): Promise<Lookup | { status: 'preview'; oid: string; radicados: string[] }> {
    const found = await this.find(who);
    if (found.status !== 'found') return found;
    return { status: 'preview', oid: found.oid, radicados: (await this.repo.anonymisable(found.oid)).map((t) => t.radicado) };
  }

  /** Anonymises the person's closed and cancelled tickets (open ones are left alone: still being served). */
  async anonymise(who: string, by: Operator): Promise<Lookup | { status: 'anonymised'; oid: string; radicados: string[] }> {
    const found = await this.find(who);
    if (found.status !== 'found') return found;
    const now = this.clock.now();
    const radicados: string[] = [];
    for (const t of await this.repo.anonymisable(found.oid)) {
      const done = await this.repo.anonymiseTicket(t.id, now, by, ANONYMISED, redrawAnonymised);
      if (!done) continue;
      radicados.push(done.radicado);
      // After the commit: the rows no longer point at the bytes, so shared files are kept.
      if (done.deletedFiles?.length && this.files) await this.files.release(done.deletedFiles);
    }
    return { status: 'anonymised', oid: found.oid, radicados };
  }

  /** The retention job: erases contact phones of tickets closed more than `days` ago. */
  async erasePhones(days: number, batch = 500): Promise<string[]> {
    const now = this.clock.now();
    const before = new Date(now.getTime() - days * 86400_000);
    const all: string[] = [];
    for (;;) {
      const done = await this.repo.erasePhones(before, now, days, batch);
      all.push(...done);
      if (done.length < batch) return all;
    }
  }
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
}
