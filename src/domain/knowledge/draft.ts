/**
 * An article drafted from a resolved case: the problem (the description) and what solved it (the
 * resolution note), with personal data taken out — e-mail addresses, phone numbers (libphonenumber's
 * own finder, Colombian numbering by default), document numbers, radicados, IP addresses and the
 * names of the people on the case. A supervisor reviews the draft before it is published.
 */
import { findPhoneNumbersInText } from 'libphonenumber-js';
import type { Locale } from '../types';
import { fold } from './search';

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
/** Cédulas, NITs, account or asset numbers: 6 or more digits, with dots or spaces between groups. */
const LONG_NUMBER = /\b\d{1,3}(?:[.\s]\d{3}){1,3}\b|\b\d{6,}\b/g;

export const REDACTED: Record<Locale, string> = { es: '[dato personal]', en: '[personal data]' };

/**
 * The text without personal data. `names`: the people on the case (requester, engineers): each of
 * their words of three or more letters is removed wherever it appears, case and accents aside.
 */
export function stripPersonalData(text: string, opts: { names?: string[]; radicadoPrefix?: string; locale?: Locale } = {}): string {
  const mark = REDACTED[opts.locale ?? 'es'];
  let out = text.replace(EMAIL, mark);
  // Phones first (they may look like long numbers): replaced from the end so offsets stay valid.
  for (const p of findPhoneNumbersInText(out, 'CO').reverse()) out = out.slice(0, p.startsAt) + mark + out.slice(p.endsAt);
  if (opts.radicadoPrefix) out = out.replace(new RegExp(`\\b${opts.radicadoPrefix}-\\d{4}-\\d{1,9}\\b`, 'gi'), mark);
  out = out.replace(IPV4, mark).replace(LONG_NUMBER, mark);
  const words = new Set(
    (opts.names ?? [])
      .flatMap((n) => fold(n).split(/[^a-z0-9ñ]+/))
      .filter((w) => w.length >= 3),
  );
  if (words.size) {
    out = out.replace(/[\p{L}\p{N}]+/gu, (w) => (words.has(fold(w)) ? mark : w));
    // "[dato personal] [dato personal]" (a full name) reads better as one mark.
    const twice = new RegExp(`${escapeRegExp(mark)}(?:\\s+${escapeRegExp(mark)})+`, 'g');
    out = out.replace(twice, mark);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A kebab-case id from a title ("¿Cómo restablezco la contraseña?" → "como-restablezco-la-contrasena"). */
export function slugOf(title: string): string {
  const slug = fold(title)
    .replace(/ñ/g, 'n')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug || 'articulo';
}
