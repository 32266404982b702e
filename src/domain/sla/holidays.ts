/**
 * Colombia's public holidays ("días festivos"), computed for any year from
 * 1984 (the first full year under Ley 51 de 1983, "Ley Emiliani") to 2200.
 *
 * Three kinds:
 *  - fixed: always on their calendar date;
 *  - Emiliani: moved to the following Monday when they do not fall on a Monday;
 *  - Easter-based: Holy Thursday and Good Friday (Easter − 3 / − 2) and three
 *    Mondays (Ascensión Easter + 43, Corpus Christi + 64, Sagrado Corazón + 71).
 *
 * Ley 2578 de 2026, art. 6, adds Nuestra Señora del Rosario de Chiquinquirá (9 July, moved to the
 * next Monday under Ley 51 de 1983) from 2026, the year of the law: 2026-07-13, 2027-07-12,
 * 2028-07-10. Checked for 1990–2100 against a table built from the laws with another Easter
 * algorithm (test/unit/holidays.test.ts). Days a decree or a municipality adds, or the institution
 * works, come from config/holidays.json (holiday-adjustments.ts), not from code changes.
 *
 * Two holidays may land on the same day (e.g. 2025-06-30: San Pedro y San Pablo
 * and Sagrado Corazón); the day is then listed once.
 *
 * Pure code: dates are calendar days ('YYYY-MM-DD'), computed in UTC so that
 * the host time zone never matters.
 */

export type HolidayLocale = 'es' | 'en';

export const MIN_HOLIDAY_YEAR = 1984;
export const MAX_HOLIDAY_YEAR = 2200;

interface HolidayRule {
  es: string;
  en: string;
  /** Month (1-12) and day of the calendar date, for fixed and Emiliani rules. */
  month?: number;
  day?: number;
  /** Days after Easter Sunday, for Easter-based rules. */
  easterOffset?: number;
  /** Ley Emiliani: moved to the next Monday when not on a Monday. */
  movesToMonday?: boolean;
  /** First year the holiday exists (the law that created it). */
  since?: number;
}

const RULES: readonly HolidayRule[] = [
  { es: 'Año Nuevo', en: "New Year's Day", month: 1, day: 1 },
  { es: 'Día de los Reyes Magos', en: 'Epiphany', month: 1, day: 6, movesToMonday: true },
  { es: 'Día de San José', en: "Saint Joseph's Day", month: 3, day: 19, movesToMonday: true },
  { es: 'Jueves Santo', en: 'Maundy Thursday', easterOffset: -3 },
  { es: 'Viernes Santo', en: 'Good Friday', easterOffset: -2 },
  { es: 'Día del Trabajo', en: 'Labour Day', month: 5, day: 1 },
  { es: 'Ascensión del Señor', en: 'Ascension Day', easterOffset: 43 },
  { es: 'Corpus Christi', en: 'Corpus Christi', easterOffset: 64 },
  { es: 'Sagrado Corazón de Jesús', en: 'Sacred Heart', easterOffset: 71 },
  { es: 'San Pedro y San Pablo', en: 'Saints Peter and Paul', month: 6, day: 29, movesToMonday: true },
  // Ley 2578 de 2026, art. 6.
  { es: 'Nuestra Señora del Rosario de Chiquinquirá', en: 'Our Lady of the Rosary of Chiquinquirá', month: 7, day: 9, movesToMonday: true, since: 2026 },
  { es: 'Día de la Independencia', en: 'Independence Day', month: 7, day: 20 },
  { es: 'Batalla de Boyacá', en: 'Battle of Boyacá', month: 8, day: 7 },
  { es: 'Asunción de la Virgen', en: 'Assumption Day', month: 8, day: 15, movesToMonday: true },
  { es: 'Día de la Raza', en: 'Columbus Day', month: 10, day: 12, movesToMonday: true },
  { es: 'Día de Todos los Santos', en: "All Saints' Day", month: 11, day: 1, movesToMonday: true },
  { es: 'Independencia de Cartagena', en: 'Independence of Cartagena', month: 11, day: 11, movesToMonday: true },
  { es: 'Inmaculada Concepción', en: 'Immaculate Conception', month: 12, day: 8 },
  { es: 'Navidad', en: 'Christmas Day', month: 12, day: 25 },
];

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** date → names of the holidays on that date, per year (computed once). */
const cache = new Map<number, Map<string, HolidayRule[]>>();

function assertYear(year: number): void {
  if (!Number.isInteger(year) || year < MIN_HOLIDAY_YEAR || year > MAX_HOLIDAY_YEAR) {
    throw new RangeError(
      `Colombian holidays are only computed for years ${MIN_HOLIDAY_YEAR}..${MAX_HOLIDAY_YEAR}, got ${year}`,
    );
  }
}

function toIso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Easter Sunday (Gregorian calendar) by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  if (!Number.isInteger(year) || year < 1583) {
    throw new RangeError(`Easter is computed for Gregorian years (>= 1583), got ${year}`);
  }
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return toIso(Date.UTC(year, month - 1, day));
}

function holidaysByDate(year: number): Map<string, HolidayRule[]> {
  const cached = cache.get(year);
  if (cached) return cached;
  assertYear(year);

  const easter = Date.parse(`${easterSunday(year)}T00:00:00Z`);
  const byDate = new Map<string, HolidayRule[]>();
  for (const rule of RULES) {
    if (rule.since !== undefined && year < rule.since) continue;
    let ms: number;
    if (rule.easterOffset !== undefined) {
      ms = easter + rule.easterOffset * DAY_MS;
    } else {
      ms = Date.UTC(year, rule.month! - 1, rule.day!);
      if (rule.movesToMonday) {
        const weekday = new Date(ms).getUTCDay(); // 0 = Sunday, 1 = Monday
        ms += ((8 - weekday) % 7) * DAY_MS;
      }
    }
    const iso = toIso(ms);
    const list = byDate.get(iso);
    if (list) list.push(rule);
    else byDate.set(iso, [rule]);
  }
  const sorted = new Map([...byDate.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  cache.set(year, sorted);
  return sorted;
}

/** Colombia's public holidays of `year` (1984..2200), sorted, as 'YYYY-MM-DD', each day once. */
export function colombianHolidays(year: number): string[] {
  return [...holidaysByDate(year).keys()];
}

function parseDate(date: string): number {
  const m = DATE_RE.exec(date);
  if (m) {
    const year = Number(m[1]);
    const ms = Date.UTC(year, Number(m[2]) - 1, Number(m[3]));
    if (toIso(ms) === date) return year;
  }
  throw new Error(`Invalid date "${date}": expected a calendar date as YYYY-MM-DD, e.g. "2026-04-02"`);
}

/** True when `date` ('YYYY-MM-DD', year 1984..2200) is a Colombian public holiday. */
export function isColombianHoliday(date: string): boolean {
  return holidaysByDate(parseDate(date)).has(date);
}

/**
 * Name of the holiday on `date`, or null when it is not a holiday. When two
 * holidays share the day, both names are given, joined with " / ".
 */
export function holidayName(date: string, locale: HolidayLocale = 'es'): string | null {
  const rules = holidaysByDate(parseDate(date)).get(date);
  if (!rules) return null;
  return rules.map((r) => (locale === 'en' ? r.en : r.es)).join(' / ');
}
