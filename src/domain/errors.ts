/** Typed domain errors that carry what the caller needs to answer the user. */
export class RateLimitedError extends Error {
  constructor(readonly kind: string, readonly retryAfterSeconds: number) {
    super(`too many ${kind}`);
    this.name = 'RateLimitedError';
  }
}

/**
 * The database cannot take the change right now (locked by another process, disk full, I/O error,
 * read-only). Nothing was written; the same request can be retried later.
 */
export class StorageUnavailableError extends Error {
  constructor(readonly storageCode: string, detail: string) {
    super(`storage unavailable (${storageCode}): ${detail}`);
    this.name = 'StorageUnavailableError';
  }
}

/**
 * SQLite result codes; PostgreSQL SQLSTATEs (08 connection exception, 53 insufficient resources such
 * as 53100 disk full, 57P01-57P03 shutdown / cannot connect now, 55P03 lock not available, 57014 statement
 * timeout, 58 system error, 25006 read-only transaction). Network errors (ECONNREFUSED...) are mapped by
 * the PostgreSQL storage itself (an unreachable Teams connector is not a storage failure).
 */
const STORAGE_CODES =
  /^(SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PROTOCOL)|08[0-9A-Z]{3}$|53[0-9A-Z]{3}$|57P0[1-3]$|55P03$|57014$|58[0-9A-Z]{3}$|25006$|PG_CONNECTION$)/;

/** The storage failure code of an error (mapped or raw driver error), or null when it is not one. */
export function storageFailureCode(err: unknown): string | null {
  if (err instanceof StorageUnavailableError) return err.storageCode;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_CODES.test(code) ? code : null;
}
