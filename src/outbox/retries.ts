/**
 * Delivery policy: what is retried, when, and what is final. Pure: a connector error is recognised
 * by its shape (status code, Retry-After header), so nothing here imports botbuilder.
 */
import { MailDeliveryError } from '../domain/mail';

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

/**
 * Maps a failed send to the policy: a DeliveryError as is, a mail error by its `permanent` flag, a
 * connector error (RestError) by its status and Retry-After.
 */
export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof MailDeliveryError) return new DeliveryError(err.message, err.permanent);
  const e = err as { statusCode?: number; message?: string; response?: { headers?: { get?: (k: string) => string | undefined } } };
  const retryAfter = e?.response?.headers?.get?.('retry-after');
  const retryAfterMs = retryAfter && /^\d+(\.\d+)?$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  return classifyHttpStatus(e?.statusCode, e?.message ?? String(err), retryAfterMs);
}
