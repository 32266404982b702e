/**
 * Delivers the outbox: claims what is due, paces each conversation (Teams allows about 7 messages per
 * second per conversation) and all Teams deliveries together (`maxPerSecond`: Teams allows 50 per
 * app per tenant), keeps each conversation in order, retries with backoff on 429/412/5xx
 * (honouring Retry-After), gives up on 403/404, and renews the leases of the deliveries in flight.
 * What to post and how is the sender's business (src/teams, src/mail); what an outcome means for a
 * ticket is the domain's (DeliveryOutcomes).
 */
import type { OutboxItem, OutboxPayload, OutboxRecord } from './items';
import { nextAttemptDelay, toDeliveryError } from './retries';
import type { Clock, OutboxRepository } from '../domain/ports';
import type { Logger } from '../logger';

/** Posts one item; throws on failure (mapped to the retry policy by toDeliveryError). */
export type Send = (payload: OutboxPayload) => Promise<void>;

/** The domain's side of a delivery (domain/delivery-outcomes.ts). */
export interface DeliveryOutcomeHandler {
  /** The items a fan-out item stands for, decided now; null for an item that is sent as it is. */
  fanOut(rec: OutboxRecord): Promise<OutboxItem[] | null>;
  delivered(rec: OutboxRecord): Promise<void>;
  failedForGood(rec: OutboxRecord, reason: string): Promise<void>;
}

export interface DispatcherDeps {
  log: Logger;
  clock: Clock;
  outbox: OutboxRepository;
  send: Send;
  outcomes: DeliveryOutcomeHandler;
}

export interface DispatcherOptions {
  pollMs: number;
  /** Minimum spacing between deliveries to one conversation. */
  perKeyIntervalMs: number;
  maxAttempts: number;
  batch: number;
  /** Teams deliveries per second at most, all conversations together (Teams: 50 per app per tenant). */
  maxPerSecond?: number;
}

