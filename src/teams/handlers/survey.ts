/**
 * The satisfaction survey card's answer. The card's data is untrusted: the ticket id, the score and
 * the comment are re-validated and the permission re-checked by SurveyService (only the requester,
 * only resolved or closed tickets, answer changeable for SURVEY_CHANGE_MINUTES, then locked).
 */
import type { Ticket } from '../../domain/tickets/model';
import { SURVEY_COMMENT_MAX } from '../../domain/survey';
import { formatDateTime } from '../../i18n';
import { surveyCard, type SurveyCardState } from '../render/survey-card';
import type { Turn } from '../turn';

export async function submitSurvey(turn: Turn, ticket: Ticket, data: Record<string, unknown>): Promise<void> {
  const user = await turn.user();
  const window = turn.services.cfg.survey.changeWindowMs;
  const comment = typeof data.comment === 'string' ? data.comment : '';
  const show = (state: SurveyCardState) => turn.show(surveyCard(turn.services.cards, ticket, turn.locale, window, state));
  const out = await turn.services.surveys.answer(ticket, { oid: user.oid, tenantId: user.tenantId, name: user.name }, { score: data.score, comment: data.comment });
  if (out.ok) {
    const note = turn.text(out.changed ? 'surveyChanged' : 'surveyThanks', { score: out.answer.score, until: formatDateTime(out.lockAt, turn.locale) });
    await show({ answer: out.answer, note });
    return;
  }
  switch (out.reason) {
    case 'locked':
      await show({ answer: out.answer, canAnswer: false, error: turn.text('surveyLocked', { score: out.answer!.score }) });
      return;
    case 'invalid_score':
    case 'comment_too_long': {
      const error = out.reason === 'invalid_score' ? turn.messages.surveyInvalidScore : turn.text('surveyCommentTooLong', { max: SURVEY_COMMENT_MAX });
      // Keep what was typed (bounded) so the requester does not lose it.
      await show({ comment: comment.slice(0, SURVEY_COMMENT_MAX), error });
      return;
    }
    default:
      await turn.notice(turn.messages.surveyNotAllowed, { color: 'Attention' });
  }
}
