/** "Tomar" and "Asignar" (with its dialog), shared by the lists and the case page. */
import { getJson, postJson } from './api';
import { h, select } from './dom';
import { tr } from './i18n';
import { announce } from './shell';
import type { ActionAnswer, CasePage } from './types';

/** Takes the case; says the server's answer. Resolves true when it was taken. */
export async function takeCase(ticket: { id: number }, button?: HTMLButtonElement): Promise<boolean> {
  if (button) button.disabled = true;
  try {
    const r = await postJson<ActionAnswer>(`tickets/${ticket.id}/take`, {});
    const ok = r.status === 200 && !!r.body?.ok;
    announce(r.message ?? (ok ? '' : tr('actionFailed')), ok ? 'ok' : 'error');
    return ok;
  } catch {
    announce(tr('actionFailed'), 'error');
    return false;
  } finally {
    if (button) button.disabled = false;
  }
}

let openDialog: HTMLDialogElement | null = null;

export function dialogOpen(): boolean {
  return !!openDialog;
}

/**
 * The "Asignar" dialog: the engineers of the ticket's queue (from the case page's `assignees`), a
 * list to pick one, and confirm. Resolves true when the case was assigned.
 */
export async function assignCase(ticket: { id: number; radicado: string }, opener?: HTMLElement): Promise<boolean> {
  let page: CasePage | undefined;
  try {
    const r = await getJson<CasePage>(`tickets/${ticket.id}`);
    if (r.status !== 200 || !r.body) {
      announce(r.message ?? tr('loadFailed'), 'error');
      return false;
    }
    page = r.body;
  } catch {
    announce(tr('loadFailed'), 'error');
    return false;
  }
  const assignees = page.assignees;
  return new Promise<boolean>((resolve) => {
    const titleId = `assign-title-${ticket.id}`;
    const error = h('p', { className: 'form-error', role: 'alert' });
    const picker = select({ id: `assign-to-${ticket.id}`, name: 'to', required: true }, [['', tr('assignChoose')], ...assignees.map((a): [string, string] => [a.oid, a.name])]);
    const confirm = h('button', { type: 'submit', className: 'btn primary' }, tr('assignConfirm'));
    const cancel = h('button', { type: 'button', className: 'btn' }, tr('cancel'));
    const form = h(
      'form',
      { className: 'dialog-form', novalidate: true },
      h('h2', { id: titleId }, tr('assignTitle', { radicado: ticket.radicado })),
      h('p', { className: 'sub' }, page.ticket.title),
      assignees.length
        ? h('div', { className: 'field' }, h('label', { for: picker.id }, tr('assignTo')), picker)
        : h('p', {}, tr('assignNobody')),
      error,
      h('div', { className: 'dialog-buttons' }, assignees.length ? confirm : null, cancel),
    );
    const dialog = h('dialog', { className: 'dialog', 'aria-labelledby': titleId }, form);
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      if (dialog.open) dialog.close();
      dialog.remove();
      openDialog = null;
      if (opener?.isConnected) opener.focus();
      resolve(ok);
    };
    cancel.addEventListener('click', () => finish(false));
    dialog.addEventListener('close', () => finish(false));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.textContent = '';
      if (!picker.value) {
        error.textContent = tr('assignChoose');
        picker.focus();
        return;
      }
      confirm.disabled = true;
      try {
        const r = await postJson<ActionAnswer>(`tickets/${ticket.id}/assign`, { to: picker.value });
        if (r.status === 200 && r.body?.ok) {
          announce(r.message ?? '', 'ok');
          finish(true);
          return;
        }
        error.textContent = r.message ?? tr('actionFailed');
      } catch {
        error.textContent = tr('actionFailed');
      } finally {
        confirm.disabled = false;
      }
    });
    document.body.appendChild(dialog);
    openDialog = dialog;
    dialog.showModal();
    (assignees.length ? picker : cancel).focus();
  });
}
