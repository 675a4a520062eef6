import { createHash } from 'node:crypto';
import type { Logger } from '../../logger.js';
import { metrics } from '../../metrics.js';
import { PbxAuthError, PbxOutcomeUnknownError, PbxRejectedError, PbxUnavailableError, wasNotSent } from '../pbx-errors.js';
import { describeErrno, TOKEN_ERRNOS } from './errnos.js';
import { postJson, Preconnections, type TransportOptions } from './transport.js';

/** Where the PBX should POST its reports, in the shape login and heartbeat take. */
export interface ReportTarget {
  port: string;
  url: string;
  /** "0": url is a path on the address we logged in from; "1": url is absolute. */
  urltag: '0' | '1';
}

export interface YeastarApiOptions {
  baseUrl: URL;
  username: string;
  password: string;
  reportTarget: ReportTarget;
  transport: TransportOptions;
  log: Logger;
  now?: () => number;
  /** How long to stay away after the PBX refused our credentials or locked us out. */
  authBackoffMs?: number;
}

type Answer = Record<string, unknown> & { status?: unknown; errno?: unknown };

const API_PREFIX = '/api/v1.1.0/';
/** Report format whose payloads are well-formed JSON (call[] arrays instead of duplicate keys). */
const REPORT_VERSION = '1.0.2';
const UNREACHABLE_BACKOFF_MAX_MS = 60_000;

/**
 * The S-Series HTTP API with its token: one login at a time however many requests wait
 * for it, one re-login and retry on a token errno, and no hammering after the PBX refused
 * us (five bad logins lock the address for ten minutes).
 */
export class YeastarApi {
  private token: string | null = null;
  private loginInFlight: Promise<string> | null = null;
  private blockedUntil = 0;
  private blockedBy: Error | null = null;
  private unreachableStreak = 0;
  private readonly now: () => number;
  private readonly authBackoffMs: number;
  private readonly ahead: Preconnections;

  constructor(private readonly opts: YeastarApiOptions) {
    this.now = opts.now ?? Date.now;
    this.authBackoffMs = opts.authBackoffMs ?? 10 * 60_000;
    this.ahead = new Preconnections(opts.baseUrl, opts.transport);
  }

  /** Opens a connection for a request `{ ahead: true }` expected within a second. */
  openAhead(): void {
    this.ahead.open();
  }

  /** Why requests are being refused without asking the PBX, if they are. */
  get blockedReason(): string | null {
    return this.blockedUntil > this.now() ? (this.blockedBy?.message ?? 'backing off') : null;
  }

  /**
   * Sends a request with a token; on a token errno logs in again once and repeats it. With
   * `ahead`, it goes over a connection opened by `openAhead` if one is ready.
   */
  async request(endpoint: string, body: Record<string, string>, opts: { ahead?: boolean } = {}): Promise<Answer> {
    const token = await this.getToken();
    const answer = await this.send(endpoint, body, token, opts.ahead);
    if (isSuccess(answer)) return answer;
    const errno = errnoOf(answer);
    if (TOKEN_ERRNOS.has(errno)) {
      this.dropToken(token);
      const fresh = await this.getToken();
      const retried = await this.send(endpoint, body, fresh);
      if (isSuccess(retried)) return retried;
      // Refused for its token twice: the PBX did not act on it.
      if (TOKEN_ERRNOS.has(errnoOf(retried))) throw new PbxUnavailableError(`PBX refused the token for ${endpoint} right after login (errno ${errnoOf(retried)})`);
      throw this.rejection(endpoint, retried);
    }
    throw this.rejection(endpoint, answer);
  }

  async getToken(): Promise<string> {
    if (this.token) return this.token;
    this.loginInFlight ??= this.login().finally(() => {
      this.loginInFlight = null;
    });
    return this.loginInFlight;
  }

  /** Forgets the token (if it is still the one given) so the next request logs in again. */
  dropToken(token?: string): void {
    if (token === undefined || this.token === token) this.token = null;
  }

  /** Keeps the token alive (30 idle minutes kill it) and re-states where reports go. */
  async heartbeat(): Promise<void> {
    const { port, url, urltag } = this.opts.reportTarget;
    // The flag is spelt urlflag on one vendor page and urltag on the others: send both.
    await this.request('heartbeat', { port, url, urltag, urlflag: urltag });
  }

