import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { AppError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * The only place errors become HTTP answers: RFC 9457 problem+json with a stable `code`,
 * a `message` for people and, for bad input, every bad field by path (`calls[3].phone`).
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  message: string;
  errors?: { path: string; message: string }[];
}

/** `['calls', 3, 'phone']` -> `calls[3].phone` */
export function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '') || '(body)';
}

export function validationErrorFrom(err: z.ZodError, message = 'The request is not valid'): ValidationError {
  return new ValidationError(
    message,
    err.issues.map((i) => ({ path: formatPath(i.path), message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message })),
  );
}

const STATUS: Record<string, number> = {
  validation_failed: 400,
  unauthorized: 401,
  rate_limited: 429,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  pbx_unavailable: 503,
  not_ready: 503,
};

export function toProblem(err: unknown): Problem {
  if (err instanceof z.ZodError) return toProblem(validationErrorFrom(err));
  if (err instanceof AppError) {
    const status = STATUS[err.code] ?? 500;
    const problem: Problem = { type: `urn:codecall:${err.code}`, title: err.code.replace(/_/g, ' '), status, code: err.code, message: status >= 500 && !(err.code in STATUS) ? 'Internal error' : err.message };
    if (err instanceof ValidationError) problem.errors = err.errors;
    return problem;
  }
  // body-parser's errors carry a status and a type; anything else is ours and stays private.
  const e = err as { status?: number; type?: string };
  if (e?.type === 'entity.too.large') return toProblem(new AppError('payload_too_large', 'The request body is too large'));
  if (e?.type === 'entity.too.deep') return toProblem(new ValidationError((err as Error).message, [{ path: '(body)', message: 'nested too deeply' }]));
  if (e?.type === 'entity.parse.failed') return toProblem(new ValidationError('The body is not valid JSON', [{ path: '(body)', message: 'not valid JSON' }]));
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return toProblem(new AppError('validation_failed', 'The request is not valid'));
  return { type: 'urn:codecall:internal', title: 'internal', status: 500, code: 'internal', message: 'Internal error' };
}

export function problemHandler(log: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const problem = toProblem(err);
    if (problem.status >= 500) log.error({ err, reqId: res.locals.reqId, event: 'http.error' }, 'request failed');
    res.status(problem.status).type('application/problem+json').json(problem);
  };
}

