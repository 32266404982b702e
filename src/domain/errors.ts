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

const STORAGE_CODES = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PROTOCOL)/;

/** The storage failure code of an error (mapped or raw driver error), or null when it is not one. */
export function storageFailureCode(err: unknown): string | null {
  if (err instanceof StorageUnavailableError) return err.storageCode;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_CODES.test(code) ? code : null;
}
