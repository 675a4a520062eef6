import { AppError } from '../errors.js';

/** The PBX answered and refused the request. `retryable` says whether the same request may succeed later. */
export class PbxRejectedError extends AppError {
  constructor(
    readonly pbxCode: string,
    readonly meaning: string,
    retryable: boolean,
    endpoint: string,
  ) {
    super('pbx_rejected', `PBX refused ${endpoint}: ${meaning} (errno ${pbxCode})`, { retryable, detail: { endpoint, errno: pbxCode } });
  }
}

/** The request did not reach the PBX, or was refused before it could act: safe to send again. */
export class PbxUnavailableError extends AppError {
  constructor(message: string, opts: { cause?: unknown; retryAt?: Date } = {}) {
    super('pbx_unavailable', message, { retryable: true, cause: opts.cause, detail: opts.retryAt ? { retryAt: opts.retryAt.toISOString() } : undefined });
    this.retryAt = opts.retryAt ?? null;
  }
  readonly retryAt: Date | null;
}

/**
 * The request was sent and no answer came back: the PBX may have acted on it. A dial in
 * this state must be settled from reports or a live-call query before it is placed again.
 */
export class PbxOutcomeUnknownError extends AppError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('pbx_outcome_unknown', message, { retryable: false, cause: opts.cause });
  }
}

/** The PBX refused our credentials or has locked us out; retrying soon makes it worse. */
export class PbxAuthError extends AppError {
  constructor(
    message: string,
    readonly retryAt: Date,
  ) {
    super('pbx_auth_failed', message, { retryable: true, detail: { retryAt: retryAt.toISOString() } });
  }
}

/** True when a failed request certainly did not take effect on the PBX and may be sent again. */
export function wasNotSent(err: unknown): boolean {
  return err instanceof PbxUnavailableError || err instanceof PbxAuthError;
}
