/**
 * Calls to /api/tab/*: every one carries the token and the page's language; a 401 gets the token
 * renewed and the call repeated once. Paths are relative to /tab/, so the page works under any origin.
 */
import type { Session } from './identity';
import { lang } from './i18n';

export interface Answer<T> {
  status: number;
  body: T | undefined;
  /** The server's own message (403, 404, 409, 400 …), already translated. */
  message?: string;
  headers: Headers;
}

let session: Session | null = null;

export function useSession(s: Session | null): void {
  session = s;
}

async function send(path: string, init: RequestInit, renew: boolean): Promise<Response> {
  if (!session) throw new Error('no session');
  const token = await session.token(renew);
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  headers.set('accept-language', lang());
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  return fetch(`../api/tab/${path}`, { ...init, headers, cache: 'no-store' });
}

/** A raw response (the CSV download), with the 401 retry. */
export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  let res = await send(path, init, false);
  if (res.status === 401) res = await send(path, init, true);
  return res;
}

export async function getJson<T>(path: string): Promise<Answer<T>> {
  return parse<T>(await call(path));
}

export async function postJson<T>(path: string, body: unknown): Promise<Answer<T>> {
  return parse<T>(await call(path, { method: 'POST', body: JSON.stringify(body ?? {}) }));
}

async function parse<T>(res: Response): Promise<Answer<T>> {
  const text = res.status === 304 ? '' : await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const message = body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string' ? (body as { message: string }).message : undefined;
  return { status: res.status, body: body as T | undefined, message, headers: res.headers };
}
