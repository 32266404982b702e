/** #/queue: the filter bar and the waiting and open tickets of the caller's queues, polled every 15 s. */
import { assignCase, dialogOpen, takeCase } from '../actions';
import { getJson } from '../api';
import { clear, h, select } from '../dom';
import { num, tr } from '../i18n';
import { announce, heading, type View } from '../shell';
import { incidentBanners, ticketTable } from '../table';
import type { QueueAnswer, TicketItem } from '../types';

const POLL_MS = 15_000;

/** The filters survive a visit to a case and back. */
const filters = { category: '', status: '', priority: '', sla: '', assignee: '', age: '' };

export const queueView: View = async (ctx) => {
  const { me, root } = ctx;
  const labels = me.labels;
  const opts = (rec: Record<string, string>): [string, string][] => [['', tr('any')], ...Object.entries(rec)];
  const field = (id: string, label: string, control: HTMLElement) => h('div', { className: 'field' }, h('label', { for: id }, label), control);

  const category = select({ id: 'f-category', name: 'category' }, [['', tr('anyQueue')], ...me.queues.map((q): [string, string] => [q.categoryId, q.name])], filters.category);
  const status = select({ id: 'f-status', name: 'status' }, opts(labels.statuses), filters.status);
  const priority = select({ id: 'f-priority', name: 'priority' }, opts(labels.priorities), filters.priority);
  const sla = select({ id: 'f-sla', name: 'sla' }, opts(labels.sla), filters.sla);
  const assignee = select({ id: 'f-assignee', name: 'assignee' }, [['', tr('any')], ['me', tr('assigneeMe')], ['none', tr('assigneeNone')]], filters.assignee);
  const age = h('input', { id: 'f-age', name: 'age', type: 'number', min: '0', max: '99999', step: '1', inputmode: 'numeric', value: filters.age });
  const reset = h('button', { type: 'button', className: 'btn' }, tr('clearFilters'));
  const form = h(
    'form',
    { className: 'filters', role: 'search', 'aria-label': tr('filters') },
    field('f-category', tr('filterQueue'), category),
    field('f-status', tr('filterStatus'), status),
    field('f-priority', tr('filterPriority'), priority),
    field('f-sla', tr('filterSla'), sla),
    field('f-assignee', tr('filterAssignee'), assignee),
    field('f-age', tr('filterAge'), age),
    h('div', { className: 'field field-button' }, reset),
  );
  const banners = h('div', { id: 'queue-incidents' });
  const summary = h('p', { className: 'summary', id: 'queue-summary' });
  const notice = h('p', { className: 'notice', id: 'queue-truncated', hidden: true });
  const list = h('div', { className: 'table-wrap', id: 'queue-list', role: 'region', tabindex: 0, 'aria-label': tr('queueTitle') }, h('p', {}, tr('loading')));
  clear(root);
  root.append(heading(tr('queueTitle')), banners, form, summary, notice, list);

  let version = '';
  let stopped = false;

  const query = (since?: string) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    if (since) q.set('since', since);
    const s = q.toString();
    return `queue${s ? `?${s}` : ''}`;
  };

  const draw = (answer: QueueAnswer) => {
    // Keep the focus where it was when the rows are redrawn (a poll while someone reads the table).
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.focus;
    version = answer.version;
    clear(banners);
    const open = incidentBanners(answer.incidents ?? [], true);
    if (open) banners.append(open);
    summary.textContent = answer.total === 1 ? tr('totalOne') : tr('total', { n: num(answer.total) });
    notice.hidden = !answer.truncated;
    notice.textContent = answer.truncated ? tr('truncated', { shown: num(answer.items.length), total: num(answer.total) }) : '';
    clear(list);
    if (!answer.items.length) list.append(h('p', { className: 'empty' }, tr('emptyQueue')));
    else list.append(ticketTable(answer.items, tr('queueCaption'), { take, assign }));
    if (focused) list.querySelector<HTMLElement>(`[data-focus="${focused}"]`)?.focus();
  };

  const load = async () => {
    try {
      const r = await getJson<QueueAnswer>(query());
      if (stopped) return;
      if (r.status === 200 && r.body) draw(r.body);
      else showError(r.message ?? tr('loadFailed'));
    } catch {
      if (!stopped) showError(tr('loadFailed'));
    }
  };

  const showError = (text: string) => {
    clear(list);
    const retry = h('button', { type: 'button', className: 'btn' }, tr('retry'));
    retry.addEventListener('click', () => void load());
    list.append(h('p', { className: 'error' }, text), retry);
  };

  const poll = async () => {
    if (stopped || document.hidden || dialogOpen() || !version) return;
    try {
      const r = await getJson<QueueAnswer>(query(version));
      if (!stopped && r.status === 200 && r.body) draw(r.body);
    } catch {
      /* the next poll tries again */
    }
  };

  async function take(item: TicketItem, button: HTMLButtonElement) {
    if (await takeCase(item, button)) {
      await load();
      list.querySelector<HTMLElement>(`[data-focus="case-${item.id}"]`)?.focus();
    } else await load();
  }

  async function assign(item: TicketItem, button: HTMLButtonElement) {
    if (await assignCase(item, button)) {
      await load();
      list.querySelector<HTMLElement>(`[data-focus="case-${item.id}"]`)?.focus();
    }
  }

  const onChange = () => {
    filters.category = category.value;
    filters.status = status.value;
    filters.priority = priority.value;
    filters.sla = sla.value;
    filters.assignee = assignee.value;
    filters.age = /^\d{1,5}$/.test(age.value.trim()) ? age.value.trim() : '';
    void load();
  };
  form.addEventListener('change', onChange);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    onChange();
  });
  reset.addEventListener('click', () => {
    for (const k of Object.keys(filters) as (keyof typeof filters)[]) filters[k] = '';
    for (const s of [category, status, priority, sla, assignee]) s.value = '';
    age.value = '';
    announce('');
    void load();
  });

  await load();
  const timer = window.setInterval(() => void poll(), POLL_MS);
  return () => {
    stopped = true;
    window.clearInterval(timer);
  };
};
