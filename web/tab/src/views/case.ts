/** #/case/<id>: one case — header, fields, description, requester, messages and reply, files, history. */
import { assignCase, takeCase } from '../actions';
import { getJson, postJson } from '../api';
import { clear, h } from '../dom';
import { tr } from '../i18n';
import { heading, type View } from '../shell';
import { incidentBanners, priorityBadge, slaBadge, statusBadge } from '../table';
import type { ActionAnswer, CasePage } from '../types';

export function caseView(id: number): View {
  return async (ctx) => {
    const { root } = ctx;
    clear(root);
    root.append(h('p', {}, tr('loading')));
    let stopped = false;
    // What the person was typing survives a redraw (after Tomar or Asignar).
    let draft = '';

    const load = async (focusTitle = false) => {
      let r;
      try {
        r = await getJson<CasePage>(`tickets/${id}`);
      } catch {
        r = undefined;
      }
      if (stopped) return;
      clear(root);
      root.append(h('p', { className: 'back' }, h('a', { href: '#/queue' }, tr('backToQueue'))));
      if (!r || r.status !== 200 || !r.body) {
        const text = r?.status === 404 ? r.message ?? tr('caseNotFound') : r?.message ?? tr('loadFailed');
        root.append(heading(text));
        return;
      }
      draw(r.body);
      if (focusTitle) root.querySelector<HTMLElement>('#view-title')?.focus();
    };

    const draw = (page: CasePage) => {
      const t = page.ticket;
      const buttons: HTMLElement[] = [];
      if (t.canTake) {
        const b = h('button', { type: 'button', className: 'btn primary' }, tr('take'));
        b.addEventListener('click', async () => {
          if (await takeCase(t, b)) await load(true);
        });
        buttons.push(b);
      }
      if (t.canAssign) {
        const b = h('button', { type: 'button', className: 'btn' }, tr('assign'));
        b.addEventListener('click', async () => {
          if (await assignCase(t, b)) await load(true);
        });
        buttons.push(b);
      }
      const title = heading('');
      title.append(h('span', { className: 'radicado' }, t.radicado), ' ', h('span', { className: 'case-title' }, t.title));

      const dl = (rows: [string, Node | string | null | undefined][]) =>
        h('dl', { className: 'fields' }, ...rows.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v as Node | string)]));

      const section = (id: string, label: string, ...content: (Node | null)[]) =>
        h('section', { className: 'card', 'aria-labelledby': id }, h('h2', { id }, label), ...content);

      const messages = page.messages.length
        ? h(
            'ol',
            { className: 'messages', id: 'case-messages' },
            ...page.messages.map((m) =>
              h(
                'li',
                { className: `msg msg-${m.direction}` },
                h('p', { className: 'msg-head' }, h('strong', {}, m.from), ' · ', m.direction === 'in' ? tr('fromRequester') : tr('toRequester'), ' · ', h('time', { datetime: m.at }, m.atText)),
                h('p', { className: 'msg-text' }, m.text),
              ),
            ),
          )
        : h('p', { className: 'empty', id: 'case-messages' }, tr('noMessages'));

      root.append(
        h(
          'header',
          { className: 'case-head' },
          title,
          h('p', { className: 'badges' }, statusBadge(t), ' ', priorityBadge(t), ' ', slaBadge(t.sla)),
          page.incident ? incidentBanners([page.incident], false) : null,
          !page.incident && t.incident ? h('p', { className: 'incident-linked' }, h('a', { href: `#/case/${t.incident.masterId}` }, t.incident.text)) : null,
          buttons.length ? h('div', { className: 'case-actions' }, ...buttons) : null,
        ),
        h(
          'div',
          { className: 'case-grid' },
          h(
            'div',
            { className: 'case-main' },
            section('sec-description', tr('description'), h('p', { className: 'pre' }, t.description || '—')),
            t.fields.length ? section('sec-form', tr('formFields'), dl(t.fields.map((f): [string, string] => [f.label, f.value]))) : null,
            section('sec-messages', tr('messages'), messages, page.canReply ? replyForm(t.id) : h('p', { className: 'muted' }, tr('replyClosed'))),
            section('sec-history', tr('history'), h('ol', { className: 'history' }, ...page.history.map((e) => h('li', {}, h('time', { datetime: e.at }, e.atText), ' — ', e.actor ? h('strong', {}, e.actor) : null, e.actor ? ': ' : null, e.text)))),
          ),
          h(
            'div',
            { className: 'case-side' },
            section(
              'sec-details',
              tr('caseDetails'),
              dl([
                [tr('fieldStatus'), t.statusLabel],
                [tr('fieldPriority'), t.priorityLabel],
                [tr('fieldSla'), t.sla.label],
                [tr('fieldDue'), t.sla.dueText],
                [tr('fieldService'), t.service],
                [tr('fieldCategory'), t.category],
                [tr('fieldCreated'), t.createdText],
                [tr('fieldAge'), t.ageText],
                [tr('fieldAssignee'), t.assignee?.name ?? tr('unassigned')],
              ]),
            ),
            section(
              'sec-requester',
              tr('fieldRequester'),
              dl([
                [tr('fieldRequester'), t.requester.name],
                [tr('fieldEmail'), t.requester.email],
                [tr('fieldDepartment'), t.requester.department],
                [tr('fieldPhone'), t.phone],
              ]),
            ),
            section(
              'sec-files',
              tr('files'),
              page.files.length
                ? h('ul', { className: 'files' }, ...page.files.map((f) => h('li', {}, h('strong', {}, f.name), ` · ${f.sizeText}`, f.atText ? ` · ${f.atText}` : '')))
                : h('p', { className: 'muted' }, tr('noFiles')),
            ),
          ),
        ),
      );
    };

    const replyForm = (ticketId: number) => {
      const area = h('textarea', { id: 'reply-text', name: 'text', rows: '4', maxlength: '4000', 'aria-describedby': 'reply-hint' });
      area.value = draft;
      area.addEventListener('input', () => (draft = area.value));
      const result = h('p', { id: 'reply-result', className: 'form-result', role: 'status' });
      const send = h('button', { type: 'submit', className: 'btn primary' }, tr('replySend'));
      const form = h(
        'form',
        { className: 'reply', novalidate: true },
        h('label', { for: 'reply-text' }, tr('reply')),
        area,
        h('p', { className: 'hint', id: 'reply-hint' }, tr('replyHint')),
        h('div', { className: 'form-buttons' }, send),
        result,
      );
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        send.disabled = true;
        result.textContent = '';
        result.className = 'form-result';
        try {
          const r = await postJson<ActionAnswer>(`tickets/${ticketId}/reply`, { text: area.value });
          if (r.status === 200 && r.body?.ok) {
            draft = '';
            await load();
            const again = root.querySelector<HTMLElement>('#reply-result');
            if (again) {
              again.className = 'form-result ok';
              again.textContent = r.message ?? '';
            }
            root.querySelector<HTMLElement>('#reply-text')?.focus();
            return;
          }
          // The text stays in the box, to correct it.
          result.className = 'form-result error';
          result.textContent = r.message ?? tr('actionFailed');
          area.focus();
        } catch {
          result.className = 'form-result error';
          result.textContent = tr('actionFailed');
        } finally {
          send.disabled = false;
        }
      });
      return form;
    };

    await load();
    return () => {
      stopped = true;
    };
  };
}
