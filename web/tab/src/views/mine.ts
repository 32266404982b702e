/** #/mine: the caller's open tickets, as the queue's table. */
import { assignCase, takeCase } from '../actions';
import { getJson } from '../api';
import { clear, h } from '../dom';
import { num, tr } from '../i18n';
import { heading, type View } from '../shell';
import { ticketTable } from '../table';
import type { TicketItem } from '../types';

export const mineView: View = async (ctx) => {
  const { root } = ctx;
  const summary = h('p', { className: 'summary' });
  const list = h('div', { className: 'table-wrap', role: 'region', tabindex: 0, 'aria-label': tr('mineTitle') }, h('p', {}, tr('loading')));
  clear(root);
  root.append(heading(tr('mineTitle')), summary, list);
  let stopped = false;

  const load = async () => {
    try {
      const r = await getJson<{ items: TicketItem[] }>('mine');
      if (stopped) return;
      clear(list);
      if (r.status !== 200 || !r.body) {
        list.append(h('p', { className: 'error' }, r.message ?? tr('loadFailed')));
        return;
      }
      const items = r.body.items;
      summary.textContent = items.length === 1 ? tr('totalOne') : tr('total', { n: num(items.length) });
      if (!items.length) list.append(h('p', { className: 'empty' }, tr('emptyMine')));
      else
        list.append(
          ticketTable(items, tr('mineCaption'), {
            take: async (item, b) => {
              await takeCase(item, b);
              await load();
            },
            assign: async (item, b) => {
              if (await assignCase(item, b)) await load();
            },
          }),
        );
    } catch {
      if (!stopped) {
        clear(list);
        list.append(h('p', { className: 'error' }, tr('loadFailed')));
      }
    }
  };
  await load();
  return () => {
    stopped = true;
  };
};
