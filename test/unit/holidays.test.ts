import {
  colombianHolidays,
  easterSunday,
  holidayName,
  isColombianHoliday,
  MAX_HOLIDAY_YEAR,
  MIN_HOLIDAY_YEAR,
} from '../../src/domain/sla';

const withYear = (year: number, days: string[]) => days.map((d) => `${year}-${d}`);

function weekday(iso: string): number {
  return new Date(`${iso}T00:00:00Z`).getUTCDay(); // 0 = Sunday, 1 = Monday
}

describe('colombianHolidays', () => {
  it('lists exactly the official holidays of 2024', () => {
    expect(colombianHolidays(2024)).toEqual(
      withYear(2024, [
        '01-01', '01-08', '03-25', '03-28', '03-29', '05-01', '05-13', '06-03', '06-10',
        '07-01', '07-20', '08-07', '08-19', '10-14', '11-04', '11-11', '12-08', '12-25',
      ]),
    );
  });

  it('lists exactly the official holidays of 2025, with San Pedro and Sagrado Corazón sharing June 30', () => {
    expect(colombianHolidays(2025)).toEqual(
      withYear(2025, [
        '01-01', '01-06', '03-24', '04-17', '04-18', '05-01', '06-02', '06-23', '06-30',
        '07-20', '08-07', '08-18', '10-13', '11-03', '11-17', '12-08', '12-25',
      ]),
    );
  });

  it('lists exactly the official holidays of 2026', () => {
    expect(colombianHolidays(2026)).toEqual(
      withYear(2026, [
        '01-01', '01-12', '03-23', '04-02', '04-03', '05-01', '05-18', '06-08', '06-15',
        '06-29', '07-20', '08-07', '08-17', '10-12', '11-02', '11-16', '12-08', '12-25',
      ]),
    );
  });

  it('lists exactly the official holidays of 2023 (Easter on April 9)', () => {
    expect(colombianHolidays(2023)).toEqual(
      withYear(2023, [
        '01-01', '01-09', '03-20', '04-06', '04-07', '05-01', '05-22', '06-12', '06-19',
        '07-03', '07-20', '08-07', '08-21', '10-16', '11-06', '11-13', '12-08', '12-25',
      ]),
    );
  });

  it('lists exactly the official holidays of 2027 (Easter on March 28)', () => {
    expect(colombianHolidays(2027)).toEqual(
      withYear(2027, [
        '01-01', '01-11', '03-22', '03-25', '03-26', '05-01', '05-10', '05-31', '06-07',
        '07-05', '07-20', '08-07', '08-16', '10-18', '11-01', '11-15', '12-08', '12-25',
      ]),
    );
  });

  it('moves an Emiliani holiday to the following Monday when it does not fall on a Monday', () => {
    // Reyes: Tuesday 2026-01-06 → Monday 2026-01-12; Asunción: Saturday 2026-08-15 → Monday 2026-08-17.
    expect(colombianHolidays(2026)).not.toContain('2026-01-06');
    expect(colombianHolidays(2026)).toContain('2026-01-12');
    expect(colombianHolidays(2026)).not.toContain('2026-08-15');
    expect(colombianHolidays(2026)).toContain('2026-08-17');
  });

  it('keeps an Emiliani holiday on its own date when it already falls on a Monday', () => {
    expect(colombianHolidays(2024)).toContain('2024-11-11');
    expect(colombianHolidays(2026)).toContain('2026-10-12');
  });

  it('never moves a fixed holiday, even on a weekend', () => {
    // 2027-12-25 is a Saturday, 2022-01-01 a Saturday.
    expect(colombianHolidays(2027)).toContain('2027-12-25');
    expect(colombianHolidays(2022)).toContain('2022-01-01');
    expect(colombianHolidays(2022)).not.toContain('2022-01-03');
  });

  it('gives a sorted, duplicate-free list of Mondays and fixed dates for every year from 1984 to 2200', () => {
    const fixed = ['01-01', '05-01', '07-20', '08-07', '12-08', '12-25'];
    for (let year = MIN_HOLIDAY_YEAR; year <= MAX_HOLIDAY_YEAR; year++) {
      const list = colombianHolidays(year);
      expect([...list].sort()).toEqual(list);
      expect(new Set(list).size).toBe(list.length);
      expect(list.length === 18 || list.length === 17).toBe(true);
      expect(list.every((d) => d.startsWith(`${year}-`))).toBe(true);
      const easter = Date.parse(`${easterSunday(year)}T00:00:00Z`);
      const holyWeek = [-3, -2].map((o) => new Date(easter + o * 86_400_000).toISOString().slice(0, 10));
      for (const d of list) {
        if (fixed.includes(d.slice(5)) || holyWeek.includes(d)) continue;
        expect({ date: d, weekday: weekday(d) }).toEqual({ date: d, weekday: 1 });
      }
    }
  });

  it('returns a fresh array so that callers cannot corrupt later results', () => {
    const list = colombianHolidays(2026);
    list.push('2026-02-14');
    list.shift();
    expect(colombianHolidays(2026)).toHaveLength(18);
    expect(colombianHolidays(2026)[0]).toBe('2026-01-01');
  });

  it('refuses years outside 1984..2200 with a RangeError', () => {
    expect(() => colombianHolidays(1983)).toThrow(RangeError);
    expect(() => colombianHolidays(2201)).toThrow(/1984\.\.2200/);
    expect(() => colombianHolidays(2026.5)).toThrow(RangeError);
  });
});