export class OutboxDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private readonly lastSent = new Map<string, number>();
  private readonly inFlight = new Set<number>();
  /**
   * The global pace: when the Teams deliveries of the last second finished, and how many are on their
   * way. A delivery reaches Teams between its start and its end, so counting both keeps what Teams
   * receives in any one second under the limit even when responses are slow.
   */
  private readonly recentTeams: number[] = [];
  private teamsInFlight = 0;
  private quietTicks = 0;
  /** Renews the leases of the deliveries in flight while there are any (see renewLeases). */
  private heartbeat: NodeJS.Timeout | null = null;
  private renewing = false;

  constructor(private readonly d: DispatcherDeps, private readonly opts: DispatcherOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    this.stopHeartbeat();
  }

  /** Wakes the dispatcher now (after a change that enqueued something). */
  kick(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.tick()
        .catch((err) => {
          this.d.log.error({ err }, 'outbox dispatcher tick failed');
          return 0;
        })
        .then((n) => {
          this.running = null;
          // Right after deliveries, look again soon: the next item of a paced conversation becomes due
          // within perKeyIntervalMs (on PostgreSQL due() leaves paced conversations out altogether).
          this.quietTicks = n > 0 ? 0 : this.quietTicks + 1;
          this.schedule(n > 0 ? 0 : this.quietTicks <= 4 ? Math.min(this.opts.pollMs, this.opts.perKeyIntervalMs / 2) : this.opts.pollMs);
        });
    }, ms);
  }

  /** Delivers what is due now; returns how many deliveries were attempted. */
  async tick(): Promise<number> {
    const now = this.d.clock.now();
    const due = (await this.d.outbox.due(now, this.opts.batch)).filter((r) => !this.inFlight.has(r.id));
    // The global pace: at most maxPerSecond Teams deliveries finished in the last second or on their way.
    const t = now.getTime();
    // Wall-clock time: the pace is Teams' and the network's, whatever clock the app runs on.
    const wall = Date.now();
    while (this.recentTeams.length && wall - this.recentTeams[0] >= 1000) this.recentTeams.shift();
    let budget = (this.opts.maxPerSecond ?? Infinity) - this.recentTeams.length - this.teamsInFlight;
    const ready = due.filter((r) => {
      if (t - (this.lastSent.get(r.paceKey) ?? 0) < this.opts.perKeyIntervalMs) return false;
      if (r.channel !== 'teams') return true;
      return budget-- > 0;
    });
    // Claimed but paced: give them back so they stay due (for this or another instance).
    if (ready.length < due.length) await this.d.outbox.release(due.filter((r) => !ready.includes(r)).map((r) => r.id));
    if (!ready.length) {
      if (due.length) await sleep(this.opts.perKeyIntervalMs / 2);
      return due.length ? 1 : 0;
    }
    await Promise.all(ready.map((r) => this.deliverOne(r)));
    return ready.length;
  }

  private async deliverOne(rec: OutboxRecord): Promise<void> {
    this.inFlight.add(rec.id);
    this.startHeartbeat();
    this.lastSent.set(rec.paceKey, this.d.clock.now().getTime());
    if (rec.channel === 'teams') this.teamsInFlight++;
    try {
      const items = await this.d.outcomes.fanOut(rec);
      if (items) {
        // One pending update per ticket: repeated moves coalesce.
        if (items.length) await this.d.outbox.enqueueCoalesced(items, [...this.inFlight]);
      } else {
        await this.d.send(rec.payload);
        // Sent: what follows from it must not make the item look failed (it would be sent twice).
        await this.d.outcomes.delivered(rec).catch((err) => this.d.log.error({ err, outboxId: rec.id }, 'could not record a delivery'));
      }
      await this.d.outbox.markSent(rec.id, this.d.clock.now());
    } catch (err) {
      const e = toDeliveryError(err);
      const now = this.d.clock.now();
      if (e.permanent || rec.attempts + 1 >= this.opts.maxAttempts) {
        this.d.log.warn({ outboxId: rec.id, type: rec.payload.type, reason: e.message }, 'delivery failed for good');
        // The ticket's history first: once the item shows as failed, the failure is on the ticket.
        await this.d.outcomes.failedForGood(rec, e.message).catch((err2) => this.d.log.error({ err: err2 }, 'could not record a delivery failure'));
        await this.d.outbox.markFailed(rec.id, e.message, now);
      } else {
        const delay = nextAttemptDelay(rec.attempts, e.retryAfterMs);
        this.d.log.info({ outboxId: rec.id, type: rec.payload.type, reason: e.message, delay }, 'delivery will be retried');
        // A 429 slows the whole conversation, not just this item.
        if (e.retryAfterMs) this.lastSent.set(rec.paceKey, now.getTime() + e.retryAfterMs);
        await this.d.outbox.markRetry(rec.id, new Date(now.getTime() + delay), e.message);
      }
    } finally {
      if (rec.channel === 'teams') {
        this.teamsInFlight--;
        this.recentTeams.push(Date.now());
      }
      this.inFlight.delete(rec.id);
      if (!this.inFlight.size) this.stopHeartbeat();
    }
  }

  /**
   * While deliveries run, their claims are renewed every quarter of the lease: a delivery slower than
   * the lease (a slow connector, a long Retry-After wait inside the SDK) is not taken over by another
   * instance while this one lives, and the lease can stay short, so the claims of an instance that
   * died are taken over within one lease.
   */
  private startHeartbeat() {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => void this.renewLeases(), Math.max(10, Math.floor(this.d.outbox.leaseMs / 4)));
    this.heartbeat.unref();
  }

  private stopHeartbeat() {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private async renewLeases() {
    if (this.renewing || !this.inFlight.size) return;
    this.renewing = true;
    try {
      await this.d.outbox.renew([...this.inFlight], this.d.clock.now());
    } catch (err) {
      // The next beat tries again; the lease lasts four beats.
      this.d.log.warn({ err, inFlight: this.inFlight.size }, 'could not renew the outbox leases');
    } finally {
      this.renewing = false;
    }
  }
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
