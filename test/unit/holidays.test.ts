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

  it('lists exactly the official holidays of 2026, with Chiquinquirá on July 13 (Ley 2578 de 2026)', () => {
    expect(colombianHolidays(2026)).toEqual(
      withYear(2026, [
        '01-01', '01-12', '03-23', '04-02', '04-03', '05-01', '05-18', '06-08', '06-15',
        '06-29', '07-13', '07-20', '08-07', '08-17', '10-12', '11-02', '11-16', '12-08', '12-25',
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
        '07-05', '07-12', '07-20', '08-07', '08-16', '10-18', '11-01', '11-15', '12-08', '12-25',
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
      // 18 days (17 when two share one); one more from 2026 (Chiquinquirá never shares its Monday).
      const days = year >= 2026 ? 19 : 18;
      expect(list.length === days || list.length === days - 1).toBe(true);
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
    expect(colombianHolidays(2026)).toHaveLength(19);
    expect(colombianHolidays(2026)[0]).toBe('2026-01-01');
  });

  it('refuses years outside 1984..2200 with a RangeError', () => {
    expect(() => colombianHolidays(1983)).toThrow(RangeError);
    expect(() => colombianHolidays(2201)).toThrow(/1984\.\.2200/);
    expect(() => colombianHolidays(2026.5)).toThrow(RangeError);
  });
});

/**
 * An independent table of Colombia's holidays, built from the laws rather than from the code's rule
 * list and offsets: fixed dates (Ley 51 de 1983, art. 1); the Emiliani days moved to the Monday on or
 * after their date, including the three feasts whose date follows Easter (Ascensión on Easter + 39,
 * Corpus Christi + 60, Sagrado Corazón + 68, each moved to its Monday); Holy Thursday and Good Friday;
 * from 2026 Nuestra Señora del Rosario de Chiquinquirá (Ley 2578 de 2026, art. 6: 9 July, moved to
 * the Monday). Easter by Oudin's algorithm (1940; as given by Tøndering), not the Meeus/Jones/Butcher
 * one the code uses.
 */
function lawTable(year: number): string[] {
  const day = (m: number, d: number) => new Date(Date.UTC(year, m - 1, d)).toISOString().slice(0, 10);
  const plus = (iso: string, n: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const monday = (iso: string) => plus(iso, (8 - weekday(iso)) % 7);
  const g = year % 19;
  const c = Math.floor(year / 100);
  const h = (c - Math.floor(c / 4) - Math.floor((8 * c + 13) / 25) + 19 * g + 15) % 30;
  const i = h - Math.floor(h / 28) * (1 - Math.floor(29 / (h + 1)) * Math.floor((21 - g) / 11));
  const j = (year + Math.floor(year / 4) + i + 2 - c + Math.floor(c / 4)) % 7;
  const l = i - j;
  const month = 3 + Math.floor((l + 40) / 44);
  const easter = day(month, l + 28 - 31 * Math.floor(month / 4));
  const days = new Set([day(1, 1), day(5, 1), day(7, 20), day(8, 7), day(12, 8), day(12, 25), plus(easter, -3), plus(easter, -2)]);
  for (const [m, d] of [[1, 6], [3, 19], [6, 29], [8, 15], [10, 12], [11, 1], [11, 11]]) days.add(monday(day(m, d)));
  for (const offset of [39, 60, 68]) days.add(monday(plus(easter, offset)));
  if (year >= 2026) days.add(monday(day(7, 9)));
  return [...days].sort();
}

describe('the holidays against a table built from the laws', () => {
  it('agree for every year from 1990 to 2100 (2,053 days)', () => {
    let total = 0;
    for (let year = 1990; year <= 2100; year++) {
      expect({ year, days: colombianHolidays(year) }).toEqual({ year, days: lawTable(year) });
      total += lawTable(year).length;
    }
    expect(total).toBe(2053);
  });

  it('have Chiquinquirá on the Monday on or after 9 July from 2026, and not before', () => {
    expect(colombianHolidays(2026)).toContain('2026-07-13');
    expect(colombianHolidays(2027)).toContain('2027-07-12');
    expect(colombianHolidays(2028)).toContain('2028-07-10');
    expect(colombianHolidays(2030)).toContain('2030-07-15');
    expect(colombianHolidays(2035)).toContain('2035-07-09'); // already a Monday
    expect(colombianHolidays(2025).filter((d) => d.slice(5, 7) === '07')).toEqual(['2025-07-20']);
    expect(holidayName('2026-07-13')).toBe('Nuestra Señora del Rosario de Chiquinquirá');
    expect(holidayName('2027-07-12', 'en')).toBe('Our Lady of the Rosary of Chiquinquirá');
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
