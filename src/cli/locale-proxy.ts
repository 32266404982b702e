/**
 * A tiny locale proxy in front of the bot's /api/messages, for the Agents Playground (npm run dev and
 * the e2e suite). Local development only.
 */
import http from 'node:http';
import type net from 'node:net';

/**
 * The Playground stamps every activity with `locale: "en-US"` (hard-coded in its activity
 * generators; the browser's language is ignored), so the bot would answer in English. A person in
 * Colombia has Teams in Spanish: this tiny proxy in front of /api/messages rewrites the activity's
 * locale (and the clientInfo entity's) to es-CO and passes everything else through untouched.
 */
export async function startLocaleProxy(botUrl: string, locale = 'es-CO'): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks).toString('utf8');
      try {
        const activity = JSON.parse(body);
        if (activity && typeof activity === 'object') {
          activity.locale = locale;
          for (const e of activity.entities ?? []) if (e?.type === 'clientInfo') e.locale = locale;
          body = JSON.stringify(activity);
        }
      } catch {
        /* not JSON: forward as is */
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'content-length' && k !== 'host') headers[k] = v;
      fetch(`${botUrl}${req.url}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body })
        .then(async (r) => {
          const text = await r.text();
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
          res.end(text);
        })
        .catch((err: Error) => {
          res.writeHead(502);
          res.end(err.message);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
