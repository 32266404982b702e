/**
 * Moved to src/outbox/ (retries.ts, keys.ts). The lease default stays importable from here for the
 * storage adapters until their rewrite points them at src/outbox/retries.ts.
 */
export { DEFAULT_OUTBOX_LEASE_MS } from '../outbox/retries';
