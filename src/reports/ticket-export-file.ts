/**
 * Writes the tickets CSV export under EXPORT_DIR: shared by the supervisors' chat command and the
 * `npm run export-tickets` CLI. The file appears complete or not at all, and never replaces another.
 */
import type { CatalogService } from '../domain/catalog';
import type { ReportDataSource } from '../domain/reports/metrics';
import { EXPORT_COLUMNS, exportTicketsCsv, type ExportLabels } from '../domain/reports/tickets-export';
import type { CalendarConfig } from '../domain/sla/working-calendar';
import type { Ticket } from '../domain/tickets/model';
import { pick, type Locale } from '../domain/types';
import { messages } from '../i18n';
import { writeNewFile } from '../storage/export-dir';

export function exportLabels(catalog: CatalogService, locale: Locale): ExportLabels {
  const m = messages(locale);
  return {
    headers: Object.fromEntries(EXPORT_COLUMNS.map((c) => [c, m[`csv_${c}`]])) as ExportLabels['headers'],
    status: (t: Ticket) => m[`status_${t.status}`],
    priority: (t: Ticket) => (m as Record<string, string>)[`priority_${t.priority}`] ?? t.priority,
    names: (t: Ticket) => {
      const cat = catalog.catalog.categories.find((c) => c.id === t.categoryId);
      const service = catalog.findService(t.serviceId);
      const template = catalog.findTemplate(t.templateId);
      return {
        category: cat ? pick(cat.name, locale) : t.categoryId,
        service: service ? pick(service.name, locale) : t.serviceId,
        template: template ? pick(template.name, locale) : t.templateId,
      };
    },
    yes: m.yes,
    no: m.no,
    approval: (a) => m[`approval_${a.decision ?? 'pending'}`],
    incidentMaster: m.csvIncidentMaster,
  };
}

/** Exports tickets created from `from` to `to` (YYYY-MM-DD, Bogotá days, inclusive); returns the file and row count. */
export async function writeTicketsExport(opts: {
  data: ReportDataSource;
  catalog: CatalogService;
  dir: string;
  from: string;
  to: string;
  locale: Locale;
  now: Date;
  calendar: CalendarConfig;
}): Promise<{ path: string; rows: number }> {
  const { csv, rows } = await exportTicketsCsv(opts.data, { from: opts.from, to: opts.to }, exportLabels(opts.catalog, opts.locale), opts.now, opts.calendar);
  const stamp = opts.now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  // UTF-8 with a byte-order mark so spreadsheet programs read the accents right. A second export in
  // the same second gets "-2" before ".csv" instead of replacing the first.
  const file = writeNewFile(opts.dir, `casos_${opts.from}_${opts.to}_${stamp}.csv`, `\ufeff${csv}`);
  return { path: file, rows };
}
