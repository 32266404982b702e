/** Delivery policy for the outbox: what to retry, when, and what is final. Pure. */

export class DeliveryError extends Error {
  constructor(
    message: string,
    /** Final: the recipient blocked the bot, the conversation is gone, the address is rejected. */
    readonly permanent: boolean,
    /** Server-requested wait (Retry-After), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/**
 * How long an outbox claim lasts unless its holder renews it. The dispatcher renews the claims of the
 * deliveries it runs every quarter of this, so a live holder keeps them however long a delivery takes,
 * and the claims of an instance that died are taken over by another within one lease (+ one poll).
 */
/** Outbox pace keys: one conversation's deliveries go out one at a time, in order. */
export const userKey = (oid: string) => `user:${oid}`;
export const channelKey = (channelId: string) => `channel:${channelId}`;

export const DEFAULT_OUTBOX_LEASE_MS = 20_000;

/** Statuses worth retrying, as Teams documents them: throttling and transient server errors. */
export const RETRYABLE_STATUSES = new Set([408, 412, 429, 500, 502, 503, 504]);

/** Exponential backoff with ±20 % jitter, capped; Retry-After wins when larger. */
export function nextAttemptDelay(attempts: number, retryAfterMs: number | undefined, random = Math.random): number {
  const base = Math.min(300_000, 1000 * 2 ** Math.min(attempts, 16));
  const jittered = base * (0.8 + 0.4 * random());
  return Math.max(Math.round(jittered), retryAfterMs ?? 0);
}

export function classifyHttpStatus(status: number | undefined, message: string, retryAfterMs?: number): DeliveryError {
  if (status !== undefined && (status === 403 || status === 404 || status === 400 || status === 401)) {
    return new DeliveryError(`HTTP ${status}: ${message}`, true);
  }
  if (status === undefined || RETRYABLE_STATUSES.has(status) || status >= 500) {
    return new DeliveryError(status ? `HTTP ${status}: ${message}` : message, false, retryAfterMs);
  }
  return new DeliveryError(`HTTP ${status}: ${message}`, true);
}
