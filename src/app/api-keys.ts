import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/prisma.js';
import { ConflictError, NotFoundError } from '../errors.js';

export const API_SCOPES = ['submit', 'read', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

/** Creates a key and returns it: the only time it is ever shown. */
export async function createApiKey(prisma: Db, name: string, scopes: ApiScope[]): Promise<string> {
  if (await prisma.apiKey.findUnique({ where: { name } })) throw new ConflictError(`a key named ${name} exists`);
  const key = `cc_${randomBytes(24).toString('base64url')}`;
  await prisma.apiKey.create({ data: { id: randomUUID(), name, keyHash: digest(key), prefix: key.slice(0, 8), scopes } });
  return key;
}

export async function revokeApiKey(prisma: Db, name: string): Promise<void> {
  const n = await prisma.apiKey.updateMany({ where: { name, revokedAt: null }, data: { revokedAt: new Date() } });
  if (n.count === 0) throw new NotFoundError('active API key', name);
}

export async function listApiKeys(prisma: Db) {
  return prisma.apiKey.findMany({ orderBy: { createdAt: 'desc' }, select: { id: true, name: true, prefix: true, scopes: true, createdAt: true, lastUsedAt: true, revokedAt: true } });
}

/**
 * The name and scopes of a presented key, or null. Keys from API_KEYS (simple set-ups) grant
 * every scope; database keys their own, until revoked. Last use is recorded at most once a
 * minute per key.
 */
export async function scopesOfKey(prisma: Db, envKeys: string[], key: string): Promise<{ name: string; scopes: ApiScope[] } | null> {
  const given = Buffer.from(digest(key), 'hex');
  if (envKeys.some((k) => timingSafeEqual(Buffer.from(digest(k), 'hex'), given))) return { name: 'API_KEYS', scopes: [...API_SCOPES] };
  const found = await prisma.apiKey.findUnique({ where: { keyHash: digest(key) } });
  if (!found || found.revokedAt) return null;
  if (!found.lastUsedAt || Date.now() - found.lastUsedAt.getTime() > 60_000) {
    await prisma.apiKey.update({ where: { id: found.id }, data: { lastUsedAt: new Date() } });
  }
  return { name: found.name, scopes: found.scopes.filter((s): s is ApiScope => (API_SCOPES as readonly string[]).includes(s)) };
}
