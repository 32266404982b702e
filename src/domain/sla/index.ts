/** SLA time arithmetic: Colombian public holidays and the working calendar (office hours, pauses, due dates). */
export { colombianHolidays, easterSunday, holidayName, isColombianHoliday, MAX_HOLIDAY_YEAR, MIN_HOLIDAY_YEAR } from './holidays';
export type { HolidayLocale } from './holidays';
export { adjustedHolidays, HolidayConfigError, NO_HOLIDAY_ADJUSTMENTS, parseHolidayAdjustments } from './holiday-adjustments';
export type { HolidayAdjustments } from './holiday-adjustments';
export {
  addWorkingMinutes,
  DEFAULT_CALENDAR,
  dueDate,
  workingMinutesBetween,
  workingMinutesExcluding,
} from './working-calendar';
export type { CalendarConfig, PauseInterval } from './working-calendar';
export { parseOfficeHours } from './office-hours';
export { parseSlaPolicy, SlaConfigError, targetsFor } from './policy';
export type { SlaPolicy, SlaTargets } from './policy';
export { dueAlerts, RUNNING_STATUSES, SlaClock, slaState, slaTransition, type SlaState } from './ticket-sla';
export type { SlaAlertKind, SlaTarget } from './ticket-sla';
