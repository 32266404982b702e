/**
 * The warning a ticket's queue card shows when a message could not be delivered: who could not be
 * reached and why, stored on the ticket (tickets.mail_error) as a small JSON record so every card
 * says it in its reader's language. Pure; no framework imports.
 */

export type WarningRecipient = 'requester' | 'engineer' | 'mail';
/** no_chat: the person never opened a chat with the bot; blocked: they blocked or removed it; gone: the conversation no longer exists. */
export type WarningCause = 'no_chat' | 'blocked' | 'gone' | 'other';

export interface DeliveryWarning {
  to: WarningRecipient;
  /** The person's name (or the e-mail address). */
  name: string;
  /** Their Entra object id (Teams recipients), to clear the warning once a message reaches them. */
  oid?: string;
  cause: WarningCause;
  /** The engineer was @mentioned in the ticket's queue thread instead. */
  mentionedInThread?: boolean;
}

/** The cause of a final delivery failure, from the outbox's error text. */
export function causeOf(reason: string): WarningCause {
  if (/no conversation reference/i.test(reason)) return 'no_chat';
  if (/\b403\b/.test(reason)) return 'blocked';
  if (/\b404\b/.test(reason)) return 'gone';
  return 'other';
}

export function encodeWarning(w: DeliveryWarning): string {
  return JSON.stringify({ v: 1, ...w });
}

/** The stored warning; a legacy plain-text one (before this format) comes back as `text`. */
export function decodeWarning(stored: string | undefined | null): DeliveryWarning | { text: string } | null {
  if (!stored) return null;
  if (stored.startsWith('{')) {
    try {
      const w = JSON.parse(stored) as Partial<DeliveryWarning> & { v?: number };
      if (w.v === 1 && (w.to === 'requester' || w.to === 'engineer' || w.to === 'mail') && typeof w.name === 'string') {
        return { to: w.to, name: w.name, oid: w.oid, cause: (w.cause as WarningCause) ?? 'other', mentionedInThread: !!w.mentionedInThread };
      }
    } catch {
      /* fall through: shown as text */
    }
  }
  return { text: stored };
}

/** Whether a successful delivery to this recipient clears the warning. */
export function clearedBy(stored: string | undefined | null, delivered: { oid?: string; mail?: boolean }): boolean {
  const w = decodeWarning(stored);
  if (!w || 'text' in w) return false;
  return delivered.mail ? w.to === 'mail' : !!w.oid && w.oid === delivered.oid;
}
