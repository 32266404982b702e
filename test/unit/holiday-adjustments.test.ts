/**
 * config/holidays.json: the institution's added and removed days, validated with messages that say
 * how to fix each entry, and the calendar they give.
 */
import fs from 'node:fs';
import path from 'node:path';
import { adjustedHolidays, colombianHolidays, HolidayConfigError, parseHolidayAdjustments, addWorkingMinutes, DEFAULT_CALENDAR } from '../../src/domain/sla';

const bog = (local: string) => new Date(`${local.replace(' ', 'T')}:00-05:00`);
const problems = (json: unknown): string => {
  try {
    parseHolidayAdjustments(json, 'config/holidays.json');
  } catch (err) {
    expect(err).toBeInstanceOf(HolidayConfigError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('parseHolidayAdjustments', () => {
  it('accepts the shipped file (no changes) and a file with both lists', () => {
    const shipped = JSON.parse(fs.readFileSync(path.join(__dirname, '../../config/holidays.json'), 'utf8'));
    expect(parseHolidayAdjustments(shipped, 'config/holidays.json')).toEqual({ add: [], remove: [] });
    expect(
      parseHolidayAdjustments(
        { version: 1, add: [{ date: '2026-12-24', name: 'Día cívico' }], remove: [{ date: '2026-07-13', reason: 'Se trabaja' }, { date: '2027-01-11' }] },
        'f',
      ),
    ).toEqual({ add: [{ date: '2026-12-24', name: 'Día cívico' }], remove: [{ date: '2026-07-13', reason: 'Se trabaja' }, { date: '2027-01-11' }] });
  });

  it('names every problem with its entry and what to do', () => {
    const m = problems({
      version: 1,
      add: [
        { date: '24/12/2026', name: 'x' },
        { date: '2026-02-29', name: 'x' },
        { date: '2026-12-25', name: 'Navidad otra vez' },
        { date: '2026-12-24', name: '' },
        { date: '2026-12-31', name: 'Fin de año' },
        { date: '2026-12-31', name: 'Otra vez' },
        { date: '1900-01-02', name: 'x' },
      ],
      remove: [{ date: '2026-07-14' }, { date: '2026-07-13', note: 'x' }],
    });
    expect(m).toContain('HOLIDAYS_PATH config/holidays.json is invalid:');
    expect(m).toContain('add.0.date: expected a date as YYYY-MM-DD, e.g. "2026-12-24"');
    expect(m).toContain('add.3.name: give the day a name (e.g. the decree that grants it)');
    expect(m).toContain("remove.1: Unrecognized key(s) in object: 'note'");
    expect(m).toContain('Expected {"version": 1, "add": [{"date": "YYYY-MM-DD", "name": "…"}], "remove": [{"date": "YYYY-MM-DD", "reason": "…"}]}');
    // The dates are checked once the shape is right.
    const dates = problems({
      version: 1,
      add: [{ date: '2026-02-29', name: 'x' }, { date: '2026-12-25', name: 'Navidad otra vez' }, { date: '2026-12-31', name: 'a' }, { date: '2026-12-31', name: 'b' }, { date: '1900-01-02', name: 'x' }],
      remove: [{ date: '2026-07-14' }, { date: '2026-07-13' }, { date: '2026-07-13' }],
    });
    expect(dates).toContain('add.0.date: "2026-02-29" is not a calendar date; write YYYY-MM-DD, e.g. "2026-12-24"');
    expect(dates).toContain('add.1.date: 2026-12-25 is already a public holiday (Navidad); remove this entry');
    expect(dates).toContain('add.3.date: 2026-12-31 is already listed at add.2; keep one entry');
    expect(dates).toContain('add.4.date: "1900-01-02" is outside the years the calendar covers (1984..2200)');
    expect(dates).toContain(`remove.0.date: 2026-07-14 is not a public holiday, so there is nothing to remove; the holidays of 2026 are ${colombianHolidays(2026).join(', ')}`);
    expect(dates).toContain('remove.2.date: 2026-07-13 is already listed at remove.1; keep one entry');
    expect(problems({ add: [] })).toContain('version: Invalid literal value, expected 1');
    expect(problems([])).toContain('(root): Expected object, received array');
  });
});

describe('adjustedHolidays', () => {
  const adj = parseHolidayAdjustments({ version: 1, add: [{ date: '2026-11-25', name: 'Día cívico' }, { date: '2027-03-01', name: 'Fiestas del municipio' }], remove: [{ date: '2026-07-13' }] }, 'f');
  const days = adjustedHolidays(adj);

  it('adds and removes days in their own year only, sorted, each once', () => {
    expect(days(2026)).toEqual([...colombianHolidays(2026).filter((d) => d !== '2026-07-13'), '2026-11-25'].sort());
    expect(days(2027)).toEqual([...colombianHolidays(2027), '2027-03-01'].sort());
    expect(days(2025)).toEqual(colombianHolidays(2025));
  });

  it('is the public holidays themselves without changes', () => {
    expect(adjustedHolidays({ add: [], remove: [] })).toBe(colombianHolidays);
  });

  it('moves a due time past an added day, and counts a removed holiday as working time', () => {
    const cal = { ...DEFAULT_CALENDAR, holidays: days };
    // Tuesday 16:00 + 8 working hours: Wednesday 14:00 normally, Thursday 14:00 with the civic day.
    expect(addWorkingMinutes(bog('2026-11-24 16:00'), 480)).toEqual(bog('2026-11-25 14:00'));
    expect(addWorkingMinutes(bog('2026-11-24 16:00'), 480, cal)).toEqual(bog('2026-11-26 14:00'));
    // Friday 16:00 + 8 h: Tuesday after Chiquinquirá normally, the Monday when the institution works it.
    expect(addWorkingMinutes(bog('2026-07-10 16:00'), 480)).toEqual(bog('2026-07-14 14:00'));
    expect(addWorkingMinutes(bog('2026-07-10 16:00'), 480, cal)).toEqual(bog('2026-07-13 14:00'));
  });
});
