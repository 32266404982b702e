/**
 * restify front door: POST /api/messages and GET /healthz. Bodies are parsed here with a size limit;
 * malformed JSON answers 400, an oversized body 413, and nothing a client sends can crash the process.
 */
import restify from 'restify';
import type { Logger } from '../logger';

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
}

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
