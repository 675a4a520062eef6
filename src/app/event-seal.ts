import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { CallEvent, PbxEvent } from '../domain/call-events.js';

/**
 * Keyed digits are as secret as the code itself. Between being stored and being processed
 * they are sealed with AES-256-GCM; once processed the stored event keeps no digits at all.
 */
export type StoredEvent = Omit<PbxEvent, 'receivedAt'> & { receivedAt: string };

function keyFor(secret: string): Buffer {
  return createHash('sha256').update(`codecall-seal:${secret}`).digest();
}

export function seal(secret: string, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret), iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return `sealed:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

export function unseal(secret: string, value: string): string {
  if (!value.startsWith('sealed:')) return value;
  const raw = Buffer.from(value.slice('sealed:'.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', keyFor(secret), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

const isDigit = (k: string) => /^\d$/.test(k);

/** The event as it may be stored: digits sealed. */
export function sealEvent(secret: string, e: PbxEvent): StoredEvent {
  const stored = { ...e, receivedAt: e.receivedAt.toISOString() } as StoredEvent & { digits?: string; key?: string };
  if (e.type === 'code') stored.digits = seal(secret, e.digits);
  if (e.type === 'key' && isDigit(e.key)) stored.key = seal(secret, e.key);
  return stored;
}

export function openEvent(secret: string, s: StoredEvent): PbxEvent {
  const e = { ...s, receivedAt: new Date(s.receivedAt) } as PbxEvent;
  if (e.type === 'code') return { ...e, digits: unseal(secret, e.digits) };
  if (e.type === 'key') return { ...e, key: unseal(secret, e.key) };
  return e;
}

/** The event as it stays stored once processed: no digits, unless `keepKey` (the press of the confirm key). */
export function scrubEvent(e: CallEvent | PbxEvent, keepKey: boolean): StoredEvent {
  const stored = { ...e, receivedAt: e.receivedAt.toISOString() } as StoredEvent & { digits?: string; key?: string };
  if (e.type === 'code') stored.digits = '*'.repeat(e.digits.length);
  if (e.type === 'key' && isDigit(e.key) && !keepKey) stored.key = '*';
  return stored;
}