describe('easterSunday', () => {
  it.each([
    [1984, '1984-04-22'],
    [2000, '2000-04-23'],
    [2008, '2008-03-23'],
    [2011, '2011-04-24'],
    [2019, '2019-04-21'],
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2038, '2038-04-25'],
    [2285, '2285-03-22'],
  ])('puts Easter %i on %s', (year, expected) => {
    expect(easterSunday(year)).toBe(expected);
  });

  it('always falls on a Sunday between March 22 and April 25', () => {
    for (let year = 1984; year <= 2200; year++) {
      const e = easterSunday(year);
      expect(weekday(e)).toBe(0);
      expect(e.slice(5) >= '03-22' && e.slice(5) <= '04-25').toBe(true);
    }
  });
});

describe('isColombianHoliday', () => {
  it('recognises holidays and ordinary days', () => {
    expect(isColombianHoliday('2026-04-02')).toBe(true);
    expect(isColombianHoliday('2026-04-03')).toBe(true);
    expect(isColombianHoliday('2026-04-01')).toBe(false);
    expect(isColombianHoliday('2026-01-06')).toBe(false);
  });

  it('rejects strings that are not calendar dates as YYYY-MM-DD', () => {
    expect(() => isColombianHoliday('2026-4-2')).toThrow(/YYYY-MM-DD/);
    expect(() => isColombianHoliday('2026-02-30')).toThrow(/Invalid date/);
    expect(() => isColombianHoliday('')).toThrow(/Invalid date/);
  });
});

describe('holidayName', () => {
  it('names holidays in Spanish by default and in English on request', () => {
    expect(holidayName('2026-04-03')).toBe('Viernes Santo');
    expect(holidayName('2026-04-03', 'en')).toBe('Good Friday');
    expect(holidayName('2026-08-07', 'es')).toBe('Batalla de Boyacá');
    expect(holidayName('2026-01-12', 'en')).toBe('Epiphany');
  });

  it('gives both names when two holidays share a day', () => {
    expect(holidayName('2025-06-30')).toBe('Sagrado Corazón de Jesús / San Pedro y San Pablo');
    expect(holidayName('2025-06-30', 'en')).toBe('Sacred Heart / Saints Peter and Paul');
  });

  it('returns null for a day that is not a holiday', () => {
    expect(holidayName('2026-04-01')).toBeNull();
    expect(holidayName('2026-01-06', 'en')).toBeNull();
  });
});
