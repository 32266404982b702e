import {
  addWorkingMinutes,
  CalendarConfig,
  DEFAULT_CALENDAR,
  dueDate,
  parseOfficeHours,
  workingMinutesBetween,
  workingMinutesExcluding,
} from '../../src/domain/sla';

/** A Bogotá wall-clock time (UTC−5), e.g. bog('2026-04-01 16:00'). */
const bog = (local: string) => new Date(`${local.replace(' ', 'T')}:00-05:00`);

/** Renders an instant as Bogotá wall-clock time 'YYYY-MM-DD HH:MM'. */
const local = (d: Date | null) =>
  d === null ? null : new Date(d.getTime() - 5 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

const HOUR = 60;

describe('parseOfficeHours', () => {
  it('reads a weekday range with opening and closing times', () => {
    expect(parseOfficeHours('mon-fri 07:00-17:00')).toEqual({ workdays: [1, 2, 3, 4, 5], startMinute: 420, endMinute: 1020 });
  });

  it('accepts Spanish day names, accents, capitals and extra spaces', () => {
    expect(parseOfficeHours('  Lun-SÁB   08:00-12:30 ')).toEqual({ workdays: [1, 2, 3, 4, 5, 6], startMinute: 480, endMinute: 750 });
  });

  it('accepts lists of days and ranges that wrap around the week', () => {
    expect(parseOfficeHours('mon,wed,fri 09:00-13:00').workdays).toEqual([1, 3, 5]);
    expect(parseOfficeHours('sat-mon 00:00-24:00')).toEqual({ workdays: [1, 6, 7], startMinute: 0, endMinute: 1440 });
  });

  it.each([
    ['', /empty/],
    ['mon-fri', /days and hours/],
    ['mon-fri 07:00-17:00 extra', /days and hours/],
    ['xyz-fri 07:00-17:00', /unknown day "xyz"/],
    ['mon-tue-fri 07:00-17:00', /not a day or a day range/],
    ['mon,,fri 07:00-17:00', /empty day/],
    ['mon-fri 7-17', /"7" is not a time/],
    ['mon-fri 07:00', /not a time range/],
    ['mon-fri 07:60-17:00', /"07:60" is not a time/],
    ['mon-fri 07:00-25:00', /"25:00" is not a time/],
    ['mon-fri 17:00-07:00', /must be before the closing time/],
    ['mon-fri 08:00-08:00', /must be before the closing time/],
  ])('rejects %j with a clear error', (spec, message) => {
    expect(() => parseOfficeHours(spec)).toThrow(message);
    expect(() => parseOfficeHours(spec)).toThrow(/expected e\.g\. "mon-fri 07:00-17:00"/);
  });
});

describe('addWorkingMinutes', () => {
  it('stays within the same day when office hours allow', () => {
    expect(local(addWorkingMinutes(bog('2026-03-10 09:15'), 2 * HOUR))).toBe('2026-03-10 11:15');
  });

  it('carries the remainder across the night to the next opening', () => {
    expect(local(addWorkingMinutes(bog('2026-03-09 16:00'), 2 * HOUR))).toBe('2026-03-10 08:00');
  });

  it('skips the weekend', () => {
    expect(local(addWorkingMinutes(bog('2026-03-13 16:30'), HOUR))).toBe('2026-03-16 07:30');
  });

  it('skips Holy Thursday and Good Friday: a ticket at Wednesday 2026-04-01 16:00 with 4 working hours is due Monday 10:00', () => {
    expect(local(addWorkingMinutes(bog('2026-04-01 16:00'), 4 * HOUR))).toBe('2026-04-06 10:00');
  });

  it('skips a holiday moved to Monday by Ley Emiliani', () => {
    expect(local(addWorkingMinutes(bog('2026-01-09 16:00'), 2 * HOUR))).toBe('2026-01-13 08:00');
  });

  it('counts from the opening when the ticket arrives before office hours', () => {
    expect(local(addWorkingMinutes(bog('2026-03-10 06:00'), 30))).toBe('2026-03-10 07:30');
  });

  it('counts from the next morning when the ticket arrives after office hours', () => {
    expect(local(addWorkingMinutes(bog('2026-03-10 18:45'), 10))).toBe('2026-03-11 07:10');
  });

  it('counts from Monday morning when the ticket arrives on a Sunday', () => {
    expect(local(addWorkingMinutes(bog('2026-03-01 10:00'), HOUR))).toBe('2026-03-02 08:00');
  });

  it('keeps a due time that lands exactly at closing time on that day', () => {
    expect(local(addWorkingMinutes(bog('2026-03-09 07:00'), 10 * HOUR))).toBe('2026-03-09 17:00');
  });

  it('spans several weeks for long targets', () => {
    // 10 working days from Monday 2026-02-02 07:00 end on Friday 2026-02-13 at closing time.
    expect(local(addWorkingMinutes(bog('2026-02-02 07:00'), 10 * 10 * HOUR))).toBe('2026-02-13 17:00');
  });

  it('returns the start itself for zero minutes and keeps seconds exact', () => {
    const start = bog('2026-03-08 23:00');
    expect(addWorkingMinutes(start, 0).getTime()).toBe(start.getTime());
    expect(addWorkingMinutes(bog('2026-03-10 09:00'), 0.5).toISOString()).toBe('2026-03-10T14:00:30.000Z');
  });

  it('rejects negative or non-finite minutes and invalid dates', () => {
    expect(() => addWorkingMinutes(bog('2026-03-10 09:00'), -1)).toThrow(RangeError);
    expect(() => addWorkingMinutes(bog('2026-03-10 09:00'), Number.NaN)).toThrow(RangeError);
    expect(() => addWorkingMinutes(new Date('nonsense'), 10)).toThrow(/start is not a valid Date/);
  });

  it('follows a custom calendar built from an office-hours spec', () => {
    const saturdays: CalendarConfig = { ...DEFAULT_CALENDAR, ...parseOfficeHours('mon-sat 08:00-12:00') };
    expect(local(addWorkingMinutes(bog('2026-03-13 11:00'), 2 * HOUR, saturdays))).toBe('2026-03-14 09:00');
  });

  it('uses the configured time-zone offset rather than the host time zone', () => {
    const utcOffice: CalendarConfig = { ...DEFAULT_CALENDAR, timeZoneOffsetMinutes: 0 };
    expect(addWorkingMinutes(new Date('2026-03-10T16:30:00Z'), HOUR, utcOffice).toISOString()).toBe('2026-03-11T07:30:00.000Z');
  });

  it('honours a custom holiday list', () => {
    const noHolidays: CalendarConfig = { ...DEFAULT_CALENDAR, holidays: () => [] };
    const extraDay: CalendarConfig = { ...DEFAULT_CALENDAR, holidays: (y) => [...DEFAULT_CALENDAR.holidays(y), `${y}-03-11`] };
    expect(local(addWorkingMinutes(bog('2026-04-01 16:00'), 4 * HOUR, noHolidays))).toBe('2026-04-02 10:00');
    expect(local(addWorkingMinutes(bog('2026-03-10 16:00'), 2 * HOUR, extraDay))).toBe('2026-03-12 08:00');
  });

  it('rejects a calendar without workdays or with inverted hours', () => {
    expect(() => addWorkingMinutes(bog('2026-03-10 09:00'), 10, { ...DEFAULT_CALENDAR, workdays: [] })).toThrow(/no workdays/);
    expect(() => addWorkingMinutes(bog('2026-03-10 09:00'), 10, { ...DEFAULT_CALENDAR, startMinute: 600, endMinute: 500 })).toThrow(
      /startMinute < endMinute/,
    );
  });
});

describe('workingMinutesBetween', () => {
  it('counts only office hours within a day', () => {
    expect(workingMinutesBetween(bog('2026-03-10 06:00'), bog('2026-03-10 09:30'))).toBe(150);
  });

  it('counts across nights, weekends and holidays', () => {
    expect(workingMinutesBetween(bog('2026-03-09 16:00'), bog('2026-03-10 08:00'))).toBe(2 * HOUR);
    expect(workingMinutesBetween(bog('2026-03-13 16:30'), bog('2026-03-16 07:30'))).toBe(HOUR);
    expect(workingMinutesBetween(bog('2026-04-01 16:00'), bog('2026-04-06 10:00'))).toBe(4 * HOUR);
  });

  it('is zero over a weekend or when the end is not after the start', () => {
    expect(workingMinutesBetween(bog('2026-03-14 08:00'), bog('2026-03-15 16:00'))).toBe(0);
    expect(workingMinutesBetween(bog('2026-03-10 10:00'), bog('2026-03-10 09:00'))).toBe(0);
  });

  it('is the inverse of addWorkingMinutes', () => {
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const base = bog('2025-12-01 00:00').getTime();
    for (let i = 0; i < 500; i++) {
      const start = new Date(base + Math.floor(next() * 400 * 24 * 60) * 60_000);
      const minutes = Math.floor(next() * 20_000);
      const due = addWorkingMinutes(start, minutes);
      expect(workingMinutesBetween(start, due)).toBe(minutes);
    }
  });
});

describe('workingMinutesExcluding', () => {
  const from = bog('2026-03-09 07:00');
  const to = bog('2026-03-10 17:00'); // two full working days: 1200 minutes

  it('subtracts the working time spent waiting for the user', () => {
    const pauses = [{ from: bog('2026-03-09 15:00'), to: bog('2026-03-10 09:00') }];
    expect(workingMinutesExcluding(from, to, pauses)).toBe(1200 - 4 * HOUR);
  });

  it('does not subtract overlapping pauses twice', () => {
    const pauses = [
      { from: bog('2026-03-09 08:00'), to: bog('2026-03-09 10:00') },
      { from: bog('2026-03-09 09:00'), to: bog('2026-03-09 11:00') },
    ];
    expect(workingMinutesExcluding(from, to, pauses)).toBe(1200 - 3 * HOUR);
  });

  it('ignores pauses outside the interval and clips those that stick out', () => {
    const pauses = [
      { from: bog('2026-03-02 08:00'), to: bog('2026-03-03 08:00') },
      { from: bog('2026-03-06 12:00'), to: bog('2026-03-09 08:00') },
      { from: bog('2026-03-10 16:00'), to: bog('2026-03-12 12:00') },
    ];
    expect(workingMinutesExcluding(from, to, pauses)).toBe(1200 - 2 * HOUR);
  });

  it('treats a pause that has not ended as running until the end of the interval', () => {
    const pauses = [{ from: bog('2026-03-10 13:00'), to: null }];
    expect(workingMinutesExcluding(from, to, pauses)).toBe(1200 - 4 * HOUR);
  });

  it('equals workingMinutesBetween when there are no pauses', () => {
    expect(workingMinutesExcluding(from, to, [])).toBe(workingMinutesBetween(from, to));
  });
});

describe('dueDate', () => {
  it('equals addWorkingMinutes when the ticket was never paused', () => {
    expect(local(dueDate(bog('2026-04-01 16:00'), 4 * HOUR, []))).toBe('2026-04-06 10:00');
  });

  it('pushes the due date back by the working time spent waiting for the user', () => {
    // 8 working hours from Monday 09:00 → Monday 17:00; a 2-hour pause on Monday → Tuesday 09:00.
    const pauses = [{ from: bog('2026-03-09 10:00'), to: bog('2026-03-09 12:00') }];
    expect(local(dueDate(bog('2026-03-09 09:00'), 8 * HOUR, pauses))).toBe('2026-03-10 09:00');
  });

  it('only counts the working part of a pause that spans a night and a weekend', () => {
    // Paused Friday 16:00 → Monday 08:00: 2 working hours.
    const pauses = [{ from: bog('2026-03-13 16:00'), to: bog('2026-03-16 08:00') }];
    expect(local(dueDate(bog('2026-03-13 08:00'), 10 * HOUR, pauses))).toBe('2026-03-16 10:00');
  });

  it('returns null while the ticket is still waiting for the user', () => {
    const pauses = [{ from: bog('2026-03-09 10:00'), to: null }];
    expect(dueDate(bog('2026-03-09 09:00'), 8 * HOUR, pauses)).toBeNull();
  });

  it('keeps the due date when an open pause began after the target was already reached', () => {
    const pauses = [{ from: bog('2026-03-11 10:00'), to: null }];
    expect(local(dueDate(bog('2026-03-09 09:00'), 8 * HOUR, pauses))).toBe('2026-03-09 17:00');
  });

  it('clips a pause that began before the start and ignores pauses after the due date', () => {
    const pauses = [
      { from: bog('2026-03-06 09:00'), to: bog('2026-03-09 10:00') },
      { from: bog('2026-03-12 09:00'), to: bog('2026-03-12 12:00') },
    ];
    // The first pause overlaps the start by one working hour (09:00-10:00 Monday).
    expect(local(dueDate(bog('2026-03-09 09:00'), 8 * HOUR, pauses))).toBe('2026-03-10 08:00');
  });

  it('handles several pauses, overlapping ones included', () => {
    const pauses = [
      { from: bog('2026-03-09 14:00'), to: bog('2026-03-09 15:00') },
      { from: bog('2026-03-09 08:00'), to: bog('2026-03-09 09:00') },
      { from: bog('2026-03-09 08:30'), to: bog('2026-03-09 09:30') },
    ];
    // 4 working hours from Monday 07:00; 08:00-09:30 is paused (merged), the 14:00 pause comes after the due time.
    expect(local(dueDate(bog('2026-03-09 07:00'), 4 * HOUR, pauses))).toBe('2026-03-09 12:30');
  });

  it('gives every start of a year a due date after it, through pauses', () => {
    const base = bog('2026-01-01 00:00').getTime();
    for (let i = 0; i < 10_000; i++) {
      const start = new Date(base + ((i * 7919) % (365 * 24 * 60)) * 60_000);
      const pauses = [{ from: new Date(start.getTime() + 3_600_000), to: new Date(start.getTime() + 30 * 3_600_000) }];
      const due = dueDate(start, 24 * HOUR, pauses);
      expect(due).not.toBeNull();
      expect(due!.getTime()).toBeGreaterThan(start.getTime() + 24 * 3_600_000);
    }
  });
});
