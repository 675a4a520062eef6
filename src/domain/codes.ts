import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Codes are kept only as HMAC-SHA256 under a server secret, salted with the call id so equal
 * codes do not look equal. Pure computation: the secret comes in as an argument.
 */
export function hashCode(secret: string, callId: string, code: string): string {
  return createHmac('sha256', secret).update(`${callId}:${code}`).digest('hex');
}

/** Constant-time check of keyed digits against a stored hash. */
export function codeMatches(secret: string, callId: string, digits: string, storedHash: string): boolean {
  const actual = Buffer.from(hashCode(secret, callId, digits), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
