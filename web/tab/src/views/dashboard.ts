/**
 * #/dashboard (supervisors): the figures, and six charts (chart.js), each with the same numbers as a
 * table right under it (for screen readers, and for anyone who wants the exact values), and the CSV.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';
import { call, getJson } from '../api';
import { clear, h, select } from '../dom';
import { lang, num, tr, type Key } from '../i18n';
import { announce, heading, type View } from '../shell';
import type { Dashboard, SlaRow } from '../types';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

let days = '30';

/** A Bogotá day label ("2026-11-02") as a reader says it ("2 nov"). */
function dayText(label: string): string {
  const d = new Date(`${label}T12:00:00Z`);
  return new Intl.DateTimeFormat(lang() === 'es' ? 'es-CO' : 'en-US', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(d);
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

type Cell = string | number | null;

interface ChartSpec {
  name: string;
  title: Key;
  summary: string;
  head: Key[];
  rows: { key?: string; cells: Cell[] }[];
  config(): ChartConfiguration;
}

export const dashboardView: View = async (ctx) => {
  const { root } = ctx;
  const charts: Chart[] = [];
  let stopped = false;
  const picker = select({ id: 'd-days', name: 'days' }, ['7', '30', '90'].map((n): [string, string] => [n, tr('lastDays', { n })]), days);
  const csv = h('button', { type: 'button', className: 'btn' }, tr('downloadCsv'));
  const body = h('div', { id: 'dashboard-body' }, h('p', {}, tr('loading')));
  clear(root);
  root.append(
    heading(tr('dashboardTitle')),
    h('div', { className: 'toolbar' }, h('div', { className: 'field' }, h('label', { for: 'd-days' }, tr('period')), picker), h('div', { className: 'field field-button' }, csv)),
    body,
  );

  const destroy = () => {
    while (charts.length) charts.pop()!.destroy();
  };

  const load = async () => {
    let r;
    try {
      r = await getJson<Dashboard>(`dashboard?days=${days}`);
    } catch {
      r = undefined;
    }
    if (stopped) return;
    destroy();
    clear(body);
    if (!r || r.status !== 200 || !r.body) {
      body.append(h('p', { className: 'error' }, r?.message ?? tr('loadFailed')));
      return;
    }
    draw(r.body);
  };

  const draw = (d: Dashboard) => {
    const avg = d.satisfaction.average;
    body.append(
      h(
        'section',
        { 'aria-labelledby': 'figures-title' },
        h('h2', { id: 'figures-title', className: 'visually-hidden' }, tr('figures')),
        h(
          'dl',
          { className: 'figures' },
          figure(tr('medianFirstResponse'), d.medianFirstResponseText),
          figure(tr('medianResolution'), d.medianResolutionText),
          figure(tr('satisfactionAvg'), avg === null ? tr('noSurveys') : `${num(avg, 1)} / 5`, avg === null ? '' : tr('surveys', { n: num(d.satisfaction.surveys) })),
          figure(tr('incidentsFigure'), d.incidents.text, tr('incidentsLinked', { n: num(d.incidents.linked), median: d.incidents.medianResolveText })),
        ),
      ),
    );
    const grid = h('div', { className: 'charts' });
    body.append(grid);
    for (const spec of specs(d)) {
      const canvas = h('canvas', { role: 'img', 'aria-label': spec.summary, id: `chart-${spec.name}` });
      const table = h(
        'table',
        { className: 'data', 'data-chart': spec.name },
        h('caption', {}, tr(spec.title)),
        h('thead', {}, h('tr', {}, ...spec.head.map((k) => h('th', { scope: 'col' }, tr(k))))),
        h(
          'tbody',
          {},
          ...spec.rows.map((row) =>
            h(
              'tr',
              { 'data-key': row.key ?? null },
              ...row.cells.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, cellText(c, row.key)) : h('td', {}, cellText(c)))),
            ),
          ),
        ),
      );
      grid.append(
        h(
          'section',
          { className: 'card chart', 'aria-labelledby': `chart-title-${spec.name}` },
          h('h2', { id: `chart-title-${spec.name}` }, tr(spec.title)),
          h('div', { className: 'chart-box' }, canvas),
          h('details', {}, h('summary', {}, tr('seeData')), h('div', { className: 'table-wrap', role: 'region', tabindex: 0, 'aria-label': tr(spec.title) }, table)),
        ),
      );
      charts.push(new Chart(canvas, spec.config()));
    }
  };

  picker.addEventListener('change', () => {
    days = picker.value;
    void load();
  });
  csv.addEventListener('click', async () => {
    csv.disabled = true;
    try {
      const res = await call(`dashboard.csv?days=${days}`);
      if (!res.ok) {
        announce(tr('actionFailed'), 'error');
        return;
      }
      const blob = await res.blob();
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `tablero-${days}d.csv`;
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: name, hidden: true });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      announce(tr('csvDone', { name }), 'ok');
    } catch {
      announce(tr('actionFailed'), 'error');
    } finally {
      csv.disabled = false;
    }
  });

  await load();
  return () => {
    stopped = true;
    destroy();
  };
};

