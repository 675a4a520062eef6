import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { scopesOfKey, type ApiScope } from '../app/api-keys.js';
import type { Db } from '../db/prisma.js';
import { AppError } from '../errors.js';
import { FailureLimiter, WindowLimiter } from './rate-limit.js';

/**
 * Bearer keys: from API_KEYS or the database. Reads need the `read` scope, changes `submit`,
 * and removing a number from the suppression list `admin`.
 */
export function requireApiKey(prisma: Db, envKeys: string[], requestsPerMinute: number): RequestHandler {
  // An address that keeps presenting wrong keys is guessing; a key that floods is a runaway client.
  const guesses = new FailureLimiter(20);
  const requests = new WindowLimiter(requestsPerMinute);
  return async (req, res, next) => {
    const address = req.ip ?? 'unknown';
    if (guesses.blocked(address)) return next(tooMany(res, 60, 'Too many requests with a wrong API key from this address; wait a minute'));
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const key = token ? await scopesOfKey(prisma, envKeys, token) : null;
    if (!key) {
      // A request without a key guesses nothing; a wrong key may be a guess.
      if (token) guesses.fail(address);
      res.setHeader('www-authenticate', 'Bearer');
      return next(new AppError('unauthorized', 'A valid API key is required (Authorization: Bearer <key>)'));
    }
    res.locals.actor = `key:${key.name}`;
    const { scopes } = key;
    const wait = requests.take(token);
    if (wait) return next(tooMany(res, wait, `This key made more than ${requestsPerMinute} requests this minute`));
    // Taking a number off the do-not-call list, and reading the audit log, are for administrators.
    const adminOnly = req.path.startsWith('/audit') || (req.method === 'DELETE' && req.path.startsWith('/suppressions/'));
    const needed: ApiScope = adminOnly ? 'admin' : req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'submit';
    if (!scopes.includes(needed) && !scopes.includes('admin')) return next(new AppError('forbidden', `This key lacks the ${needed} scope`));
    next();
  };
}

/** A single shared bearer token (Prometheus's scrape), or no check at all when none is configured. */
export function requireToken(token: string | null, what: string): RequestHandler {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  const expected = token === null ? null : digest(token);
  return (req, res, next) => {
    if (expected === null) return next();
    const given = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (given && timingSafeEqual(digest(given), expected)) return next();
    res.setHeader('www-authenticate', 'Bearer');
    next(new AppError('unauthorized', `Send ${what} as a bearer token`));
  };
}

function tooMany(res: Response, seconds: number, message: string): AppError {
  res.setHeader('retry-after', String(seconds));
  return new AppError('rate_limited', message, { retryable: true });
}
