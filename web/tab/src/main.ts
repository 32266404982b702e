/**
 * The Teams tab of Mesa de Ayuda: who is signed in (Teams SSO, or the local test sign-in), the
 * language and theme, the header and navigation, and the hash routes #/queue, #/mine, #/case/<id>
 * and #/dashboard. Data comes from /api/tab/* (docs/tab.md).
 */
import { getJson, useSession } from './api';
import { byId, clear, h } from './dom';
import { langOf, setLang, tr, type Key } from './i18n';
import { devSignIn, devUsers, onTeamsTheme, storedDevSession, teamsContext, teamsSession, themeOf, type Session, type Theme } from './identity';
import { clearAnnouncement, type View } from './shell';
import type { DevUser, Me } from './types';
import { caseView } from './views/case';
import { dashboardView } from './views/dashboard';
import { mineView } from './views/mine';
import { queueView } from './views/queue';

let me: Me | null = null;
let session: Session | null = null;
let stopView: (() => void) | void;
let generation = 0;
let firstRoute = true;

function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  // Charts read their colours from the theme: draw the dashboard again.
  if (me && currentRoute().name === 'dashboard') void route();
}

function chrome(): void {
  document.title = tr('appName');
  const skip = byId<HTMLAnchorElement>('skip');
  skip.textContent = tr('skip');
  // The hash is the router's: the skip link moves the focus itself.
  skip.addEventListener('click', (ev) => {
    ev.preventDefault();
    byId('main').focus();
  });
  byId('brand').textContent = tr('appName');
  byId('nav').setAttribute('aria-label', tr('navLabel'));
}

/** The message that replaces the page (not signed in, not staff, open from Teams). */
function notice(text: string, ...extra: Node[]): void {
  const view = byId('view');
  clear(view);
  view.append(h('h1', { id: 'view-title', tabindex: '-1' }, tr('appName')), h('p', { className: 'notice' }, text), ...extra);
}

async function outsideTeams(params: URLSearchParams): Promise<Session | null> {
  const users = await devUsers();
  if (!users) {
    notice(tr('openInTeams'));
    return null;
  }
  const as = params.get('as');
  if (as) {
    try {
      return await devSignIn(as);
    } catch {
      /* an oid the directory does not have: offer the list */
    }
  }
  return storedDevSession() ?? pickUser(users);
}

/** "Entrar como…": the directory's test people, for local use (npm run dev). */
function pickUser(users: DevUser[]): Promise<Session> {
  return new Promise((resolve) => {
    const view = byId('view');
    clear(view);
    const roles = (u: DevUser) => u.roles.map((r) => tr(`role_${r}` as Key)).join(', ');
    const list = h(
      'ul',
      { className: 'people' },
      ...users.map((u) => {
        const b = h('button', { type: 'button', className: 'btn person' }, h('span', { className: 'person-name' }, u.name), h('span', { className: 'sub' }, roles(u)));
        b.addEventListener('click', async () => {
          b.disabled = true;
          try {
            resolve(await devSignIn(u.oid));
          } catch {
            b.disabled = false;
          }
        });
        return h('li', {}, b);
      }),
    );
    view.append(h('h1', { id: 'view-title', tabindex: '-1' }, tr('signInTitle')), h('p', {}, tr('signInIntro')), list);
  });
}

function whoAmI(m: Me): void {
  const who = byId('who');
  clear(who);
  who.append(h('span', { className: 'who-name' }, m.name));
  if (session?.mode === 'dev' && session.signOut) {
    const out = h('button', { type: 'button', className: 'btn small' }, tr('switchUser'));
    out.addEventListener('click', () => {
      session?.signOut?.();
      const params = new URLSearchParams(location.search);
      params.delete('as');
      const q = params.toString();
      location.replace(`${location.pathname}${q ? `?${q}` : ''}`);
    });
    who.append(out);
  }
}

const NAV: { name: string; href: string; label: Key; supervisor?: boolean }[] = [
  { name: 'queue', href: '#/queue', label: 'navQueue' },
  { name: 'mine', href: '#/mine', label: 'navMine' },
  { name: 'dashboard', href: '#/dashboard', label: 'navDashboard', supervisor: true },
];

function drawNav(m: Me): void {
  const nav = byId('nav');
  clear(nav);
  nav.append(h('ul', {}, ...NAV.filter((n) => !n.supervisor || m.supervisor).map((n) => h('li', {}, h('a', { href: n.href, 'data-route': n.name }, tr(n.label))))));
  nav.hidden = false;
}

function currentRoute(): { name: 'queue' | 'mine' | 'dashboard' | 'case'; id?: number } {
  const hash = location.hash.replace(/^#/, '');
  const c = /^\/case\/(\d{1,15})$/.exec(hash);
  if (c) return { name: 'case', id: Number(c[1]) };
  if (hash === '/mine') return { name: 'mine' };
  if (hash === '/dashboard') return { name: 'dashboard' };
  return { name: 'queue' };
}

async function route(): Promise<void> {
  if (!me) return;
  const r = currentRoute();
  const mine = ++generation;
  if (stopView) stopView();
  stopView = undefined;
  clearAnnouncement();
  for (const a of Array.from(document.querySelectorAll<HTMLAnchorElement>('#nav a'))) {
    if (a.dataset.route === r.name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const titles: Record<string, Key> = { queue: 'queueTitle', mine: 'mineTitle', dashboard: 'dashboardTitle', case: 'caseDetails' };
  document.title = `${tr(titles[r.name])} · ${tr('appName')}`;
  const view: View = r.name === 'case' ? caseView(r.id!) : r.name === 'mine' ? mineView : r.name === 'dashboard' ? dashboardView : queueView;
  const root = byId('view');
  root.setAttribute('aria-busy', 'true');
  const stop = await view({ me, root, alive: () => generation === mine });
  root.removeAttribute('aria-busy');
  if (generation !== mine) {
    if (stop) stop();
    return;
  }
  stopView = stop;
  // After a move (not the first drawing), the new page's heading takes the focus.
  if (!firstRoute) root.querySelector<HTMLElement>('#view-title')?.focus();
  firstRoute = false;
}

async function loadMe(): Promise<boolean> {
  try {
    const r = await getJson<Me>('me');
    if (r.status === 200 && r.body) {
      me = r.body;
      return true;
    }
    notice(r.message ?? tr('loadFailed'));
  } catch {
    const retry = h('button', { type: 'button', className: 'btn' }, tr('retry'));
    retry.addEventListener('click', () => location.reload());
    notice(tr('loadFailed'), retry);
  }
  return false;
}

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const ctx = await teamsContext();
  if (ctx) {
    setLang(langOf(ctx.app.locale));
    applyTheme(themeOf(ctx.app.theme));
    onTeamsTheme(applyTheme);
    // A deep link from a card ("Abrir en la pestaña") names the case: subPageId "case:<id>".
    const sub = /^case:(\d{1,15})$/.exec(ctx.page.subPageId ?? '');
    if (sub) history.replaceState(null, '', `#/case/${sub[1]}`);
  } else {
    setLang(langOf(params.get('lang') ?? navigator.language));
    applyTheme(themeOf(params.get('theme')));
  }
  chrome();
  session = ctx ? teamsSession() : await outsideTeams(params);
  if (!session) return;
  useSession(session);
  if (!(await loadMe()) || !me) return;
  whoAmI(me);
  if (!me.staff) {
    notice(tr('staffOnly'));
    return;
  }
  drawNav(me);
  window.addEventListener('hashchange', () => void route());
  await route();
}

void start();
