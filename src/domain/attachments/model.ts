/**
 * Files attached to tickets: the record, the policy (size, types, content check) and the
 * ports for their storage. Content lives in a content-addressed blob store; rows point at it by SHA-256.
 */
import type { OutboxItem } from '../ports';

export type AttachmentSource = 'teams_file' | 'inline_image';

export interface Attachment {
  id: number;
  /** Null while the uploader has not chosen the ticket yet (several open cases). */
  ticketId: number | null;
  tenantId: string;
  uploader: { oid: string; name: string };
  name: string;
  /** Lower-case extension without the dot, e.g. "png". */
  fileType: string;
  contentType: string;
  size: number;
  sha256: string;
  source: AttachmentSource;
  createdAt: Date;
  /** When its bytes were deleted (its person's tickets anonymised); the row stays, name redacted. */
  deletedAt?: Date;
}

export type NewAttachment = Omit<Attachment, 'id' | 'ticketId' | 'deletedAt'>;

export interface AttachmentRepository {
  /**
   * Inserts an attachment linked to a ticket, its 'attachment_added' history event and its effects,
   * in one transaction.
   */
  addLinked(a: NewAttachment, ticketId: number, effects: (a: Attachment) => OutboxItem[]): Promise<Attachment>;
  /** Inserts an attachment waiting for its uploader to choose the ticket. */
  addPending(a: NewAttachment): Promise<Attachment>;
  /**
   * Links a pending attachment of `uploaderOid` created after `notBefore` to a ticket, with its
   * history event and effects, in one transaction; null when it is not (or no longer) pending for them.
   */
  link(id: number, uploaderOid: string, notBefore: Date, ticketId: number, at: Date, effects: (a: Attachment) => OutboxItem[]): Promise<Attachment | null>;
  get(id: number): Promise<Attachment | null>;
  listByTicket(ticketId: number, limit?: number): Promise<Attachment[]>;
  /** Unlinked attachments created before `before` (never linked to a ticket), oldest first. */
  pendingBefore(before: Date, limit: number): Promise<{ id: number; sha256: string }[]>;
  /** Deletes these rows if they are still unlinked and created before `before`; how many went. */
  deletePending(ids: number[], before: Date): Promise<number>;
  /** Whether a row other than `exceptIds`, not deleted, still points at these bytes. */
  isReferenced(sha256: string, exceptIds?: number[]): Promise<boolean>;
  /** Checksums of rows marked deleted since `since` (to finish byte deletions a crash interrupted). */
  deletedSince(since: Date): Promise<string[]>;
}

/** Content-addressed storage of file bytes. */
export interface BlobStore {
  /** Stores the bytes (idempotent) and returns their SHA-256 in hex. */
  put(bytes: Buffer): Promise<string>;
  /** The bytes for a checksum, verified against it; null when absent. Throws when corrupted. */
  get(sha256: string): Promise<Buffer | null>;
  /** Deletes the bytes of a checksum; false when there were none. */
  delete(sha256: string): Promise<boolean>;
}

export interface AttachmentPolicy {
  maxBytes: number;
  /** Allowed extensions, lower case, without the dot. */
  types: string[];
}
