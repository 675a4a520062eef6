import { createHash, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Db } from '../db/prisma.js';
import { AppError, ConflictError } from '../errors.js';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export const STAFF_ROLES = ['viewer', 'operator', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** viewer reads; operator also creates, pauses, resumes and cancels; admin also manages users and keys. */
export function roleAllows(role: StaffRole, needed: StaffRole): boolean {
  return STAFF_ROLES.indexOf(role) >= STAFF_ROLES.indexOf(needed);
}

const SESSION_MS = 12 * 3600_000;
const LOCK_AFTER = 5;
const LOCK_MS = 15 * 60_000;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('hex')}$${(await scrypt(password, salt, 32)).toString('hex')}`;
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [, salt, hash] = stored.split('$');
  if (!salt || !hash) return false;
  const actual = await scrypt(password, Buffer.from(salt, 'hex'), 32);
  return timingSafeEqual(actual, Buffer.from(hash, 'hex'));
}

export async function createStaffUser(prisma: Db, username: string, password: string, role: StaffRole): Promise<string> {
  if (password.length < 12) throw new AppError('validation_failed', 'The password must be at least 12 characters');
  const exists = await prisma.staffUser.findUnique({ where: { username } });
  if (exists) throw new ConflictError(`user ${username} exists`);
  const id = randomUUID();
  await prisma.staffUser.create({ data: { id, username, passwordHash: await hashPassword(password), role } });
  return id;
}

export interface StaffSession {
  userId: string;
  username: string;
  role: StaffRole;
  csrfToken: string;
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Signs a user in: a new session token (only its hash is stored) and a CSRF token. Five
 * wrong passwords in a row lock the account for 15 minutes; the answer never tells which
 * of name or password was wrong.
 */
export async function signIn(prisma: Db, username: string, password: string): Promise<{ token: string; session: StaffSession }> {
  const user = await prisma.staffUser.findUnique({ where: { username } });
  const refused = new AppError('unauthorized', 'Wrong user name or password, or the account is locked for a while');
  if (!user) {
    await hashPassword(password); // the same work as a real check, so timing tells nothing
    throw refused;
  }
  // Checked even for a locked account, so timing does not tell locked from unknown.
  const matches = await passwordMatches(password, user.passwordHash);
  if (user.lockedUntil && user.lockedUntil > new Date()) throw refused;
  if (!matches) {
    // One atomic increment per failure: parallel guesses cannot overwrite each other's count.
    const [row] = await prisma.query<{ failed_logins: number }>(
      `UPDATE staff_user SET failed_logins = failed_logins + 1 WHERE id = $1::uuid RETURNING failed_logins`,
      user.id,
    );
    if ((row?.failed_logins ?? 0) >= LOCK_AFTER) await prisma.staffUser.update({ where: { id: user.id }, data: { lockedUntil: new Date(Date.now() + LOCK_MS) } });
    throw refused;
  }
  await prisma.staffUser.update({ where: { id: user.id }, data: { failedLogins: 0, lockedUntil: null } });
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await prisma.staffSession.create({ data: { tokenHash: tokenHash(token), userId: user.id, csrfToken, expiresAt: new Date(Date.now() + SESSION_MS) } });
  return { token, session: { userId: user.id, username: user.username, role: user.role, csrfToken } };
}

export async function sessionFor(prisma: Db, token: string | undefined): Promise<StaffSession | null> {
  if (!token) return null;
  const s = await prisma.staffSession.findUnique({ where: { tokenHash: tokenHash(token) }, include: { user: true } });
  if (!s || s.expiresAt < new Date()) return null;
  return { userId: s.userId, username: s.user.username, role: s.user.role, csrfToken: s.csrfToken };
}

export async function signOut(prisma: Db, token: string): Promise<void> {
  await prisma.staffSession.deleteMany({ where: { tokenHash: tokenHash(token) } });
}
