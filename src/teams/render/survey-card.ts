/** The satisfaction survey card (1–5 and a comment), sent by the outbox and redrawn on an answer. */
import type { Ticket } from '../../domain/tickets/model';
import type { Locale } from '../../domain/types';
import { messages, t } from '../../i18n';
import type { AdaptiveCardJson, CardRenderer } from '../cards';

export interface SurveyCardState {
  /** A given answer, pre-filled. */
  answer?: { score: number; comment?: string };
  /** What was typed, when it comes back with an error. */
  comment?: string;
  note?: string;
  error?: string;
  canAnswer?: boolean;
}

export function surveyCard(cards: CardRenderer, ticket: Ticket, locale: Locale, changeWindowMs: number, state: SurveyCardState = {}): AdaptiveCardJson {
  const m = messages(locale);
  return cards.render('survey', {
    t: m,
    ticketId: ticket.id,
    title: t(locale, 'surveyTitle', { radicado: ticket.radicado }),
    body: t(locale, 'surveyBody', { minutes: Math.round(changeWindowMs / 60_000) }),
    choices: [1, 2, 3, 4, 5].map((n) => ({ title: m[`surveyScore${n}` as 'surveyScore1'], value: String(n) })),
    score: state.answer ? String(state.answer.score) : '',
    comment: state.comment ?? state.answer?.comment ?? '',
    note: state.note ?? '',
    error: state.error ?? '',
    canAnswer: state.canAnswer ?? true,
  });
}