  async logout(): Promise<void> {
    this.ahead.close();
    const token = this.token;
    if (!token) return;
    this.token = null;
    await this.send('logout', {}, token).catch(() => undefined);
  }

  private async login(): Promise<string> {
    const now = this.now();
    if (this.blockedUntil > now) {
      const retryAt = new Date(this.blockedUntil);
      if (this.blockedBy instanceof PbxAuthError) throw new PbxAuthError(this.blockedBy.message, retryAt);
      throw new PbxUnavailableError(`PBX login backing off until ${retryAt.toISOString()}: ${this.blockedBy?.message ?? ''}`, { retryAt });
    }
    const { username, password, reportTarget } = this.opts;
    let answer: Answer;
    try {
      answer = await this.send('login', {
        username,
        password: createHash('md5').update(password).digest('hex'),
        port: reportTarget.port,
        url: reportTarget.url,
        urltag: reportTarget.urltag,
        version: REPORT_VERSION,
      });
    } catch (err) {
      // Unreachable or silent: not a credential failure, so it does not count towards the lock.
      this.unreachableStreak += 1;
      const delay = Math.min(UNREACHABLE_BACKOFF_MAX_MS, 500 * 2 ** (this.unreachableStreak - 1));
      this.block(now + delay, err as Error);
      throw err instanceof PbxOutcomeUnknownError ? new PbxUnavailableError(err.message, { cause: err }) : err;
    }
    if (isSuccess(answer) && typeof answer.token === 'string' && answer.token) {
      this.token = answer.token;
      this.unreachableStreak = 0;
      this.blockedUntil = 0;
      this.blockedBy = null;
      this.opts.log.info({ event: 'pbx.login' }, 'logged in to PBX');
      return answer.token;
    }
    const errno = errnoOf(answer);
    const retryAt = new Date(now + this.authBackoffMs);
    const meaning = describeErrno(errno).meaning;
    const hint = errno === '20002' ? 'the PBX locks the API user for 10 minutes after 5 failed logins; an admin can unblock it under API-IP' : 'check PBX_USERNAME and PBX_PASSWORD';
    const err = new PbxAuthError(`PBX login refused: ${meaning} (errno ${errno}); ${hint}; next attempt after ${retryAt.toISOString()}`, retryAt);
    this.block(retryAt.getTime(), err);
    this.opts.log.error({ event: 'pbx.login_refused', errno, retryAt }, err.message);
    throw err;
  }

  private block(until: number, reason: Error): void {
    this.blockedUntil = until;
    this.blockedBy = reason;
  }

  private async send(endpoint: string, body: Record<string, string>, token?: string, ahead = false): Promise<Answer> {
    const url = new URL(API_PREFIX + endpoint, this.opts.baseUrl);
    if (token) url.searchParams.set('token', token);
    const end = metrics.pbxRequests.startTimer({ endpoint });
    let answer: unknown;
    try {
      answer = await postJson(url, body, this.opts.transport, ahead ? this.ahead : undefined);
      if (typeof answer !== 'object' || answer === null) throw new PbxOutcomeUnknownError(`PBX answered ${endpoint} with something that is not an object`);
    } catch (err) {
      const result = wasNotSent(err) ? 'unreachable' : 'unknown';
      end({ result });
      metrics.pbxErrors.inc({ endpoint, errno: result });
      throw err;
    }
    const ok = isSuccess(answer as Answer);
    end({ result: ok ? 'ok' : 'rejected' });
    if (!ok) metrics.pbxErrors.inc({ endpoint, errno: errnoOf(answer as Answer) });
    return answer as Answer;
  }

  private rejection(endpoint: string, answer: Answer): PbxRejectedError {
    const errno = errnoOf(answer);
    const info = describeErrno(errno);
    return new PbxRejectedError(errno, info.meaning, info.retryable, endpoint);
  }
}

function isSuccess(answer: Answer): boolean {
  return answer.status === 'Success';
}

function errnoOf(answer: Answer): string {
  return answer.errno === undefined ? 'none' : String(answer.errno);
}
