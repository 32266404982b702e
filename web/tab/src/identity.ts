/**
 * Who is using the page, and the token that proves it. Inside Teams: Teams SSO
 * (authentication.getAuthToken) with the locale and theme of Teams' context. Outside Teams: the
 * local sign-in with the directory's test people, when the server offers it (npm run dev); else the
 * page asks to be opened from Teams.
 */
import { app, authentication } from '@microsoft/teams-js';
import type { DevUser } from './types';

export type Theme = 'default' | 'dark' | 'contrast';

export interface Session {
  mode: 'teams' | 'dev';
  /** A fresh (or cached) token; `renew` asks for a new one (after a 401). */
  token(renew?: boolean): Promise<string>;
  /** Dev sign-in only: forget the person, to choose another. */
  signOut?(): void;
}

const TEAMS_INIT_MS = 1500;
const STORE = 'mesa-tab-dev-session';

/** Teams' context when the page runs inside Teams; null outside (app.initialize never answers there). */
export async function teamsContext(): Promise<app.Context | null> {
  // Outside Teams initialize() rejects at once (no host window) or never answers (a foreign frame).
  try {
    const ready = await Promise.race([
      app.initialize().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), TEAMS_INIT_MS)),
    ]);
    if (!ready) return null;
    const ctx = await app.getContext();
    app.notifySuccess();
    return ctx;
  } catch {
    return null;
  }
}

export function teamsSession(): Session {
  let cached: string | undefined;
  return {
    mode: 'teams',
    async token(renew = false) {
      if (!cached || renew) cached = await authentication.getAuthToken();
      return cached;
    },
  };
}

export function onTeamsTheme(apply: (t: Theme) => void): void {
  app.registerOnThemeChangeHandler((theme) => apply(themeOf(theme)));
}

export function themeOf(raw: string | null | undefined): Theme {
  return raw === 'dark' || raw === 'contrast' ? raw : 'default';
}

/** The test people the server offers (GET /api/tab/dev/users), or null when it offers none. */
export async function devUsers(): Promise<DevUser[] | null> {
  try {
    const res = await fetch('../api/tab/dev/users', { headers: { accept: 'application/json' } });
    if (res.status !== 200) return null;
    const users = (await res.json()) as DevUser[];
    return Array.isArray(users) ? users : null;
  } catch {
    return null;
  }
}

async function devToken(oid: string): Promise<string> {
  const res = await fetch('../api/tab/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ oid }) });
  if (!res.ok) throw new Error(`dev sign-in answered ${res.status}`);
  const { token } = (await res.json()) as { token: string };
  return token;
}

/** The dev session kept in this browser tab (sessionStorage), if any. */
export function storedDevSession(): Session | null {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE) ?? 'null') as { oid?: string; token?: string } | null;
    return saved?.oid ? devSession(saved.oid, saved.token) : null;
  } catch {
    return null;
  }
}

/** Signs in as one of the test people and keeps the token for this browser tab. */
export async function devSignIn(oid: string): Promise<Session> {
  const token = await devToken(oid);
  sessionStorage.setItem(STORE, JSON.stringify({ oid, token }));
  return devSession(oid, token);
}

function devSession(oid: string, initial?: string): Session {
  let cached = initial;
  return {
    mode: 'dev',
    async token(renew = false) {
      if (!cached || renew) {
        cached = await devToken(oid);
        sessionStorage.setItem(STORE, JSON.stringify({ oid, token: cached }));
      }
      return cached;
    },
    signOut() {
      sessionStorage.removeItem(STORE);
    },
  };
}
