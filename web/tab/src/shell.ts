/** What every view shares: who is signed in, where to draw, and the page's status line. */
import { byId, clear, h } from './dom';
import type { Me } from './types';

export interface ViewContext {
  me: Me;
  /** The element the view draws into (inside <main>). */
  root: HTMLElement;
  /** True while this view is still the one shown (the person may have moved on). */
  alive(): boolean;
}

/** A view draws itself and answers a function that stops what it left running (polling, charts). */
export type View = (ctx: ViewContext) => Promise<(() => void) | void>;

/** Says something in the page's live region (success: polite; error: also marked as such). */
export function announce(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const el = byId('status');
  clear(el);
  el.className = `live live-${kind}`;
  if (!text) return;
  // A fresh node, so screen readers announce the same words said twice.
  el.appendChild(h('p', {}, text));
}

export function clearAnnouncement(): void {
  announce('');
  byId('status').className = 'live';
}

/** The heading a view starts with; it takes focus after navigation so the change is heard. */
export function heading(text: string): HTMLHeadingElement {
  return h('h1', { id: 'view-title', tabindex: '-1' }, text);
}
