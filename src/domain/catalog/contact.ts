/**
 * Contact phone numbers, as users type them: validated and formatted with libphonenumber-js
 * (Google's numbering metadata), Colombian numbers by default, any valid international number
 * accepted with its country code, extensions kept.
 *
 * Colombia uses a single 10-digit national plan since 2021: mobiles start with 3 (300 123 4567),
 * landlines with 60 + an area digit (601 Bogotá …); old 7-digit landlines are no longer dialable.
 * Colombian numbers are shown grouped 3-3-4 (+57 300 123 4567), others in their international format.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { boundedMemo } from '../bounded-memo';

const MAX_INPUT_LENGTH = 64;

// "ext. 1234", "ext 12", "ext:12", "x123", "extensión 1234", "extension 1234", "#123".
const EXTENSION = /^(.*?)[\s,;]*(?:extensi[oó]n|ext\.?|x|#)\s*[.:]?\s*(\d{1,6})$/iu;

// Only digits, spaces, dots, hyphens, parentheses and one leading plus are allowed in the number.
const NUMBER_CHARS = /^\(?\+?[\d\s().-]+$/;

/**
 * Normalizes a phone number with an optional extension. Returns e.g. `+57 300 123 4567`,
 * `+57 601 234 5678 ext. 1234` or `+1 212 555 1234`, or `null` when it is not a valid number.
 */
export function normalizePhone(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return null;
  return rememberedPhone(input);
}

// Parsing with the full metadata is ~50 µs; people file again and again with the same number (the
// form offers the one in their directory profile), so the answers are remembered.
const rememberedPhone = boundedMemo(5000, (input) => parsePhone(input));

function parsePhone(input: string): string | null {
  let text = input.trim();
  if (text === '') return null;

  let extension: string | undefined;
  const ext = EXTENSION.exec(text);
  if (ext) {
    text = ext[1].trim();
    extension = ext[2];
  }
  if (!NUMBER_CHARS.test(text) || (text.match(/\+/g) ?? []).length > 1) return null;
  // "00" is how international numbers are dialled from Colombia.
  const dialled = text.replace(/^\(?00(?=\d)/, '+');
  const parsed = parsePhoneNumberFromString(dialled, 'CO');
  if (!parsed || !parsed.isValid()) return null;

  const national = parsed.nationalNumber;
  const shown =
    parsed.countryCallingCode === '57' && national.length === 10
      ? `+57 ${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`
      : parsed.formatInternational();
  return extension ? `${shown} ext. ${extension}` : shown;
}
