/**
 * Working-time arithmetic for SLAs: office hours on workdays, minus holidays.
 *
 * Time zone: the calendar uses a FIXED offset from UTC
 * (`timeZoneOffsetMinutes`, -300 for America/Bogota, which is UTC−5 all year
 * and has had no daylight-saving time since 1993). A local wall-clock time is
 * obtained as `utc + offset`, then read with the getUTC* accessors; the host
 * time zone never matters. Do not use this for zones with DST.
 *
 * Working time is counted in milliseconds internally, so Dates with seconds
 * are exact; the public API speaks minutes (possibly fractional).
 *
 * Algorithms step day by day (never minute by minute): cost is proportional to
 * the number of calendar days spanned.
 */
import { colombianHolidays } from './holidays';


export interface CalendarConfig {
  /** Offset of local time from UTC, in minutes: -300 for Bogotá (UTC−5, no DST). */
  timeZoneOffsetMinutes: number;
  /** ISO weekdays that are working days: 1 = Monday .. 7 = Sunday. */
  workdays: number[];
  /** Start of office hours, in minutes after local midnight (07:00 → 420). */
  startMinute: number;
  /** End of office hours, in minutes after local midnight (17:00 → 1020); 1440 = midnight. */
  endMinute: number;
  /** Non-working days of a year, as 'YYYY-MM-DD' local dates. */
  holidays: (year: number) => string[];
}

export interface PauseInterval {
  from: Date;
  /** null: still paused. */
  to: Date | null;
}

/** Bogotá, Monday to Friday 07:00–17:00, Colombian public holidays off. */
export const DEFAULT_CALENDAR: CalendarConfig = Object.freeze({
  timeZoneOffsetMinutes: -300,
  workdays: Object.freeze([1, 2, 3, 4, 5]) as number[],
  startMinute: 7 * 60,
  endMinute: 17 * 60,
  holidays: colombianHolidays,
});

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Give up after this many consecutive calendar days without working time (misconfigured calendar). */
const MAX_IDLE_DAYS = 3_660;

// ---------------------------------------------------------------------------
// Day-level helpers
// ---------------------------------------------------------------------------

/** Validated, pre-digested calendar for one call. */
interface Plan {
  offsetMs: number;
  startMs: number;
  endMs: number;
  isWorkday: boolean[]; // index 1..7
  holidays: (year: number) => Set<number>;
}

/** Holiday day indices per holidays function and year (holiday lists are computed once). */
const holidayCache = new WeakMap<(year: number) => string[], Map<number, Set<number>>>();

function holidaySet(fn: (year: number) => string[], year: number): Set<number> {
  let byYear = holidayCache.get(fn);
  if (!byYear) {
    byYear = new Map();
    holidayCache.set(fn, byYear);
  }
  let set = byYear.get(year);
  if (!set) {
    set = new Set();
    for (const iso of fn(year)) {
      const ms = Date.parse(`${iso}T00:00:00Z`);
      if (Number.isNaN(ms)) throw new Error(`Invalid holiday "${iso}" for ${year}: expected YYYY-MM-DD`);
      set.add(ms / DAY_MS);
    }
    byYear.set(year, set);
  }
  return set;
}

function plan(cal: CalendarConfig): Plan {
  const { timeZoneOffsetMinutes, workdays, startMinute, endMinute, holidays } = cal;
  if (!Number.isFinite(timeZoneOffsetMinutes) || Math.abs(timeZoneOffsetMinutes) > 14 * 60) {
    throw new RangeError(`Invalid calendar: timeZoneOffsetMinutes ${timeZoneOffsetMinutes} is not between -840 and 840`);
  }
  if (!(Number.isFinite(startMinute) && Number.isFinite(endMinute) && startMinute >= 0 && endMinute <= 1440 && startMinute < endMinute)) {
    throw new RangeError(`Invalid calendar: office hours ${startMinute}..${endMinute} must satisfy 0 <= startMinute < endMinute <= 1440`);
  }
  const isWorkday = new Array<boolean>(8).fill(false);
  for (const d of workdays) {
    if (!Number.isInteger(d) || d < 1 || d > 7) throw new RangeError(`Invalid calendar: workday ${d} is not 1 (Monday) .. 7 (Sunday)`);
    isWorkday[d] = true;
  }
  if (!isWorkday.some(Boolean)) throw new RangeError('Invalid calendar: there are no workdays');
  return {
    offsetMs: timeZoneOffsetMinutes * MINUTE_MS,
    startMs: startMinute * MINUTE_MS,
    endMs: endMinute * MINUTE_MS,
    isWorkday,
    holidays: (year) => holidaySet(holidays, year),
  };
}

/** Local calendar day (days since 1970-01-01 local) containing instant `ms`. */
function localDay(p: Plan, ms: number): number {
  return Math.floor((ms + p.offsetMs) / DAY_MS);
}

/** UTC instant of local midnight starting local day `day`. */
function dayStart(p: Plan, day: number): number {
  return day * DAY_MS - p.offsetMs;
}

function isWorkingDay(p: Plan, day: number): boolean {
  const isoWeekday = ((((day + 3) % 7) + 7) % 7) + 1; // day 0 = Thursday 1970-01-01
  if (!p.isWorkday[isoWeekday]) return false;
  return !p.holidays(new Date(day * DAY_MS).getUTCFullYear()).has(day);
}

