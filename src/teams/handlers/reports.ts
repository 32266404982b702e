/**
 * Supervisors' reports: "indicadores" / "metrics" (a card computed by domain/reports/metrics) and
 * "exportar casos AAAA-MM-DD AAAA-MM-DD" (a CSV under EXPORT_DIR), "historial del radicado X" (its audit
 * trail as JSON under EXPORT_DIR). Everyone else gets a refusal.
 */
import { computeMetrics, metricsSince, type Compliance, type GroupRow } from '../../domain/reports/metrics';
import { DateRangeError, MAX_EXPORT_DAYS } from '../../domain/reports/tickets-export';
import { pick, type Locale } from '../../domain/types';
import { formatDateTime, t } from '../../i18n';
import { writeTicketsExport } from '../../reports/ticket-export-file';
import { writeHistoryExport } from '../../reports/history-export-file';
import type { Ticket } from '../../domain/tickets/model';
import { escapeMarkdown } from '../cards';
import { notFound } from '../gate';
import type { Turn } from '../turn';
import { age } from '../render/format';
import { numberFormat } from '../../domain/intl-cache';

async function requireSupervisor(turn: Turn): Promise<boolean> {
  const user = await turn.user();
  if (user.roles.includes('supervisor')) return true;
  await turn.notice(turn.messages.notSupervisor, { color: 'Attention' });
  return false;
}

/** Working minutes as "3 h 20 min" / "45 min". */
export function duration(minutes: number | null, locale: Locale): string {
  if (minutes === null) return t(locale, 'metricsNone');
  const total = Math.round(minutes);
  const h = Math.floor(total / 60);
  const m = total % 60;
  return h ? t(locale, 'durationHm', { h, m }) : t(locale, 'durationM', { m });
}

function percent(c: Compliance, locale: Locale): string {
  if (c.percent === null) return t(locale, 'metricsNone');
  const pct = numberFormat(locale === 'en' ? 'en-US' : 'es-CO', { maximumFractionDigits: 1 }).format(c.percent);
  return t(locale, 'metricsCompliance', { percent: pct, met: c.met, total: c.total });
}

function satisfaction(avg: number | null, n: number, locale: Locale): string {
  if (avg === null) return t(locale, 'metricsNone');
  const v = numberFormat(locale === 'en' ? 'en-US' : 'es-CO', { maximumFractionDigits: 2 }).format(avg);
  return t(locale, 'metricsSatisfactionValue', { avg: v, n });
}

function row(g: GroupRow, locale: Locale) {
  return {
    name: escapeMarkdown(g.name, 120),
    text: t(locale, 'metricsRow', {
      open: g.open,
      opened: g.opened,
      resolved: g.resolved,
      median: duration(g.medianResolutionMinutes, locale),
      compliance: percent(g.resolutionCompliance, locale),
      satisfaction: satisfaction(g.satisfactionAverage, g.surveys, locale),
    }),
  };
}

export async function showMetrics(turn: Turn): Promise<void> {
  if (!(await requireSupervisor(turn))) return;
  const now = turn.services.clock.now();
  const cal = turn.services.calendar;
  const l = turn.locale;
  const items = await turn.services.reports.forMetrics(metricsSince(now, cal));
  const cats = turn.services.catalog.catalog.categories;
  const m = computeMetrics(items, now, cal, { categoryName: (id) => { const c = cats.find((x) => x.id === id); return c ? pick(c.name, l) : id; } });
  const fact = (title: string, value: string | number) => ({ title, value: String(value) });
  await turn.show(
    turn.card('metrics', {
      asOf: turn.text('metricsAsOf', { at: formatDateTime(now, l) }),
      now: [
        fact(turn.messages.metricsOpen, m.open),
        fact(turn.messages.metricsQueue, m.queueLength),
        fact(turn.messages.metricsPendingApprovals, m.pendingApprovals),
        fact(turn.messages.metricsOldest, m.oldestWaiting ? `${m.oldestWaiting.radicado} (${age(m.oldestWaiting.createdAt, now, l)})` : turn.messages.metricsNone),
        fact(turn.messages.metricsOpenedToday, m.openedToday),
        fact(turn.messages.metricsClosedToday, m.closedToday),
        fact(turn.messages.metricsOpenedWeek, m.openedThisWeek),
        fact(turn.messages.metricsClosedWeek, m.closedThisWeek),
      ],
      window: turn.text('metricsWindow', { days: m.windowDays }),
      period: [
        fact(turn.messages.metricsMedianFirstResponse, duration(m.medianFirstResponseMinutes, l)),
        fact(turn.messages.metricsMedianResolution, duration(m.medianResolutionMinutes, l)),
        fact(turn.messages.metricsMedianApproval, duration(m.medianApprovalMinutes, l)),
        fact(turn.messages.metricsApprovals, `${m.approved} / ${m.rejected}`),
        fact(turn.messages.metricsFirstResponseCompliance, percent(m.firstResponseCompliance, l)),
        fact(turn.messages.metricsResolutionCompliance, percent(m.resolutionCompliance, l)),
        fact(turn.messages.metricsSatisfaction, satisfaction(m.satisfactionAverage, m.surveys, l)),
        ...(await incidentFacts(turn, metricsSince(now, cal, m.windowDays))),
      ],
      categories: m.byCategory.map((g) => row(g, l)),
      engineers: m.byEngineer.map((g) => row(g, l)),
      ...(await knowledgeFigures(turn, now)),
    }),
  );
}

