/**
 * The office-hours setting as people write it ("mon-fri 07:00-17:00", "lun-vie 07:00-12:00"), read
 * into workdays and minutes of the day, with a message that says what was expected when it is wrong.
 */
import type { CalendarConfig } from './working-calendar';

const DAY_NAMES: Record<string, number> = {
  mon: 1, monday: 1, lun: 1, lunes: 1,
  tue: 2, tues: 2, tuesday: 2, mar: 2, martes: 2,
  wed: 3, wednesday: 3, mie: 3, mié: 3, miercoles: 3, miércoles: 3,
  thu: 4, thur: 4, thurs: 4, thursday: 4, jue: 4, jueves: 4,
  fri: 5, friday: 5, vie: 5, viernes: 5,
  sat: 6, saturday: 6, sab: 6, sáb: 6, sabado: 6, sábado: 6,
  sun: 7, sunday: 7, dom: 7, domingo: 7,
};

const SPEC_EXAMPLE = 'expected e.g. "mon-fri 07:00-17:00" (days: mon..sun or lun..dom, ranges "mon-fri" or lists "mon,wed,fri"; times HH:MM, 24-hour clock)';

function dayNumber(name: string, spec: string): number {
  const n = DAY_NAMES[name];
  if (n === undefined) {
    throw new Error(`Invalid office hours "${spec}": unknown day "${name}"; ${SPEC_EXAMPLE}`);
  }
  return n;
}

function timeMinute(text: string, spec: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  const hours = m ? Number(m[1]) : NaN;
  const minutes = m ? Number(m[2]) : NaN;
  if (!m || minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) {
    throw new Error(`Invalid office hours "${spec}": "${text}" is not a time between 00:00 and 24:00; ${SPEC_EXAMPLE}`);
  }
  return hours * 60 + minutes;
}

/**
 * Parses an office-hours spec such as "mon-fri 07:00-17:00",
 * "lun-sáb 08:00-12:30" or "mon,wed,fri 09:00-13:00". Day ranges may wrap
 * ("sat-mon" = Saturday, Sunday, Monday). Case-insensitive.
 * @throws Error explaining what is wrong and what is expected.
 */
export function parseOfficeHours(spec: string): Pick<CalendarConfig, 'workdays' | 'startMinute' | 'endMinute'> {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new Error(`Invalid office hours: the spec is empty; ${SPEC_EXAMPLE}`);
  }
  const parts = spec.trim().toLowerCase().split(/\s+/);
  if (parts.length !== 2) {
    throw new Error(`Invalid office hours "${spec}": expected days and hours separated by a space; ${SPEC_EXAMPLE}`);
  }
  const [daysPart, hoursPart] = parts;

  const days = new Set<number>();
  for (const item of daysPart.split(',')) {
    if (item === '') throw new Error(`Invalid office hours "${spec}": empty day in "${daysPart}"; ${SPEC_EXAMPLE}`);
    const range = item.split('-');
    if (range.length === 1) {
      days.add(dayNumber(range[0], spec));
    } else if (range.length === 2) {
      const first = dayNumber(range[0], spec);
      const last = dayNumber(range[1], spec);
      for (let d = first; ; d = (d % 7) + 1) {
        days.add(d);
        if (d === last) break;
      }
    } else {
      throw new Error(`Invalid office hours "${spec}": "${item}" is not a day or a day range; ${SPEC_EXAMPLE}`);
    }
  }

  const times = hoursPart.split('-');
  if (times.length !== 2) {
    throw new Error(`Invalid office hours "${spec}": "${hoursPart}" is not a time range HH:MM-HH:MM; ${SPEC_EXAMPLE}`);
  }
  const startMinute = timeMinute(times[0], spec);
  const endMinute = timeMinute(times[1], spec);
  if (startMinute >= endMinute) {
    throw new Error(`Invalid office hours "${spec}": the opening time ${times[0]} must be before the closing time ${times[1]}; ${SPEC_EXAMPLE}`);
  }
  return { workdays: [...days].sort((a, b) => a - b), startMinute, endMinute };
}

