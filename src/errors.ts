/**
 * The one error family. `code` is stable and machine-readable; `message` is safe to show
 * to a client; `detail` is for logs only. Nothing here knows about HTTP: api/problem.ts maps
 * codes to statuses.
 */
export class AppError extends Error {
  readonly code: string;
  /** True when trying the same thing again later may succeed. */
  readonly retryable: boolean;
  readonly detail?: Record<string, unknown>;

  constructor(code: string, message: string, opts: { retryable?: boolean; detail?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.detail = opts.detail;
  }
}

/**
 * A transaction whose COMMIT went out and whose connection failed before PostgreSQL answered:
 * it may have committed. Doing its work again may do it twice.
 */
export class CommitOutcomeUnknownError extends AppError {
  constructor(cause: unknown) {
    super('commit_outcome_unknown', 'The database may have committed the transaction; its answer was lost', { cause });
  }
}

export class ConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super('config_invalid', `Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export class ValidationError extends AppError {
  constructor(
    message: string,
    readonly errors: { path: string; message: string }[],
  ) {
    super('validation_failed', message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string) {
    super('not_found', `${what} ${id} does not exist`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('conflict', message);
  }
}
