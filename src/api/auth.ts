import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { scopesOfKey, type ApiScope } from '../app/api-keys.js';
import type { PrismaClient } from '../db/prisma.js';
import { AppError } from '../errors.js';

/**
 * Bearer keys: from API_KEYS or the database. Reads need the `read` scope, changes `submit`,
 * and removing a number from the suppression list `admin`.
 */
export function requireApiKey(prisma: PrismaClient, envKeys: string[]): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const scopes = token ? await scopesOfKey(prisma, envKeys, token) : null;
    if (!scopes) {
      res.setHeader('www-authenticate', 'Bearer');
      return next(new AppError('unauthorized', 'A valid API key is required (Authorization: Bearer <key>)'));
    }
    // Taking a number off the do-not-call list is an administrator's decision.
    const needed: ApiScope = req.method === 'GET' || req.method === 'HEAD' ? 'read' : req.method === 'DELETE' && req.path.startsWith('/suppressions/') ? 'admin' : 'submit';
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
