/**
 * Attaching files to tickets and handing them back out. Who may attach: the requester, to their own
 * open ticket; the engineer who has the ticket (or a supervisor), whose file is then offered to the
 * requester. Which ticket: the radicado named in the message; else the requester's only open ticket;
 * with several open, the file waits (stored, unlinked) until they choose one.
 */
import { normalizeRadicado, type RecognizeOptions } from '../phrases';
import type { Clock, OutboxItem, QueueRepository, TicketRepository } from '../ports';
import { channelKey, userKey } from '../../outbox/keys';
import type { NewEvent, Ticket } from '../tickets/model';
import { OPEN_STATUSES } from '../tickets/model';
import type { TicketAccess } from '../access';
import type { Role } from '../types';
import type { Attachment, AttachmentPolicy, AttachmentRepository, AttachmentSource, BlobStore } from './model';

export interface Uploader {
  oid: string;
  name: string;
  tenantId: string;
  roles: Role[];
}

export interface IncomingFile {
  name: string;
  fileType: string;
  contentType: string;
  bytes: Buffer;
  source: AttachmentSource;
}

export type Target =
  | { kind: 'ticket'; ticket: Ticket }
  | { kind: 'choose'; tickets: Ticket[] }
  | { kind: 'not_found'; radicado: string }
  | { kind: 'not_open'; ticket: Ticket }
  | { kind: 'none' };

/** A file waiting for its ticket is offered for this long, then forgotten. */
export const PENDING_TTL_MS = 24 * 3600_000;
/** Byte deletions a crash may have interrupted are finished by cleanups within this long. */
export const DELETION_CATCH_UP_MS = 48 * 3600_000;
/** At most this many unlinked files are removed per cleanup batch. */
const PURGE_BATCH = 500;
/** At most this many open tickets are offered when the user must choose. */
export const MAX_CHOICES = 5;


export class AttachmentService {
  constructor(
    private readonly repo: AttachmentRepository,
    private readonly tickets: TicketRepository,
    private readonly queues: QueueRepository,
    private readonly blobs: BlobStore,
    private readonly clock: Clock,
    readonly policy: AttachmentPolicy,
    /** Who may see a ticket (and so its files): the one authorisation rule set. */
    private readonly access: Pick<TicketAccess, 'allows'>,
  ) {}