function figure(label: string, value: string, detail = ''): HTMLElement {
  return h('div', { className: 'figure card' }, h('dt', {}, label), h('dd', {}, h('span', { className: 'value' }, value), detail ? h('span', { className: 'sub' }, detail) : null));
}

function cellText(c: Cell, dayKey?: string): Node | string {
  if (c === null) return tr('noData');
  if (typeof c === 'number') return num(c, 1);
  if (dayKey && /^\d{4}-\d{2}-\d{2}$/.test(dayKey) && c === dayKey) {
    const t = document.createElement('time');
    t.dateTime = dayKey;
    t.textContent = dayText(dayKey);
    return t;
  }
  return c;
}

function listText(items: string[]): string {
  return items.length ? items.join('; ') : tr('noData');
}

/** The six charts of the dashboard, with their tables and spoken summaries. */
function specs(d: Dashboard): ChartSpec[] {
  const text = cssVar('--text') || '#242424';
  const grid = cssVar('--grid') || '#d1d1d1';
  const c1 = cssVar('--chart-1') || '#5b5fc7';
  const c2 = cssVar('--chart-2') || '#0e700e';
  const c3 = cssVar('--chart-3') || '#c4314b';
  const dayLabels = d.createdResolved.labels.map(dayText);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const base = (stacked = false) => ({
    responsive: true,
    maintainAspectRatio: false,
    animation: false as const,
    plugins: { legend: { labels: { color: text, usePointStyle: true } }, tooltip: { enabled: true } },
    scales: {
      x: { ticks: { color: text, maxRotation: 0, autoSkip: true }, grid: { color: grid }, stacked },
      y: { beginAtZero: true, ticks: { color: text, precision: 0 }, grid: { color: grid }, stacked },
    },
  });
  const slaSpec = (name: string, title: Key, head: Key, rows: SlaRow[]): ChartSpec => ({
    name,
    title,
    summary: rows.length
      ? tr('chartSummarySla', { title: tr(title), list: listText(rows.map((r) => `${r.name} ${r.percent === null ? tr('noData') : `${num(r.percent, 1)} %`} (${r.met}/${r.total})`)) })
      : tr('chartNoData', { title: tr(title) }),
    head: [head, 'colPercent', 'colMet', 'colTotal'],
    rows: rows.map((r) => ({ cells: [r.name, r.percent, r.met, r.total] })),
    config: () => {
      const o = base();
      return {
        type: 'bar',
        data: { labels: rows.map((r) => r.name), datasets: [{ label: tr('colPercent'), data: rows.map((r) => r.percent), backgroundColor: c1 }] },
        options: { ...o, scales: { ...o.scales, y: { ...o.scales.y, max: 100 } } },
      };
    },
  });
  const open = d.queueSize.open;
  const dist = d.satisfaction.distribution;
  return [
    {
      name: 'created-resolved',
      title: 'chartCreatedResolved',
      summary: tr('chartSummaryCreated', { title: tr('chartCreatedResolved'), days: d.days, created: sum(d.createdResolved.created), resolved: sum(d.createdResolved.resolved) }),
      head: ['colDay', 'colCreated', 'colResolved'],
      rows: d.createdResolved.labels.map((l, i) => ({ key: l, cells: [l, d.createdResolved.created[i], d.createdResolved.resolved[i]] })),
      config: () => ({
        type: 'line',
        data: {
          labels: dayLabels,
          datasets: [
            { label: tr('colCreated'), data: d.createdResolved.created, borderColor: c1, backgroundColor: c1, pointRadius: 3, pointStyle: 'circle' },
            { label: tr('colResolved'), data: d.createdResolved.resolved, borderColor: c2, backgroundColor: c2, borderDash: [6, 3], pointRadius: 4, pointStyle: 'rectRot' },
          ],
        },
        options: base(),
      }),
    },
    {
      name: 'queue-size',
      title: 'chartQueueSize',
      summary: tr('chartSummaryQueue', { title: tr('chartQueueSize'), days: d.days, today: open[open.length - 1] ?? 0, max: open.length ? Math.max(...open) : 0 }),
      head: ['colDay', 'colOpen'],
      rows: d.queueSize.labels.map((l, i) => ({ key: l, cells: [l, open[i]] })),
      config: () => ({
        type: 'line',
        data: { labels: d.queueSize.labels.map(dayText), datasets: [{ label: tr('colOpen'), data: open, borderColor: c1, backgroundColor: c1, pointRadius: 2 }] },
        options: base(),
      }),
    },
    slaSpec('sla-category', 'chartSlaCategory', 'colCategory', d.slaByCategory),
    slaSpec('sla-priority', 'chartSlaPriority', 'colPriorityName', d.slaByPriority),
    {
      name: 'satisfaction',
      title: 'chartSatisfaction',
      summary: tr('chartSummarySatisfaction', { title: tr('chartSatisfaction'), list: dist.map((n, i) => `${tr('stars', { n: i + 1 })}: ${n}`).join('; ') }),
      head: ['colScore', 'colSurveys'],
      rows: dist.map((n, i) => ({ key: String(i + 1), cells: [tr('stars', { n: i + 1 }), n] })),
      config: () => ({
        type: 'bar',
        data: { labels: dist.map((_, i) => tr('stars', { n: i + 1 })), datasets: [{ label: tr('colSurveys'), data: dist, backgroundColor: c1 }] },
        options: base(),
      }),
    },
    {
      name: 'engineer-load',
      title: 'chartEngineerLoad',
      summary: d.engineerLoad.length
        ? tr('chartSummaryLoad', { title: tr('chartEngineerLoad'), list: listText(d.engineerLoad.map((e) => `${e.name}: ${e.open} ${tr('colOpen').toLowerCase()}, ${e.resolved} ${tr('colResolved').toLowerCase()}`)) })
        : tr('chartNoData', { title: tr('chartEngineerLoad') }),
      head: ['colEngineer', 'colOpen', 'colResolved'],
      rows: d.engineerLoad.map((e) => ({ cells: [e.name, e.open, e.resolved] })),
      config: () => ({
        type: 'bar',
        data: {
          labels: d.engineerLoad.map((e) => e.name),
          datasets: [
            { label: tr('colOpen'), data: d.engineerLoad.map((e) => e.open), backgroundColor: c1 },
            { label: tr('colResolved'), data: d.engineerLoad.map((e) => e.resolved), backgroundColor: c3 },
          ],
        },
        options: base(),
      }),
    },
  ];
}
