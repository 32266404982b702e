/** The institution's configuration files (catalog, SLA policy, holidays, approvals), read and validated at start-up with fix-it messages. */
import fs from 'node:fs';
import type { Config } from './config';
import { CatalogService, parseCatalog, CatalogError } from './domain/catalog';
import { parseSlaPolicy, SlaConfigError, type SlaPolicy } from './domain/sla/policy';
import { DEFAULT_CALENDAR, type CalendarConfig } from './domain/sla/working-calendar';
import { ApprovalSetupError, approvalSetupProblems } from './identity/approval-setup';
import type { FileDirectory } from './identity/file-directory';
import { adjustedHolidays, HolidayConfigError, NO_HOLIDAY_ADJUSTMENTS, parseHolidayAdjustments, type HolidayAdjustments } from './domain/sla/holiday-adjustments';

export function loadCatalog(file: string): CatalogService {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CatalogError(`CATALOG_PATH ${file} could not be read as JSON: ${(err as Error).message}`, []);
  }
  return new CatalogService(parseCatalog(json, file));
}

/** Reads and validates SLA_PATH against the catalog's template ids; throws SlaConfigError. */
export function loadSlaPolicy(file: string, catalog: CatalogService): SlaPolicy {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SlaConfigError(
      `SLA_PATH ${file} could not be read as JSON (${(err as Error).message}). Create it (see config/sla.json in the repository) or point SLA_PATH to it.`,
    );
  }
  const templates = new Set(catalog.catalog.categories.flatMap((c) => c.services.flatMap((s) => s.templates.map((t) => t.id))));
  return parseSlaPolicy(json, file, templates);
}

/** Reads and validates HOLIDAYS_PATH (the institution's added and removed days); throws HolidayConfigError. */
export function loadHolidayAdjustments(file: string, required: boolean): HolidayAdjustments {
  if (!required && !fs.existsSync(file)) return NO_HOLIDAY_ADJUSTMENTS;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HolidayConfigError(
      `HOLIDAYS_PATH ${file} could not be read as JSON (${(err as Error).message}). Create it (see config/holidays.json in the repository) or unset HOLIDAYS_PATH.`,
    );
  }
  return parseHolidayAdjustments(json, file);
}

/**
 * The SLA calendar: SLA_OFFICE_HOURS in America/Bogota (UTC−5, no DST), Colombian public holidays
 * off, with the days config/holidays.json adds or removes.
 */
export function slaCalendar(cfg: Config): CalendarConfig {
  const o = cfg.sla.officeHours;
  const holidays = adjustedHolidays(loadHolidayAdjustments(cfg.sla.holidays.path, cfg.sla.holidays.required));
  return { ...DEFAULT_CALENDAR, workdays: o.workdays, startMinute: o.startMinute, endMinute: o.endMinute, holidays };
}

/**
 * Checks that the catalog's approvals can find their approvers in the directory file and that the
 * directory's managers, delegates, approver groups and absences are readable.
 * @throws ApprovalSetupError listing every problem, one fix-it line each.
 */
export function checkApprovalSetup(catalog: CatalogService, directory: FileDirectory): void {
  const details = approvalSetupProblems(catalog, directory);
  if (details.length === 0) return;
  const count = details.length === 1 ? '1 problem' : `${details.length} problems`;
  throw new ApprovalSetupError(`Approvals set-up (catalog and ${directory.origin}) has ${count}:\n${details.map((d) => `  - ${d}`).join('\n')}`, details);
}
