/**
 * Validation of a submitted ticket form (an Adaptive Card's Action.Submit data).
 * The input is untrusted: anything may arrive, so every value is read defensively.
 */
import { Locale, pick } from '../types';
import { normalizePhone } from './contact';
import { compileFieldRegex, FieldDef, Template } from './schema';

export const CONTACT_CHANNELS = ['phone', 'teams'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

export const DESCRIPTION_MIN_LENGTH = 10;
export const DESCRIPTION_MAX_LENGTH = 4000;
/** A text over its limit is echoed back up to this many times the limit. */
export const OVERLONG_ECHO_FACTOR = 2;
const DEFAULT_MAX_LENGTH = 500;
const DEFAULT_MULTILINE_MAX_LENGTH = 4000;
/** Raw strings are cut to this before any other work, so a huge payload costs nothing. */
const HARD_CAP = 20_000;

export type SubmissionResult =
  | {
      ok: true;
      /** Cleaned values of the template's own fields ('' for empty optional ones). */
      values: Record<string, string>;
      description: string;
      /** Normalized, e.g. `+57 300 123 4567`. */
      phone: string;
      contactChannel: ContactChannel;
    }
  | {
      ok: false;
      /** User-facing message per field id (template fields and reserved ones). */
      errors: Record<string, string>;
      /** What was submitted, cleaned and truncated, for every field incl. reserved ones: re-render the form with it. */
      values: Record<string, string>;
    };

interface Messages {
  required: string;
  invalidValue: string;
  tooLong: (max: number, actual: number, kept: number) => string;
  descriptionTooShort: (min: number) => string;
  format: (example?: string) => string;
  choice: string;
  date: string;
  number: string;
  min: (min: number) => string;
  max: (max: number) => string;
  phone: string;
  contactChannel: string;
}

const MESSAGES: Record<Locale, Messages> = {
  es: {
    required: 'Este campo es obligatorio.',
    invalidValue: 'El valor recibido no es válido. Escríbalo de nuevo.',
    tooLong: (max, actual, kept) =>
      `${actual - max === 1 ? 'Sobra 1 carácter' : `Sobran ${actual - max} caracteres`}: el máximo es ${max} (escribió ${actual}). Su texto se conservó; recórtelo y guarde de nuevo.` +
      (kept < actual ? ` Solo cupieron los primeros ${kept} caracteres.` : ''),
    descriptionTooShort: (min) => `Describa su solicitud con al menos ${min} caracteres.`,
    format: (example) => (example ? `El formato no es válido. Ejemplo: ${example}` : 'El formato no es válido.'),
    choice: 'Seleccione una de las opciones de la lista.',
    date: 'Escriba una fecha válida con el formato AAAA-MM-DD.',
    number: 'Escriba un número.',
    min: (min) => `El valor mínimo es ${min}.`,
    max: (max) => `El valor máximo es ${max}.`,
    phone:
      'Escriba un celular (300 123 4567) o fijo (601 234 5678) de Colombia, o un número de otro país con su indicativo (+1 212 555 1234), con la extensión si la tiene.',
    contactChannel: 'Elija cómo prefiere que lo contactemos: por teléfono o por Teams.',
  },
  en: {
    required: 'This field is required.',
    invalidValue: 'The value received is not valid. Please enter it again.',
    tooLong: (max, actual, kept) =>
      `${actual - max === 1 ? '1 character' : `${actual - max} characters`} too many: the maximum is ${max} (you wrote ${actual}). Your text was kept; shorten it and save again.` +
      (kept < actual ? ` Only the first ${kept} characters fit.` : ''),
    descriptionTooShort: (min) => `Describe your request in at least ${min} characters.`,
    format: (example) => (example ? `The format is not valid. Example: ${example}` : 'The format is not valid.'),
    choice: 'Choose one of the options in the list.',
    date: 'Enter a valid date as YYYY-MM-DD.',
    number: 'Enter a number.',
    min: (min) => `The minimum value is ${min}.`,
    max: (max) => `The maximum value is ${max}.`,
    phone: 'Enter a Colombian mobile (300 123 4567) or landline (601 234 5678), or another country\'s number with its code (+1 212 555 1234), with the extension if any.',
    contactChannel: 'Choose how you prefer to be contacted: by phone or by Teams.',
  },
};

/** The maximum length a field accepts (also the maxLength to put on its card input). */
export function effectiveMaxLength(field: Pick<FieldDef, 'type' | 'maxLength'>): number {
  if (field.maxLength !== undefined) return field.maxLength;
  return field.type === 'multiline' ? DEFAULT_MULTILINE_MAX_LENGTH : DEFAULT_MAX_LENGTH;
}

/**
 * Validates a submitted form against a template plus the reserved fields every form has
 * (`description`, `phone`, `contactChannel`). Unknown keys are ignored; the result never throws.
 */
export function validateSubmission(template: Template, raw: unknown, locale: Locale): SubmissionResult {
  // Anything but English (also a bad runtime value) falls back to Spanish.
  locale = locale === 'en' ? 'en' : 'es';
  const m = MESSAGES[locale];
  const values: Record<string, string> = {};
  const errors: Record<string, string> = {};

  for (const field of template.fields) {
    const { value, error } = checkField(field, read(raw, field.id), m, locale);
    values[field.id] = value;
    if (error) errors[field.id] = error;
  }

  const description = checkField(
    { id: 'description', type: 'multiline', required: true, maxLength: DESCRIPTION_MAX_LENGTH },
    read(raw, 'description'),
    m,
    locale,
  );
  if (!description.error && description.value.length < DESCRIPTION_MIN_LENGTH) {
    description.error = m.descriptionTooShort(DESCRIPTION_MIN_LENGTH);
  }
  const phone = checkField({ id: 'phone', type: 'phone', required: true }, read(raw, 'phone'), m, locale);
  const channel = checkContactChannel(read(raw, 'contactChannel'), m);

  if (Object.keys(errors).length === 0 && !description.error && !phone.error && !channel.error) {
    return {
      ok: true,
      values,
      description: description.value,
      phone: phone.value,
      contactChannel: channel.value as ContactChannel,
    };
  }
  const all: Record<string, string> = { ...values, description: description.value, phone: phone.value, contactChannel: channel.value };
  if (description.error) errors.description = description.error;
  if (phone.error) errors.phone = phone.error;
  if (channel.error) errors.contactChannel = channel.error;
  return { ok: false, errors, values: all };
}

interface Checked {
  value: string;
  error?: string;
}

type FieldRule = Pick<FieldDef, 'id' | 'type' | 'required'> & Partial<FieldDef>;

function checkField(field: FieldRule, rawValue: unknown, m: Messages, locale: Locale): Checked {
  const text = toText(rawValue);
  if (text === null) return { value: '', error: m.invalidValue };
  const max = effectiveMaxLength(field);
  const cleaned = clean(text, field.type === 'multiline');
  const echo = truncate(cleaned, max);

  if (cleaned === '') return field.required ? { value: '', error: m.required } : { value: '' };
  if (cleaned.length > max) {
    // Too long: the text comes back whole (up to twice the limit, said so beyond) so the person
    // shortens it instead of losing what did not fit; the form's input widens to hold it.
    const kept = truncate(cleaned, max * OVERLONG_ECHO_FACTOR);
    return { value: kept, error: m.tooLong(max, cleaned.length, kept.length) };
  }

  let value = cleaned;
  switch (field.type) {
    case 'choice':
      if (!field.choices?.some((c) => c.value === cleaned)) return { value: echo, error: m.choice };
      break;
    case 'date':
      if (!isCalendarDate(cleaned)) return { value: echo, error: m.date };
      break;
    case 'number': {
      if (!/^[+-]?\d{1,15}(?:[.,]\d{1,6})?$/.test(cleaned)) return { value: echo, error: m.number };
      value = cleaned.replace(',', '.').replace(/^\+/, '');
      const n = Number(value);
      if (field.min !== undefined && n < field.min) return { value, error: m.min(field.min) };
      if (field.max !== undefined && n > field.max) return { value, error: m.max(field.max) };
      break;
    }
    case 'phone': {
      const normalized = normalizePhone(cleaned);
      if (!normalized) return { value: echo, error: m.phone };
      value = normalized;
      break;
    }
    default:
      break;
  }
  if (field.regex !== undefined && !safeRegexTest(field.regex, value)) {
    return { value, error: m.format(field.placeholder ? pick(field.placeholder, locale) : undefined) };
  }
  return { value };
}

function checkContactChannel(rawValue: unknown, m: Messages): Checked {
  const text = toText(rawValue);
  if (text === null) return { value: '', error: m.contactChannel };
  const cleaned = clean(text, false).toLowerCase();
  if ((CONTACT_CHANNELS as readonly string[]).includes(cleaned)) return { value: cleaned };
  return { value: truncate(cleaned, 20), error: cleaned === '' ? m.required : m.contactChannel };
}

/** Reads an own property of a plain object; anything else (null, arrays, prototypes, getters that throw) reads as missing. */
function read(raw: unknown, key: string): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  try {
    return Object.prototype.hasOwnProperty.call(raw, key) ? (raw as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}

/** Scalars become strings; objects and arrays are not values a form input can send. */
function toText(v: unknown): string | null {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (typeof v === 'boolean') return String(v);
  return null;
}

// C0/C1 control characters except \t and \n, bidi overrides (spoofing), lone surrogates.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function clean(s: string, multiline: boolean): string {
  let out = s.length > HARD_CAP ? s.slice(0, HARD_CAP) : s;
  out = out.replace(/\r\n?/g, '\n').replace(CONTROL, '').replace(LONE_SURROGATE, '').normalize('NFC');
  if (!multiline) out = out.replace(/\s*[\n\t]+\s*/g, ' ');
  return out.trim();
}

function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  // Do not split a surrogate pair.
  return s.slice(0, max).replace(/[\uD800-\uDBFF]$/, '');
}

function isCalendarDate(s: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!match) return false;
  const [y, mo, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return d <= days;
}

function safeRegexTest(source: string, value: string): boolean {
  try {
    return compileFieldRegex(source).test(value);
  } catch {
    // parseCatalog rejects bad regexes; a hand-built template must not crash validation.
    return false;
  }
}
