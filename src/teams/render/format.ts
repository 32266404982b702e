/**
 * How the cards say things: states, ages, durations, sizes, the SLA standing and the delivery
 * warning, in the reader's language. Pure; the rules themselves live in the domain.
 */
import { decodeWarning } from '../../domain/delivery-warning';
import { slaStanding, type SlaFacts, type SlaTarget } from '../../domain/sla/ticket-sla';
import type { Ticket, TicketStatus } from '../../domain/tickets/model';
import type { Locale } from '../../domain/types';
import { formatDateTime, messages, t } from '../../i18n';
import { plainText } from '../cards';
import { numberFormat } from '../../domain/intl-cache';

/**
 * Due times for the cards, in Bogotá time; nothing while the clock is paused or when met. `slaFlag`
 * names the targets missed ("⛔ ANS vencido: …"), `slaWarning` those past the warning point and not
 * missed yet ("⚠️ ANS por vencer: …").
 */
export function slaView(ticket: SlaFacts, locale: Locale, now: Date) {
  const standing = slaStanding(ticket, now);
  if (!standing || !ticket.sla) return { firstResponseDue: '', resolutionDue: '', slaPaused: false, slaFlag: '', slaWarning: '' };
  const { paused, late, warned } = standing;
  const m = messages(locale);
  const names = (targets: SlaTarget[]) => targets.map((tg) => m[`slaTarget_${tg}`]).join(', ');
  return {
    firstResponseDue: !paused && !ticket.firstResponseAt ? formatDateTime(ticket.sla.firstResponseDueAt, locale) : '',
    resolutionDue: !paused ? formatDateTime(ticket.sla.resolutionDueAt, locale) : '',
    slaPaused: paused,
    slaFlag: late.length ? t(locale, 'slaBreachedFlag', { targets: names(late) }) : '',
    slaWarning: warned.length && !paused ? t(locale, 'slaWarningFlag', { targets: names(warned) }) : '',
  };
}

export const STATUS_COLOR: Record<TicketStatus, string> = {
  pending_approval: 'Warning',
  new: 'Accent',
  assigned: 'Accent',
  in_progress: 'Warning',
  waiting_user: 'Attention',
  linked: 'Warning',
  resolved: 'Good',
  closed: 'Default',
  cancelled: 'Default',
  rejected: 'Attention',
};

/** A state in words; `staff`: as engineers read it ("Esperando al usuario", not "Esperando su respuesta"). */
export function statusText(status: TicketStatus, locale: Locale, audience: 'requester' | 'staff' = 'requester'): string {
  const m = messages(locale);
  return audience === 'staff' && status === 'waiting_user' ? m.staffStatus_waiting_user : m[`status_${status}`];
}

/** The queue card's delivery warning in the reader's language: who could not be reached, and what to do. */
export function warningText(stored: string | null | undefined, locale: Locale): string {
  const w = decodeWarning(stored);
  if (!w) return '';
  if ('text' in w) return plainText(w.text, 300);
  const m = messages(locale);
  const name = plainText(w.name, 100);
  if (w.to === 'mail') return [t(locale, 'warnMail', { name }), m.warnClears].join(' ');
  const cause = w.cause === 'no_chat' || w.cause === 'blocked' ? w.cause : 'other';
  const key = `${w.to === 'requester' ? 'warnRequester' : 'warnEngineer'}_${cause}` as const;
  return [t(locale, key, { name }), w.mentionedInThread ? m.warnEngineerThread : '', m.warnClears].filter(Boolean).join(' ');
}

export function age(from: Date, now: Date, locale: Locale): string {
  const min = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 60_000));
  if (min < 60) return t(locale, 'ageMinutes', { n: min });
  if (min < 48 * 60) return t(locale, 'ageHours', { n: Math.floor(min / 60) });
  return t(locale, 'ageDays', { n: Math.floor(min / 1440) });
}

/** Working time as people read it: "25 min", "3 h 10 min". */
export function duration(minutes: number, locale: Locale): string {
  const m = Math.max(1, Math.round(minutes));
  if (m < 60) return t(locale, 'durationMinutes', { n: m });
  return t(locale, 'durationHours', { h: Math.floor(m / 60), m: m % 60 });
}

/** A file size as people read it: "850 B", "12 KB", "1,5 MB" (es) / "1.5 MB" (en). */
export function fileSize(bytes: number, locale: Locale): string {
  const fmt = (n: number) => numberFormat(locale === 'en' ? 'en-US' : 'es-CO', { maximumFractionDigits: 1 }).format(n);
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${fmt(bytes / 1024)} KB`;
  return `${fmt(bytes / (1024 * 1024))} MB`;
}
