/**
 * restify front door: POST /api/messages, GET /healthz, and the Teams tab (its static page under
 * /tab/ and its JSON API under /api/tab/). Bodies are parsed here with a size limit; malformed JSON
 * answers 400, an oversized body 413, and nothing a client sends can crash the process.
 */
import fs from 'node:fs';
import path from 'node:path';
import restify from 'restify';
import type { Logger } from '../logger';
import type { TabRequest, TabResponse } from '../tab/api';

export interface MessageEndpoint {
  /** Handles one parsed activity; resolves to the HTTP status and optional body. */
  handle(body: unknown, authHeader: string): Promise<{ status: number; body?: unknown }>;
}

export interface HttpServerOptions {
  port: number;
  host?: string;
  maxBodyBytes: number;
  log: Logger;
  messages: MessageEndpoint;
  health: () => Promise<{ ok: boolean; details: Record<string, unknown> }>;
  /** The Teams tab: its API and the folder of its built page (npm run build → dist/tab-page). */
  tab?: { api: { handle(req: TabRequest): Promise<TabResponse> }; staticDir: string };
}

/** Where Teams (web, desktop, mobile) and Microsoft 365 may show the tab in a frame. */
const FRAME_ANCESTORS =
  "frame-ancestors 'self' https://teams.microsoft.com https://*.teams.microsoft.com https://*.teams.microsoft.us https://*.cloud.microsoft https://*.office.com https://*.microsoft365.com";

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface HttpServer {
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and waits for in-flight requests. */
  close(): Promise<void>;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const server = restify.createServer({ name: 'mesa-ayuda', handleUncaughtExceptions: false });
  let inFlight = 0;
  let idle: (() => void) | null = null;

  server.post('/api/messages', async (req, res) => {
    inFlight++;
    try {
      const parsed = await readJson(req, opts.maxBodyBytes);
      if (!parsed.ok) {
        res.status(parsed.status);
        res.json({ error: parsed.error });
        return;
      }
      const auth = String(req.headers.authorization ?? '');
      const out = await opts.messages.handle(parsed.value, auth);
      res.status(out.status);
      if (out.body !== undefined) res.json(out.body);
      else res.end();
    } catch (err) {
      opts.log.error({ err }, 'unhandled error in /api/messages');
      if (!res.headersSent) {
        res.status(500);
        res.json({ error: 'internal error' });
      }
    } finally {
      inFlight--;
      if (inFlight === 0 && idle) idle();
    }
  });

  server.get('/healthz', async (_req, res) => {
    try {
      const h = await opts.health();
      res.status(h.ok ? 200 : 503);
      res.json({ status: h.ok ? 'ok' : 'degraded', ...h.details });
    } catch (err) {
      res.status(503);
      res.json({ status: 'error', error: (err as Error).message });
    }
  });

  if (opts.tab) mountTab(server, opts.tab, opts, {
    enter: () => inFlight++,
    leave: () => {
      inFlight--;
      if (inFlight === 0 && idle) idle();
    },
  });

  server.on('restifyError', (req: unknown, res: unknown, err: Error, cb: () => void) => cb());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address() as { port: number };
  const port = address.port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Stop keep-alive sockets from holding the close open.
        (server.server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      });
      if (inFlight > 0) await new Promise<void>((r) => (idle = r));
    },
  };
}

type JsonResult = { ok: true; value: unknown } | { ok: false; status: number; error: string };

/** Reads the request body with a hard size limit, then parses JSON. */
function readJson(req: restify.Request, limit: number): Promise<JsonResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      resolve({ ok: false, status: 413, error: `body larger than ${limit} bytes` });
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        resolve({ ok: false, status: 413, error: `body larger than ${limit} bytes` });
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => {
      if (!done) {
        done = true;
        resolve({ ok: false, status: 400, error: 'could not read body' });
      }
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      try {
        resolve({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      } catch {
        resolve({ ok: false, status: 400, error: 'malformed JSON' });
      }
    });
  });
}

/**
 * The tab: GET /tab/ (the page), /tab/config (the channel tab's configuration page), /tab/<file>
 * (its bundle), and /api/tab/* (JSON, answered by the tab API, which checks the token).
 */
function mountTab(server: restify.Server, tab: NonNullable<HttpServerOptions['tab']>, opts: HttpServerOptions, count: { enter(): void; leave(): void }) {
  const page = (file: string) => async (_req: restify.Request, res: restify.Response) => sendStatic(res, tab.staticDir, file);
  server.get('/tab', page('index.html'));
  server.get('/tab/', page('index.html'));
  server.get('/tab/config', page('config.html'));
  server.get('/tab/:file', async (req: restify.Request, res: restify.Response) => {
    const file = String((req.params as { file?: string }).file ?? '');
    // Only the bundle's own file names: no paths, no dot files.
    if (!/^[A-Za-z0-9][\w.-]{0,80}$/.test(file)) return notFoundText(res);
    return sendStatic(res, tab.staticDir, file);
  });
  const api = async (req: restify.Request, res: restify.Response) => {
    count.enter();
    try {
      const url = new URL(req.url ?? '/', 'http://tab.local');
      let body: unknown;
      if (req.method === 'POST') {
        const parsed = await readJson(req, opts.maxBodyBytes);
        if (!parsed.ok) {
          res.status(parsed.status);
          res.json({ error: parsed.error });
          return;
        }
        body = parsed.value;
      }
      const out = await tab.api.handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
      res.header('cache-control', 'no-store');
      for (const [k, v] of Object.entries(out.headers ?? {})) res.header(k, v);
      res.status(out.status);
      if (out.text !== undefined) {
        res.sendRaw(out.text);
      } else if (out.body !== undefined) res.json(out.body);
      else res.end();
    } catch (err) {
      opts.log.error({ err }, 'unhandled error in /api/tab');
      if (!res.headersSent) {
        res.status(500);
        res.json({ error: 'internal error' });
      }
    } finally {
      count.leave();
    }
  };
  server.get('/api/tab/*', api);
  server.post('/api/tab/*', api);
}

function sendStatic(res: restify.Response, dir: string, file: string): void {
  const full = path.join(dir, file);
  let data: Buffer;
  try {
    data = fs.readFileSync(full);
  } catch {
    if (file === 'index.html' || file === 'config.html') {
      res.status(503);
      res.header('content-type', 'text/plain; charset=utf-8');
      res.sendRaw('La pestaña no está construida: ejecute npm run build. / The tab is not built: run npm run build.');
      return;
    }
    return notFoundText(res);
  }
  res.status(200);
  res.header('content-type', STATIC_TYPES[path.extname(file)] ?? 'application/octet-stream');
  res.header('x-content-type-options', 'nosniff');
  res.header('content-security-policy', FRAME_ANCESTORS);
  res.header('cache-control', file.endsWith('.html') ? 'no-cache' : 'public, max-age=300');
  res.sendRaw(data);
}

function notFoundText(res: restify.Response): void {
  res.status(404);
  res.header('content-type', 'text/plain; charset=utf-8');
  res.sendRaw('Not found');
}
