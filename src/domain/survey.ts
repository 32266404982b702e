/**
 * The satisfaction survey: when a ticket is resolved its requester rates the service 1–5 with an
 * optional comment. Answered once, changeable for a short window, then locked. Everything is
 * re-validated here whatever the card sent: only the requester, only resolved or closed tickets.
 * A low score notifies the supervisors (once per ticket).
 */
import type { Clock, OutboxItem } from './ports';
import type { SupervisorNotifier } from './sla/monitor';
import type { NewEvent, Ticket } from './tickets/model';

export interface SurveyAnswer {
  ticketId: number;
  requesterOid: string;
  score: number;
  comment?: string;
  answeredAt: Date;
  updatedAt: Date;
  lowScoreNotifiedAt?: Date;
}

export type SurveySaveResult = { outcome: 'saved' | 'changed'; answer: SurveyAnswer } | { outcome: 'locked'; answer: SurveyAnswer };

export interface SurveyRepository {
  get(ticketId: number): Promise<SurveyAnswer | null>;
  /**
   * In one transaction: refuses ('locked') when a first answer is older than `windowMs`, else
   * inserts or updates the answer, appends `events` and, when `lowScore` and the supervisors were
   * not told yet, marks them told and enqueues `lowScoreEffects`.
   */
  save(
    input: { ticketId: number; requesterOid: string; score: number; comment?: string; at: Date },
    opts: { windowMs: number; lowScore: boolean },
    events: NewEvent[],
    lowScoreEffects: OutboxItem[],
  ): Promise<SurveySaveResult>;
}

export const SURVEY_COMMENT_MAX = 1000;

export type SurveyOutcome =
  | { ok: true; changed: boolean; answer: SurveyAnswer; lockAt: Date }
  | { ok: false; reason: 'forbidden' | 'invalid_state' | 'invalid_score' | 'comment_too_long' | 'locked'; answer?: SurveyAnswer; lockAt?: Date };

export interface SurveyOptions {
  changeWindowMs: number;
  lowScore: number;
}

/** Parses a score from untrusted input: an integer 1..5 (number or digit string), else null. */
export function parseScore(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[1-5]\s*$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 5 ? n : null;
}

export class SurveyService {
  constructor(
    private readonly repo: SurveyRepository,
    private readonly supervisors: SupervisorNotifier,
    private readonly clock: Clock,
    private readonly opts: SurveyOptions,
  ) {}

  /** Whether the requester of a just-resolved ticket still has a survey to answer. */
  async wanted(ticketId: number): Promise<boolean> {
    return !(await this.repo.get(ticketId));
  }

  async get(ticketId: number) {
    const answer = await this.repo.get(ticketId);
    return answer ? { answer, lockAt: this.lockAt(answer), locked: this.isLocked(answer) } : null;
  }

  lockAt(a: SurveyAnswer): Date {
    return new Date(a.answeredAt.getTime() + this.opts.changeWindowMs);
  }

  isLocked(a: SurveyAnswer): boolean {
    return this.clock.now().getTime() > this.lockAt(a).getTime();
  }

  async answer(ticket: Ticket, by: { oid: string; tenantId: string; name: string }, raw: { score: unknown; comment: unknown }): Promise<SurveyOutcome> {
    if (ticket.requester.oid !== by.oid || ticket.tenantId !== by.tenantId) return { ok: false, reason: 'forbidden' };
    if (ticket.status !== 'resolved' && ticket.status !== 'closed') return { ok: false, reason: 'invalid_state' };
    const score = parseScore(raw.score);
    if (score === null) return { ok: false, reason: 'invalid_score' };
    const comment = typeof raw.comment === 'string' ? raw.comment.replace(/\r\n/g, '\n').trim() : '';
    if (comment.length > SURVEY_COMMENT_MAX) return { ok: false, reason: 'comment_too_long' };
    const now = this.clock.now();
    const lowScore = score <= this.opts.lowScore;
    const low = lowScore ? await this.supervisors.effects(ticket, { kind: 'low_score', score, comment: comment || undefined }) : { effects: [] };
    const res = await this.repo.save(
      { ticketId: ticket.id, requesterOid: by.oid, score, comment: comment || undefined, at: now },
      { windowMs: this.opts.changeWindowMs, lowScore },
      [{ at: now, actor: { oid: by.oid, name: by.name }, kind: 'survey_answered', data: { score, comment: comment || null } }],
      low.effects,
    );
    if (res.outcome === 'locked') return { ok: false, reason: 'locked', answer: res.answer, lockAt: this.lockAt(res.answer) };
    return { ok: true, changed: res.outcome === 'changed', answer: res.answer, lockAt: this.lockAt(res.answer) };
  }
}
