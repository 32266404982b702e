/**
 * A loopback Bot Connector: the `serviceUrl` the bot answers to. Records every activity the bot
 * sends or updates, answers member look-ups, enforces a per-conversation rate limit (429 above it)
 * and fails on demand.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: 'POST' | 'PUT';
  conversationId: string;
  activityId?: string;
  replyToId?: string;
  body: any;
  at: number;
  /**
   * The caller went away (its process died) before the connector answered: the call never completed,
   * so it counts as not delivered (only possible while beforeRespond holds the answer).
   */
  aborted?: boolean;
}

export interface MemberInfo {
  id: string;
  name: string;
  aadObjectId: string;
  email?: string;
  userPrincipalName?: string;
}

export class LoopbackConnector {
  readonly sent: Recorded[] = [];
  readonly members = new Map<string, MemberInfo>();
  /** Team id → members returned by pagedmembers. */
  readonly teams = new Map<string, MemberInfo[]>();
  rateLimitPerSecond = Infinity;
  /** Called before a successful POST/PUT is answered; await something here to hold the answer. */
  beforeRespond?: (r: Recorded) => Promise<void> | void;
  throttled = 0;
  private failures: { status: number; remaining: number; match?: (r: Recorded) => boolean }[] = [];
  private server!: http.Server;
  private nextId = 1000;
  private windows = new Map<string, number[]>();
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];
  url = '';

  /** Listens on an ephemeral port, or on `port` (to come back on the same serviceUrl after stop()). */
  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Until `ms` from now, every call (posts, updates, member look-ups) answers 429 with Retry-After. */
  storm(ms: number, retryAfterSeconds = 1) {
    this.stormUntil = Date.now() + ms;
    this.stormRetryAfter = String(retryAfterSeconds);
  }
  private stormUntil = 0;
  private stormRetryAfter = '1';
  /** Calls refused by storm(). */
  stormRefused = 0;

  /** The next `count` deliveries (optionally matching) answer `status`. */
  failNext(status: number, count = 1, match?: (r: Recorded) => boolean) {
    this.failures.push({ status, remaining: count, match });
  }

  /** Forgets failures injected with failNext. */
  clearFailures() {
    this.failures = [];
  }

  clear() {
    this.sent.length = 0;
  }

  /** Activities sent to a conversation (new messages and replies, not updates). */
  messagesTo(conversationId: string) {
    return this.sent.filter((r) => r.method === 'POST' && r.conversationId === conversationId);
  }

  /** Waits until the predicate holds on what was recorded. */
  waitFor(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: () => { clearTimeout(timer); resolve(); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for the connector; recorded ${this.sent.length} activities`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  private notify() {
    for (const w of [...this.waiters]) if (w.pred()) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve();
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body === undefined ? '' : JSON.stringify(body));
      };
      if (Date.now() < this.stormUntil) {
        this.stormRefused++;
        return send(429, { error: { code: 'TooManyRequests', message: 'storm' } }, { 'retry-after': this.stormRetryAfter });
      }
      // GET /v3/conversations/{conv}/members/{user}
      if (req.method === 'GET' && parts[0] === 'v3' && parts[1] === 'conversations' && parts[3] === 'members' && parts[4]) {
        const m = this.members.get(parts[4]);
        return m ? send(200, m) : send(404, { error: { code: 'MemberNotFoundInConversation' } });
      }
      // GET /v3/conversations/{team}/pagedmembers
      if (req.method === 'GET' && parts[3] === 'pagedmembers') {
        return send(200, { members: this.teams.get(parts[2]) ?? [], continuationToken: undefined });
      }
      if (parts[0] === 'v3' && parts[1] === 'conversations' && (req.method === 'POST' || req.method === 'PUT')) {
        const conversationId = parts[2];
        const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        const rec: Recorded = {
          method: req.method as 'POST' | 'PUT',
          conversationId,
          activityId: req.method === 'PUT' ? parts[4] : undefined,
          replyToId: req.method === 'POST' ? parts[4] : undefined,
          body,
          at: Date.now(),
        };
        const failure = this.failures.find((f) => f.remaining > 0 && (!f.match || f.match(rec)));
        if (failure) {
          failure.remaining--;
          return send(failure.status, { error: { code: 'Injected', message: `injected ${failure.status}` } }, failure.status === 429 ? { 'retry-after': '1' } : {});
        }
        const base = conversationId.split(';')[0];
        const now = Date.now();
        const win = (this.windows.get(base) ?? []).filter((t) => t > now - 1000);
        if (win.length >= this.rateLimitPerSecond) {
          this.throttled++;
          return send(429, { error: { code: 'TooManyRequests' } }, { 'retry-after': '1' });
        }
        win.push(now);
        this.windows.set(base, win);
        this.sent.push(rec);
        const id = rec.activityId ?? String(this.nextId++);
        let answered = false;
        res.on('close', () => {
          if (answered) return;
          rec.aborted = true;
          this.notify();
        });
        const answer = () => {
          answered = true;
          if (rec.aborted) return;
          send(200, { id });
          this.notify();
        };
        if (this.beforeRespond) {
          Promise.resolve(this.beforeRespond(rec)).then(answer, answer);
          this.notify();
          return;
        }
        answer();
        return;
      }
      send(404, { error: 'not found' });
    });
  }
}