  /**
   * Storing bytes + writing their row, and checking references + deleting bytes, never interleave
   * (else a file could be deleted just after a new row started pointing at it). One process; the
   * sections are short (downloads happen before).
   */
  private blobLock: Promise<unknown> = Promise.resolve();
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.blobLock.then(fn, fn);
    this.blobLock = run.catch(() => undefined);
    return run;
  }

  /** Whether `u` may add files to `ticket` (open or not). */
  mayAttach(ticket: Ticket, u: Uploader): boolean {
    if (ticket.tenantId !== u.tenantId) return false;
    if (ticket.requester.oid === u.oid) return true;
    return u.roles.includes('supervisor') || (u.roles.includes('agent') && ticket.assignee?.oid === u.oid);
  }

  /** The ticket a file sent by `u` goes to, decided before anything is downloaded. */
  async target(u: Uploader, radicado: string | null): Promise<Target> {
    if (radicado) {
      const ticket = await this.tickets.getByRadicado(radicado);
      // Someone else's radicado gets exactly the answer for one that does not exist.
      if (!ticket || !this.mayAttach(ticket, u)) return { kind: 'not_found', radicado };
      return OPEN_STATUSES.includes(ticket.status) ? { kind: 'ticket', ticket } : { kind: 'not_open', ticket };
    }
    const open = (await this.tickets.listOpenByRequester(u.oid, 50)).filter((t) => t.tenantId === u.tenantId);
    if (open.length === 0) return { kind: 'none' };
    if (open.length === 1) return { kind: 'ticket', ticket: open[0] };
    return { kind: 'choose', tickets: open.slice(0, MAX_CHOICES) };
  }

  /** Stores the (already checked) file and links it to the ticket, with its event and effects. */
  async attach(u: Uploader, file: IncomingFile, ticket: Ticket): Promise<Attachment> {
    const queueChannel = await this.queueChannel(ticket);
    return this.exclusive(async () => {
      const sha256 = await this.blobs.put(file.bytes);
      return this.repo.addLinked(this.record(u, file, sha256, this.clock.now()), ticket.id, this.effects(ticket, u, queueChannel));
    });
  }

  /** Stores the (already checked) file unlinked, until its uploader chooses the ticket. */
  async hold(u: Uploader, file: IncomingFile): Promise<Attachment> {
    return this.exclusive(async () => {
      const sha256 = await this.blobs.put(file.bytes);
      return this.repo.addPending(this.record(u, file, sha256, this.clock.now()));
    });
  }

  /**
   * The cleanup job: files never linked to a ticket within PENDING_TTL_MS are deleted, rows and
   * bytes (bytes only when no other row points at them; bytes first, so a crash in between leaves a
   * row the next run deletes, never bytes nobody knows about). Also finishes byte deletions of
   * anonymised attachments that a crash interrupted.
   */
  async purgeUnlinked(): Promise<{ rows: number; files: number }> {
    const now = this.clock.now();
    const before = new Date(now.getTime() - PENDING_TTL_MS);
    let rows = 0;
    let files = 0;
    for (;;) {
      const batch = await this.repo.pendingBefore(before, PURGE_BATCH);
      if (!batch.length) break;
      const ids = batch.map((b) => b.id);
      files += await this.deleteUnreferenced([...new Set(batch.map((b) => b.sha256))], ids);
      rows += await this.repo.deletePending(ids, before);
      if (batch.length < PURGE_BATCH) break;
    }
    files += await this.release(await this.repo.deletedSince(new Date(now.getTime() - DELETION_CATCH_UP_MS)));
    return { rows, files };
  }

  /** Deletes the bytes of these checksums that no live attachment row points at; how many were deleted. */
  release(sha256s: string[]): Promise<number> {
    return this.deleteUnreferenced([...new Set(sha256s)], []);
  }

  private deleteUnreferenced(sha256s: string[], exceptIds: number[]): Promise<number> {
    return this.exclusive(async () => {
      let n = 0;
      for (const sha of sha256s) if (!(await this.repo.isReferenced(sha, exceptIds)) && (await this.blobs.delete(sha))) n++;
      return n;
    });
  }

  /**
   * Links files held for `u` to the ticket they chose. Everything is re-checked: the ticket is one
   * they may attach to and still open, the files are theirs, pending and not expired.
   */
  async link(
    u: Uploader,
    attachmentIds: number[],
    ticketId: number,
  ): Promise<{ ok: true; ticket: Ticket; linked: Attachment[] } | { ok: false; reason: 'not_found' | 'not_open' | 'expired'; ticket?: Ticket }> {
    const ticket = await this.tickets.get(ticketId);
    if (!ticket || !this.mayAttach(ticket, u)) return { ok: false, reason: 'not_found' };
    if (!OPEN_STATUSES.includes(ticket.status)) return { ok: false, reason: 'not_open', ticket };
    const notBefore = new Date(this.clock.now().getTime() - PENDING_TTL_MS);
    const queueChannel = await this.queueChannel(ticket);
    const linked: Attachment[] = [];
    for (const id of attachmentIds) {
      const a = await this.repo.link(id, u.oid, notBefore, ticket.id, this.clock.now(), this.effects(ticket, u, queueChannel));
      if (a) linked.push(a);
    }
    return linked.length ? { ok: true, ticket, linked } : { ok: false, reason: 'expired', ticket };
  }

  listForTicket(ticketId: number): Promise<Attachment[]> {
    return this.repo.listByTicket(ticketId);
  }

  /** An attachment and its ticket, when `viewer` may see the ticket; else null. */
  async visible(viewer: Uploader, attachmentId: number): Promise<{ attachment: Attachment; ticket: Ticket } | null> {
    const attachment = await this.repo.get(attachmentId);
    if (!attachment || attachment.ticketId === null) return null;
    const ticket = await this.tickets.get(attachment.ticketId);
    if (!ticket || !(await this.access.allows(viewer, ticket, 'viewer'))) return null;
    return { attachment, ticket };
  }

  /** Schedules the Teams file-consent card that offers the file to `userOid` in their personal chat. */
  async offer(attachment: Attachment, ticket: Ticket, userOid: string): Promise<void> {
    await this.tickets.append(ticket.id, [], [this.consentEffect(attachment.id, ticket.id, userOid)]);
  }

  /** The stored bytes, verified against the checksum. */
  async content(attachment: Attachment): Promise<Buffer | null> {
    return this.blobs.get(attachment.sha256);
  }

  /** History: the file was handed to `to` (file consent accepted, bytes uploaded). */
  async recordSent(attachment: Attachment, ticket: Ticket, to: { oid: string; name: string }): Promise<void> {
    const event: NewEvent = {
      at: this.clock.now(),
      actor: to,
      kind: 'attachment_sent',
      data: { attachmentId: attachment.id, name: attachment.name, sha256: attachment.sha256 },
    };
    await this.tickets.append(ticket.id, [event], []);
  }

  private record(u: Uploader, file: IncomingFile, sha256: string, now: Date) {
    return {
      tenantId: u.tenantId,
      uploader: { oid: u.oid, name: u.name },
      name: file.name,
      fileType: file.fileType,
      contentType: file.contentType,
      size: file.bytes.length,
      sha256,
      source: file.source,
      createdAt: now,
    };
  }

  /**
   * What linking a file to a ticket sets off: the queue card shows it (card update through the
   * outbox); an engineer's file is offered to the requester. The history event is written by the
   * repository with the row, since it carries the attachment's id.
   */
  private effects(ticket: Ticket, u: Uploader, queueChannel: string | undefined) {
    return (a: Attachment): OutboxItem[] => {
      const out: OutboxItem[] = [];
      if (queueChannel) out.push({ channel: 'teams', paceKey: channelKey(queueChannel), ticketId: ticket.id, payload: { type: 'queue_update', ticketId: ticket.id } });
      if (ticket.requester.oid !== u.oid) out.push(this.consentEffect(a.id, ticket.id, ticket.requester.oid));
      return out;
    };
  }

  private consentEffect(attachmentId: number, ticketId: number, userOid: string): OutboxItem {
    return { channel: 'teams', paceKey: userKey(userOid), ticketId, payload: { type: 'file_consent', userOid, attachmentId, ticketId } };
  }

  private async queueChannel(ticket: Ticket): Promise<string | undefined> {
    return ticket.queueConversationId ?? (await this.queues.forCategory(ticket.queueCategoryId))?.channelId;
  }
}

/** The event written with every attachment linked to a ticket. */
export function attachmentEvent(a: Attachment, at: Date): NewEvent {
  return {
    at,
    actor: a.uploader,
    kind: 'attachment_added',
    data: { attachmentId: a.id, name: a.name, fileType: a.fileType, size: a.size, sha256: a.sha256 },
  };
}

/**
 * The radicado written in a message that carries files ("MDA-2026-000123 aquí va la captura"), in
 * its full form with the prefix only, so stray numbers in the text are never taken for one.
 */
export function findRadicadoIn(text: string, opts: RecognizeOptions): string | null {
  const prefix = opts.prefix.replace(/[^A-Za-z]/g, '');
  if (!prefix) return null;
  const re = new RegExp(`(?:^|[^A-Za-z0-9])(${prefix}[\\s-]{0,3}\\d{4}[\\s-]{0,3}\\d{1,6})(?![0-9])`, 'i');
  const m = re.exec(text.slice(0, 2000));
  return m ? normalizeRadicado(m[1], opts) : null;
}
