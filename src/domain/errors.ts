/** Typed domain errors. Handlers turn them into clear messages for the user. */
export class DomainError extends Error {
  constructor(readonly code: string, message: string, readonly context: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DomainError';
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, context: Record<string, unknown> = {}) {
    super('not_found', `${what} not found`, context);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends DomainError {
  constructor(reason: string, context: Record<string, unknown> = {}) {
    super('forbidden', reason, context);
    this.name = 'ForbiddenError';
  }
}

export class ConflictError extends DomainError {
  constructor(reason: string, context: Record<string, unknown> = {}) {
    super('conflict', reason, context);
    this.name = 'ConflictError';
  }
}

export class RateLimitedError extends DomainError {
  constructor(kind: string, readonly retryAfterSeconds: number) {
    super('rate_limited', `too many ${kind}`, { kind, retryAfterSeconds });
    this.name = 'RateLimitedError';
  }
}

/**
 * The database cannot take the change right now (locked by another process, disk full, I/O error,
 * read-only). Nothing was written; the same request can be retried later.
 */
export class StorageUnavailableError extends DomainError {
  constructor(readonly storageCode: string, detail: string) {
    super('storage_unavailable', `storage unavailable (${storageCode}): ${detail}`, { storageCode });
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