function toMs(d: Date, what: string): number {
  const ms = d instanceof Date ? d.getTime() : NaN;
  if (Number.isNaN(ms)) throw new TypeError(`${what} is not a valid Date`);
  return ms;
}

/** Working milliseconds in [fromMs, toMs). 0 when toMs <= fromMs. */
function workingMsBetween(p: Plan, fromMs: number, toMs_: number): number {
  if (toMs_ <= fromMs) return 0;
  let total = 0;
  const lastDay = localDay(p, toMs_);
  for (let day = localDay(p, fromMs); day <= lastDay; day++) {
    if (!isWorkingDay(p, day)) continue;
    const base = dayStart(p, day);
    const open = Math.max(base + p.startMs, fromMs);
    const close = Math.min(base + p.endMs, toMs_);
    if (close > open) total += close - open;
  }
  return total;
}

/** Earliest instant at which `amountMs` working ms have elapsed since `startMs`. */
function addWorkingMs(p: Plan, startMs: number, amountMs: number): number {
  if (amountMs <= 0) return startMs;
  let remaining = amountMs;
  let idle = 0;
  for (let day = localDay(p, startMs); ; day++) {
    if (isWorkingDay(p, day)) {
      const base = dayStart(p, day);
      const open = Math.max(base + p.startMs, startMs);
      const close = base + p.endMs;
      if (close > open) {
        idle = 0;
        if (remaining <= close - open) return open + remaining;
        remaining -= close - open;
        continue;
      }
    }
    if (++idle > MAX_IDLE_DAYS) {
      throw new Error(`Calendar has no working time in ${MAX_IDLE_DAYS} consecutive days: check workdays and holidays`);
    }
  }
}

function minutesToMs(minutes: number, what: string): number {
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new RangeError(`${what} must be a finite number of minutes >= 0, got ${minutes}`);
  }
  return Math.round(minutes * MINUTE_MS);
}

/** Pauses clipped to [fromMs, toMs] (open pauses end at toMs), merged and sorted. */
function mergedPauses(pauses: PauseInterval[], fromMs: number, toMs_: number): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const [i, pause] of pauses.entries()) {
    const a = Math.max(toMs(pause.from, `pauses[${i}].from`), fromMs);
    const b = Math.min(pause.to === null ? Infinity : toMs(pause.to, `pauses[${i}].to`), toMs_);
    if (b > a) spans.push([a, b]);
  }
  spans.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else merged.push([s[0], s[1]]);
  }
  return merged;
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * Due time: the earliest instant at which `minutes` working minutes have
 * elapsed since `start`. A start outside office hours counts from the next
 * opening. A due time that falls exactly at closing time stays at closing time
 * (e.g. 17:00, not the next morning). `minutes = 0` returns `start` unchanged.
 */
export function addWorkingMinutes(start: Date, minutes: number, cal: CalendarConfig = DEFAULT_CALENDAR): Date {
  const p = plan(cal);
  return new Date(addWorkingMs(p, toMs(start, 'start'), minutesToMs(minutes, 'minutes')));
}

/** Working minutes between `from` and `to` (may be fractional); 0 when `to` is not after `from`. */
export function workingMinutesBetween(from: Date, to: Date, cal: CalendarConfig = DEFAULT_CALENDAR): number {
  const p = plan(cal);
  return workingMsBetween(p, toMs(from, 'from'), toMs(to, 'to')) / MINUTE_MS;
}

/**
 * Elapsed working minutes excluding paused intervals (ticket waiting for the user).
 * Pauses may overlap each other or stick out of [from, to]; a pause with
 * `to: null` (still paused) runs until `to`.
 */
export function workingMinutesExcluding(
  from: Date,
  to: Date,
  pauses: PauseInterval[],
  cal: CalendarConfig = DEFAULT_CALENDAR,
): number {
  const p = plan(cal);
  const fromMs = toMs(from, 'from');
  const toMs_ = toMs(to, 'to');
  if (toMs_ <= fromMs) return 0;
  let total = workingMsBetween(p, fromMs, toMs_);
  for (const [a, b] of mergedPauses(pauses, fromMs, toMs_)) total -= workingMsBetween(p, a, b);
  return total / MINUTE_MS;
}

/**
 * Due date given a target: counts `targetMinutes` working minutes from
 * `start`, not counting paused intervals. Returns null when a pause without
 * end (still paused) begins before the target is reached — the due date is
 * unknown until the ticket resumes. A pause that begins after the target was
 * reached does not change the (already past) due date.
 */
export function dueDate(
  start: Date,
  targetMinutes: number,
  pauses: PauseInterval[],
  cal: CalendarConfig = DEFAULT_CALENDAR,
): Date | null {
  const p = plan(cal);
  let cursor = toMs(start, 'start');
  let remaining = minutesToMs(targetMinutes, 'targetMinutes');
  for (const [a, b] of mergedPauses(pauses, cursor, Infinity)) {
    const before = workingMsBetween(p, cursor, a);
    if (before >= remaining) break;
    remaining -= before;
    if (b === Infinity) return null;
    cursor = b;
  }
  return new Date(addWorkingMs(p, cursor, remaining));
}
