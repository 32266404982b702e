/** The list of tickets as a real table (queue and "my cases"), with Tomar / Asignar per row. */
import { h } from './dom';
import { tr } from './i18n';
import type { IncidentBanner, TicketItem } from './types';

export interface RowActions {
  take(item: TicketItem, button: HTMLButtonElement): void;
  assign(item: TicketItem, button: HTMLButtonElement): void;
}

/** The SLA as a badge: its words always, the colour only as a second cue. */
export function slaBadge(sla: TicketItem['sla']): HTMLElement {
  return h('span', { className: `badge sla sla-${sla.state}` }, h('span', { className: 'dot', 'aria-hidden': 'true' }), sla.label);
}

export function statusBadge(item: Pick<TicketItem, 'status' | 'statusLabel'>): HTMLElement {
  return h('span', { className: `badge status status-${item.status}` }, item.statusLabel);
}

export function priorityBadge(item: Pick<TicketItem, 'priority' | 'priorityLabel'>): HTMLElement {
  return h('span', { className: `badge priority priority-${item.priority}` }, item.priorityLabel);
}

/** Open major incidents, above the queue and on a master's page: the title, the count, the latest news. */
export function incidentBanners(items: IncidentBanner[], withLink: boolean): HTMLElement | null {
  if (!items.length) return null;
  return h(
    'section',
    { className: 'incidents', 'aria-labelledby': 'incidents-title' },
    h('h2', { id: 'incidents-title', className: 'visually-hidden' }, tr('incidentsTitle')),
    ...items.map((i) =>
      h(
        'div',
        { className: 'incident', 'data-incident': i.masterId },
        h('p', { className: 'incident-title' }, withLink ? h('a', { href: i.link }, i.text) : i.text, ' ', h('span', { className: 'sub' }, `(${i.radicado})`)),
        h('p', { className: 'sub' }, i.facts),
        h('p', {}, i.latestText),
      ),
    ),
  );
}

export function ticketTable(items: TicketItem[], caption: string, actions: RowActions): HTMLTableElement {
  const cols = ['colRadicado', 'colTitle', 'colRequester', 'colStatus', 'colPriority', 'colSla', 'colAge', 'colAssignee', 'colActions'] as const;
  return h(
    'table',
    { className: 'tickets' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, tr(c))))),
    h('tbody', {}, ...items.map((item) => row(item, actions))),
  );
}

function row(item: TicketItem, actions: RowActions): HTMLTableRowElement {
  const buttons: HTMLElement[] = [];
  if (item.canTake) {
    const b = h('button', { type: 'button', className: 'btn primary small', 'data-action': 'take', 'data-focus': `take-${item.id}`, 'aria-label': tr('takeCase', { radicado: item.radicado }) }, tr('take'));
    b.addEventListener('click', () => actions.take(item, b));
    buttons.push(b);
  }
  if (item.canAssign) {
    const b = h('button', { type: 'button', className: 'btn small', 'data-action': 'assign', 'data-focus': `assign-${item.id}`, 'aria-label': tr('assignCase', { radicado: item.radicado }) }, tr('assign'));
    b.addEventListener('click', () => actions.assign(item, b));
    buttons.push(b);
  }
  return h(
    'tr',
    { 'data-id': item.id, 'data-radicado': item.radicado },
    h('th', { scope: 'row' }, h('a', { href: `#/case/${item.id}`, 'data-focus': `case-${item.id}` }, item.radicado)),
    h(
      'td',
      {},
      h('span', { className: 'title' }, item.title),
      h('span', { className: 'sub' }, item.service),
      item.incident ? h('span', { className: `badge incident-mark incident-${item.incident.role}`, 'data-col': 'incident' }, item.incident.text) : null,
    ),
    h('td', {}, item.requester),
    h('td', {}, statusBadge(item)),
    h('td', {}, priorityBadge(item)),
    h('td', {}, slaBadge(item.sla), item.sla.dueText ? h('span', { className: 'sub' }, `${tr('fieldDue')}: ${item.sla.dueText}`) : null),
    h('td', {}, h('span', { title: item.createdText }, item.ageText)),
    h('td', { 'data-col': 'assignee' }, item.assignee ? item.assignee.name : h('span', { className: 'muted' }, tr('unassigned'))),
    h('td', { className: 'actions' }, ...buttons),
  );
}
