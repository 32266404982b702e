/** Shared plain types of the domain. No framework imports here. */

export const ROLES = ['employee', 'area_manager', 'secretary', 'agent', 'supervisor'] as const;
export type Role = (typeof ROLES)[number];

export const LOCALES = ['es', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** A text shown to users, Spanish first. */
export interface LocalizedText {
  es: string;
  en: string;
}

export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Picks the text for a locale, falling back to Spanish. */
export function pick(text: LocalizedText, locale: Locale): string {
  return text[locale] || text.es;
}
