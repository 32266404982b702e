import type { Locale } from '../domain/types';
import { en } from './en';
import { es, type Messages } from './es';
import { dateFormat, numberFormat } from '../domain/intl-cache';

const DATE_TIME: Intl.DateTimeFormatOptions = { timeZone: 'America/Bogota', dateStyle: 'medium', timeStyle: 'short' };

export type { Messages };
export type MessageKey = keyof Messages;

/** Spanish unless the Teams locale is English ("en", "en-US", …). */
export function localeOf(teamsLocale: string | undefined | null): Locale {
  return typeof teamsLocale === 'string' && /^en\b/i.test(teamsLocale) ? 'en' : 'es';
}

/**
 * The language an activity names: its own `locale`, else its clientInfo entity's (Teams puts it
 * there too); undefined when it names none (Teams' conversationUpdate, for one).
 */
export function activityLocale(activity: { locale?: string; entities?: { type?: string; locale?: unknown }[] }): string | undefined {
  if (typeof activity.locale === 'string' && activity.locale) return activity.locale;
  const info = (activity.entities ?? []).find((e) => e?.type === 'clientInfo');
  return typeof info?.locale === 'string' && info.locale ? info.locale : undefined;
}

export function messages(locale: Locale): Messages {
  return locale === 'en' ? en : es;
}

/** Looks up a message and fills `{name}` placeholders. */
export function t(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const out = messages(locale)[key].replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
  // A value that ends a sentence with its own period ("1:41 p. m.") does not get a second one.
  return out.replace(/(?<!\.)\.\.(?!\.)/g, '.');
}

/** A whole number as the reader writes it (1.000 in Spanish, 1,000 in English). */
export function formatCount(n: number, locale: Locale): string {
  return numberFormat(locale === 'en' ? 'en-US' : 'es-CO', { maximumFractionDigits: 0 }).format(n);
}

const DATE_ONLY: Intl.DateTimeFormatOptions = { timeZone: 'America/Bogota', day: 'numeric', month: 'long', year: 'numeric' };

/** A day as people in Bogotá read it ("15 de octubre de 2026", "October 15, 2026"). */
export function formatDate(d: Date, locale: Locale): string {
  return dateFormat(locale === 'en' ? 'en-US' : 'es-CO', DATE_ONLY).format(d);
}

/** Dates and times as people in Bogotá read them. */
export function formatDateTime(d: Date, locale: Locale): string {
  return dateFormat(locale === 'en' ? 'en-US' : 'es-CO', DATE_TIME).format(d);
}
