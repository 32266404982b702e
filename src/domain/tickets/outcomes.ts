import type { MajorIncident } from '../incidents/model';
import type { ArticleHit } from '../knowledge/model';
/** What the ticket use cases answer: the outcome of an action, of "Guardar", of "add to radicado". */
import type { Ticket } from './model';
import type { ApproverRule } from '../approvals/policy';

/** An open ticket of the same requester that looks like the request being filed, and why. */
export interface DuplicateMatch {
  ticket: Ticket;
  sameService: boolean;
  /** Jaccard index of the two descriptions' normalised word sets (similarity.ts). */
  similarity: number;
}

export const DEFAULT_DUPLICATE_SIMILARITY = 0.5;

export type ActionOutcome =
  | { ok: true; ticket: Ticket }
  | { ok: false; reason: 'forbidden' | 'invalid_state' | 'taken' | 'conflict'; holder?: string; ticket: Ticket };

/** What "Guardar" on a ticket form led to. */
export type SubmitOutcome =
  /** The ticket of this form: filed now (`created`), or earlier by the same form. */
  | { kind: 'filed'; ticket: Ticket; created: boolean }
  /** The form's text was already added to this ticket (the duplicate check's offer): nothing is filed. */
  | { kind: 'added_before'; ticketId: number }
  /** A major incident open for the service: "Ya conocemos esta falla", offered before filing. */
  | { kind: 'incident'; incident: MajorIncident }
  /** Knowledge-base articles that may solve it: offered before filing ("¿Esto resuelve su caso?"). */
  | { kind: 'articles'; hits: ArticleHit[] }
  /** An open ticket of the requester that looks like this one: offered before filing. */
  | { kind: 'duplicate'; match: DuplicateMatch }
  /** The template needs an approval and nobody can give it for this requester: nothing is filed. */
  | { kind: 'no_approver'; rule: ApproverRule };

/** "Add to radicado X" for a form that was filed as a ticket of its own meanwhile: nothing is added. */
export type AddTextOutcome = (ActionOutcome & { already?: boolean }) | { ok: false; reason: 'filed'; ticket: Ticket };
