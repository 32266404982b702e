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
