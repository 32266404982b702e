/**
 * Benchmark-only loopback Bot Connector: answers 200 {id} to every POST/PUT under /v3/conversations,
 * answers member look-ups, and counts what it received (per conversation, with timestamps when asked)
 * so the benchmark can check that every turn produced its reply and measure outbox pacing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorCounts {
  posts: number;
  puts: number;
  gets: number;
}

export class BenchConnector {
  readonly counts: ConnectorCounts = { posts: 0, puts: 0, gets: 0 };
  /** conversation id (without ;messageid=) → delivery times (ms), only while `recordTimes` is on. */
  readonly times = new Map<string, number[]>();
  recordTimes = false;
  url = '';
  private server!: http.Server;
  private nextId = 1;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  reset() {
    this.counts.posts = this.counts.puts = this.counts.gets = 0;
    this.times.clear();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    // Drain the body without parsing it: the connector must cost as little as possible.
    req.on('data', () => undefined);
    req.on('end', () => {
      const path = req.url ?? '/';
      if (!path.startsWith('/v3/conversations/')) return send(res, 404, '{"error":"not found"}');
      if (req.method === 'POST' || req.method === 'PUT') {
        if (req.method === 'POST') this.counts.posts++;
        else this.counts.puts++;
        if (this.recordTimes) {
          const conv = decodeURIComponent(path.split('/')[3] ?? '').split(';')[0];
          let list = this.times.get(conv);
          if (!list) this.times.set(conv, (list = []));
          list.push(Date.now());
        }
        return send(res, 200, `{"id":"${this.nextId++}"}`);
      }
      if (req.method === 'GET') {
        this.counts.gets++;
        // GET /v3/conversations/{conv}/members/{userId}: a roster entry without e-mail, so the
        // directory file stays the source of the profile (as with a guest-less tenant).
        const parts = path.split('/');
        if (parts[4] === 'members' && parts[5]) {
          const id = decodeURIComponent(parts[5]);
          return send(res, 200, JSON.stringify({ id, name: id }));
        }
        if (parts[4] === 'pagedmembers') return send(res, 200, '{"members":[]}');
      }
      send(res, 404, '{"error":"not found"}');
    });
  }
}

function send(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