/** Major incidents of the period: open now, declared / resolved, linked tickets, median time to resolve. */
async function incidentFacts(turn: Turn, since: Date) {
  const s = await turn.services.incidents.summary(since);
  const l = turn.locale;
  return [
    { title: turn.messages.metricsIncidents, value: t(l, 'metricsIncidentsValue', { open: s.open, declared: s.declared, resolved: s.resolved }) },
    { title: turn.messages.metricsIncidentLinked, value: String(s.linked) },
    { title: turn.messages.metricsIncidentMedian, value: s.medianResolveMinutes === null ? turn.messages.metricsNone : clockDuration(s.medianResolveMinutes, l) },
  ];
}

/** Wall-clock minutes as "3 h 20 min" (or days and hours past a day). */
function clockDuration(minutes: number, locale: Locale): string {
  const total = Math.round(minutes);
  if (total >= 1440) return t(locale, 'durationDh', { d: Math.floor(total / 1440), h: Math.floor((total % 1440) / 60) });
  return duration(total, locale);
}

/** The knowledge base's part of the metrics card: deflection counted honestly, and what to write next. */
async function knowledgeFigures(turn: Turn, now: Date) {
  const l = turn.locale;
  const kb = turn.services.knowledge;
  const r = await kb.deflection(new Date(now.getTime() - 30 * 86_400_000), now);
  const drafts = (await kb.drafts()).length;
  const measurable = r.answers - r.pending;
  const rate = r.rate === null ? turn.messages.metricsKbDeflectionNone : t(l, 'metricsKbDeflectionValue', {
    rate: numberFormat(l === 'en' ? 'en-US' : 'es-CO', { maximumFractionDigits: 1 }).format(r.rate),
    deflected: r.deflected,
    measurable,
    pending: r.pending,
  });
  const line = (title: string, text: string) => ({ name: escapeMarkdown(title, 200), text: escapeMarkdown(text, 300) });
  return {
    kbFacts: [
      { title: turn.messages.metricsKbArticles, value: String(kb.publishedCount) },
      { title: turn.messages.metricsKbAnswers, value: String(r.answers) },
      { title: turn.messages.metricsKbDeflection, value: rate },
      { title: turn.messages.kbDraftsWaiting, value: String(drafts) },
    ],
    kbTop: r.topArticles.map((a) => line(a.title, t(l, 'metricsKbTopLine', { shown: a.shown, answered: a.answered, helpful: a.helpful, notHelpful: a.notHelpful }))),
    kbNoResult: r.noResult.map((q) => line(`«${q.query}»`, t(l, 'metricsKbTimes', { count: q.count }))),
    kbFiledAnyway: r.filedAnyway.map((a) => line(a.title, t(l, 'metricsKbTimes', { count: a.count }))),
    kbActions: drafts ? [{ title: turn.messages.btnDrafts, verb: 'kb.drafts', data: {} }] : [],
  };
}

/** "2026-11-1" → "2026-11-01"; anything else unchanged (validated by parseDateRange). */
function padDate(d: string): string {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(d);
  return m ? `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}` : d;
}

export async function exportTickets(turn: Turn, from?: string, to?: string): Promise<void> {
  if (!(await requireSupervisor(turn))) return;
  if (!from || !to) {
    await turn.notice(turn.messages.exportUsage);
    return;
  }
  try {
    const res = await writeTicketsExport({
      data: turn.services.reports,
      catalog: turn.services.catalog,
      dir: turn.services.cfg.exportDir,
      from: padDate(from),
      to: padDate(to),
      locale: turn.locale,
      now: turn.services.clock.now(),
      calendar: turn.services.calendar,
    });
    turn.services.log.info({ by: turn.oid, file: res.path, rows: res.rows }, 'tickets exported');
    await turn.notice(turn.text('exportDone', { rows: res.rows, from: padDate(from), to: padDate(to), path: escapeMarkdown(res.path, 500) }), { color: 'Good' });
  } catch (err) {
    if (err instanceof DateRangeError) {
      await turn.notice(turn.text('exportInvalid', { max: MAX_EXPORT_DAYS }), { color: 'Attention' });
      return;
    }
    turn.services.log.error({ err }, 'tickets export failed');
    await turn.notice(turn.messages.exportFailed, { color: 'Attention' });
  }
}

/**
 * "historial del radicado X" (supervisors; the gate checked the role and found the ticket): the
 * ticket's audit trail as a JSON file under EXPORT_DIR, like "exportar casos".
 */
export async function exportHistory(turn: Turn, ticket: Ticket): Promise<void> {
  try {
    const trail = await turn.services.history.auditTrail(ticket.radicado);
    if (!trail) return notFound(turn, { radicado: ticket.radicado });
    const res = writeHistoryExport(trail, turn.services.cfg.exportDir, turn.services.clock.now());
    turn.services.log.info({ by: turn.oid, radicado: ticket.radicado, file: res.path, events: res.events }, 'ticket history exported');
    await turn.notice(turn.text('historyDone', { radicado: ticket.radicado, events: res.events, path: escapeMarkdown(res.path, 500) }), { color: 'Good' });
  } catch (err) {
    turn.services.log.error({ err }, 'history export failed');
    await turn.notice(turn.messages.historyFailed, { color: 'Attention' });
  }
}
