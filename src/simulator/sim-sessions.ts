import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { fail, remoteIp, type Answer } from './sim-http.js';
import type { SimRecorder } from './sim-recorder.js';

const TOKEN_TTL_MS = 30 * 60_000;
const LOCK_AFTER_FAILURES = 5;

/**
 * The simulated PBX's API sessions: MD5-password logins, sliding 30-minute tokens, the
 * five-failures lockout per address, and where reports go (the latest login or heartbeat).
 */
export class SimSessions {
  private readonly sessions = new Map<string, { expiresAt: number }>();
  private readonly failures = new Map<string, { count: number; lockedUntil: number }>();
  reportTarget: string | null = null;
  /** Set by a login without `version`: reports then come in the old, duplicate-key shape. */
  legacyReports = false;

  constructor(
    private readonly opts: { username: string; password: string; tokenTtlMs?: number; lockoutMs?: number },
    private readonly recorder: SimRecorder,
  ) {}

  hasLive(): boolean {
    const now = Date.now();
    for (const s of this.sessions.values()) if (s.expiresAt > now) return true;
    return false;
  }

  expireAll(): void {
    this.sessions.clear();
  }

  logout(token: string): void {
    this.sessions.delete(token);
  }

  retarget(req: http.IncomingMessage, port: string, url: string, urltag: string): void {
    this.reportTarget = this.targetFrom(req, port, url, urltag);
  }

  login(req: http.IncomingMessage, body: Record<string, unknown>): Answer {
    const ip = remoteIp(req);
    const now = Date.now();
    const record = this.failures.get(ip) ?? { count: 0, lockedUntil: 0 };
    if (record.lockedUntil > now) {
      this.recorder.logins.push({ at: now, ok: false, errno: '20002' });
      return fail('20002');
    }
    const expected = createHash('md5').update(this.opts.password).digest('hex');
    if (!body.username || !body.password || body.port === undefined) return this.failed(ip, record, '20007');
    if (body.username !== this.opts.username || String(body.password).toLowerCase() !== expected) return this.failed(ip, record, '20003');
    const port = Number(body.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return this.failed(ip, record, '20008');
    this.failures.delete(ip);
    const token = randomBytes(16).toString('hex');
    this.sessions.set(token, { expiresAt: now + (this.opts.tokenTtlMs ?? TOKEN_TTL_MS) });
    this.legacyReports = body.version === undefined;
    this.reportTarget = this.targetFrom(req, String(body.port), String(body.url ?? ''), String(body.urltag ?? '0'));
    this.recorder.logins.push({ at: now, ok: true, version: body.version === undefined ? null : String(body.version) });
    return { status: 'Success', token };
  }

  private failed(ip: string, record: { count: number; lockedUntil: number }, errno: string): Answer {
    record.count += 1;
    if (record.count >= LOCK_AFTER_FAILURES) record.lockedUntil = Date.now() + (this.opts.lockoutMs ?? 10 * 60_000);
    this.failures.set(ip, record);
    this.recorder.logins.push({ at: Date.now(), ok: false, errno });
    return fail(errno);
  }

  /** Any request keeps a token alive for another lifetime, as on the PBX. */
  check(token: string | null): Answer | null {
    if (!token) return fail('20005');
    const session = this.sessions.get(token);
    if (!session) return fail('20004');
    const now = Date.now();
    if (session.expiresAt <= now) {
      this.sessions.delete(token);
      return fail('20006');
    }
    session.expiresAt = now + (this.opts.tokenTtlMs ?? TOKEN_TTL_MS);
    return null;
  }

  private targetFrom(req: http.IncomingMessage, port: string, url: string, urltag: string): string {
    if (urltag === '1') return /^https?:\/\//.test(url) ? url : `http://${url}`;
    const ip = remoteIp(req);
    const host = ip.includes(':') ? `[${ip}]` : ip;
    return `http://${host}:${port}/${url.replace(/^\//, '')}`;
  }
}
