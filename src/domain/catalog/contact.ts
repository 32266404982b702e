/**
 * Colombian phone numbers, as users type them.
 *
 * Since 2021 Colombia uses a single 10-digit national plan: mobiles start with 3
 * (300 123 4567) and landlines with 60 + an area digit (601 Bogotá, 602 Valle,
 * 604 Antioquia, 605 Caribe, 606 Eje Cafetero, 607 Santanderes, 608 Llanos/Tolima/Huila).
 * The old 7-digit landlines and the "1 + 7 digits" Bogotá format are no longer dialable.
 */

const MAX_INPUT_LENGTH = 64;

/** Area digits that follow "60" in the landline plan (603 and 609 are not assigned). */
const LANDLINE_AREA_DIGITS = '1245678';

// "ext. 1234", "ext 12", "ext:12", "x123", "extensión 1234", "extension 1234", "#123".
const EXTENSION = /^(.*?)[\s,;]*(?:extensi[oó]n|ext\.?|x|#)\s*[.:]?\s*(\d{1,6})$/iu;

// Only digits, spaces, dots, hyphens, parentheses and one leading plus are allowed in the number.
const NUMBER_CHARS = /^\(?\+?[\d\s().-]+$/;

/**
 * Normalizes a Colombian mobile or landline number, with an optional extension.
 * Returns e.g. `+57 300 123 4567` or `+57 601 234 5678 ext. 1234`, or `null` when
 * the input is not a dialable Colombian number.
 */
export function normalizeColombianPhone(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return null;
  let text = input.trim();
  if (text === '') return null;

  let extension: string | undefined;
  const ext = EXTENSION.exec(text);
  if (ext) {
    text = ext[1].trim();
    extension = ext[2];
  }
  if (!NUMBER_CHARS.test(text)) return null;

  const hasPlus = text.includes('+');
  let digits = text.replace(/\D/g, '');
  if (hasPlus) {
    // International format: only Colombia's country code is accepted.
    if (!(digits.length === 12 && digits.startsWith('57'))) return null;
    digits = digits.slice(2);
  } else if (digits.length === 14 && digits.startsWith('0057')) {
    digits = digits.slice(4);
  } else if (digits.length === 12 && digits.startsWith('57')) {
    digits = digits.slice(2);
  }
  if (digits.length !== 10) return null;

  const isMobile = /^3\d{9}$/.test(digits);
  const isLandline = digits.startsWith('60') && LANDLINE_AREA_DIGITS.includes(digits[2]);
  if (!isMobile && !isLandline) return null;

  const national = `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
  return extension ? `+57 ${national} ext. ${extension}` : `+57 ${national}`;
}
