/**
 * The institution's own changes to the public holidays: days a decree gives off ("día cívico"), a
 * local office's municipal holidays, or a public holiday the institution works. Read from
 * config/holidays.json (HOLIDAYS_PATH) and validated at start-up, so a new decree needs no code change:
 *
 *   {"version": 1,
 *    "add":    [{"date": "2026-12-24", "name": "Día cívico (Decreto 1234 de 2026)"}],
 *    "remove": [{"date": "2026-07-13", "reason": "La sede atiende ese día"}]}
 *
 * Pure code: dates are calendar days ('YYYY-MM-DD') in the calendar's own time zone.
 */
import { z } from 'zod';
import { colombianHolidays, holidayName, MAX_HOLIDAY_YEAR, MIN_HOLIDAY_YEAR } from './holidays';

export interface HolidayAdjustments {
  /** Extra non-working days, with the name that explains them. */
  add: { date: string; name: string }[];
  /** Public holidays that are working days for this institution. */
  remove: { date: string; reason?: string }[];
}

export const NO_HOLIDAY_ADJUSTMENTS: HolidayAdjustments = Object.freeze({ add: [], remove: [] }) as HolidayAdjustments;

export class HolidayConfigError extends Error {
  override readonly name = 'HolidayConfigError';
}

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD, e.g. "2026-12-24"');

const schema = z
  .object({
    version: z.literal(1),
    add: z.array(z.object({ date, name: z.string().trim().min(1, 'give the day a name (e.g. the decree that grants it)').max(200) }).strict()).default([]),
    remove: z.array(z.object({ date, reason: z.string().max(200).optional() }).strict()).default([]),
  })
  .strict();

const EXPECTED =
  'Expected {"version": 1, "add": [{"date": "YYYY-MM-DD", "name": "…"}], "remove": [{"date": "YYYY-MM-DD", "reason": "…"}]} ' +
  '("add": extra days off; "remove": public holidays that are working days here).';

/** Whether `iso` is a real calendar date in the years the holiday calendar covers; else why not. */
function dateProblem(iso: string): string | null {
  const year = Number(iso.slice(0, 4));
  const ms = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== iso) return `"${iso}" is not a calendar date; write YYYY-MM-DD, e.g. "2026-12-24"`;
  if (year < MIN_HOLIDAY_YEAR || year > MAX_HOLIDAY_YEAR) return `"${iso}" is outside the years the calendar covers (${MIN_HOLIDAY_YEAR}..${MAX_HOLIDAY_YEAR})`;
  return null;
}

/**
 * Validates the holidays file's JSON (`file` names it in the messages). Throws HolidayConfigError
 * listing every problem and how to fix it: a date that is not a calendar date, an added day that is
 * already a public holiday, a removed day that is not one, a date listed twice.
 */
export function parseHolidayAdjustments(json: unknown, file: string): HolidayAdjustments {
  const parsed = schema.safeParse(json);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  if (parsed.success) {
    const seen = new Map<string, string>();
    const once = (where: string, iso: string) => {
      const first = seen.get(iso);
      if (first) problems.push(`${where}.date: ${iso} is already listed at ${first}; keep one entry`);
      else seen.set(iso, where);
    };
    parsed.data.add.forEach((d, i) => {
      const bad = dateProblem(d.date);
      if (bad) return problems.push(`add.${i}.date: ${bad}`);
      const official = holidayName(d.date);
      if (official) return problems.push(`add.${i}.date: ${d.date} is already a public holiday (${official}); remove this entry`);
      once(`add.${i}`, d.date);
    });
    parsed.data.remove.forEach((d, i) => {
      const bad = dateProblem(d.date);
      if (bad) return problems.push(`remove.${i}.date: ${bad}`);
      if (!holidayName(d.date)) {
        const year = Number(d.date.slice(0, 4));
        return problems.push(`remove.${i}.date: ${d.date} is not a public holiday, so there is nothing to remove; the holidays of ${year} are ${colombianHolidays(year).join(', ')}`);
      }
      once(`remove.${i}`, d.date);
    });
  }
  if (problems.length || !parsed.success) {
    throw new HolidayConfigError(`HOLIDAYS_PATH ${file} is invalid:\n  - ${problems.join('\n  - ')}\n${EXPECTED}`);
  }
  return { add: parsed.data.add, remove: parsed.data.remove };
}

/**
 * The non-working days of a year: the public holidays (`base`) without the removed days, plus the
 * added ones, sorted, each once. Give the result to CalendarConfig.holidays (one function per
 * configuration: the working calendar caches per function).
 */
export function adjustedHolidays(adj: HolidayAdjustments, base: (year: number) => string[] = colombianHolidays): (year: number) => string[] {
  if (!adj.add.length && !adj.remove.length) return base;
  const removed = new Set(adj.remove.map((d) => d.date));
  const added = adj.add.map((d) => d.date);
  return (year: number) => {
    const prefix = `${year}-`;
    const days = new Set(base(year).filter((d) => !removed.has(d)));
    for (const d of added) if (d.startsWith(prefix)) days.add(d);
    return [...days].sort();
  };
}
