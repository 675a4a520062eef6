import type { Logger } from '../../logger.js';
import type { DialRequest, LiveCall, PbxCallRef, PbxDriver, PbxEventHandler, PbxHealth } from '../driver.js';
import { PbxOutcomeUnknownError, PbxRejectedError, PbxUnavailableError } from '../pbx-errors.js';
import { parseReport } from './reports.js';
import { YeastarApi, type YeastarApiOptions } from './yeastar-api.js';
import { AppError } from '../../errors.js';

export interface YeastarDriverOptions extends YeastarApiOptions {
  /** Extension whose outbound-route permission dials and transfers use. */
  fromExt: string;
  /** Well inside the PBX's 30-minute token lifetime. */
  heartbeatMs?: number;
  /** The PBX's serial number: a report with another `sn` comes from another PBX and is refused. */
  sn?: string | null;
}

const CALL_GONE = '10007';
const LIVE_STATES: Record<string, LiveCall['state']> = { Talking: 'talking', Progress: 'ringing', Wait: 'waiting' };

/**
 * Yeastar S-Series (API v1.1.0). Reports arrive over HTTP on codecall's own webhook, which
 * hands them to `receiveReport`; everything vendor-shaped stays in this folder.
 */
export class YeastarDriver implements PbxDriver {
  readonly vendor = 'yeastar-s';
  private readonly api: YeastarApi;
  private handler: PbxEventHandler | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly log: Logger;

  constructor(private readonly opts: YeastarDriverOptions) {
    this.api = new YeastarApi(opts);
    this.log = opts.log;
  }

  async start(handler: PbxEventHandler): Promise<void> {
    this.handler = handler;
    const every = this.opts.heartbeatMs ?? 20 * 60_000;
    this.heartbeatTimer = setInterval(() => {
      this.api.heartbeat().catch((err: Error) => this.log.warn({ event: 'pbx.heartbeat_failed', err: err.message }, 'PBX heartbeat failed'));
    }, every);
    this.heartbeatTimer.unref();
    // A PBX that is down at start is not fatal: requests log in when it is back.
    await this.api.getToken().catch((err: Error) => this.log.warn({ event: 'pbx.login_deferred', err: err.message }, 'PBX login failed at start'));
  }

  async stop(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    await this.api.logout();
  }

  /**
   * Takes one report POSTed by the PBX. Resolves once the handler has taken the events,
   * so the webhook answers 200 only for reports that are safe; the PBX resends the rest.
   */
  async receiveReport(body: unknown, receivedAt: Date): Promise<void> {
    const { events, sn } = parseReport(body, receivedAt);
    if (this.opts.sn && sn !== this.opts.sn) throw new AppError('forbidden', 'Report from a PBX with another serial number');
    if (events.some((e) => e.type === 'pbx-restarted')) {
      // A rebooted PBX has forgotten every token; log in now so reports flow again.
      this.api.dropToken();
      this.api.getToken().catch((err: Error) => this.log.warn({ event: 'pbx.relogin_failed', err: err.message }, 'PBX login after reboot failed'));
    }
    if (!this.handler) throw new PbxUnavailableError('PBX driver is not started');
    await this.handler(events);
  }

  prepareRouting(): void {
    this.api.openAhead();
  }

  async dial(req: DialRequest): Promise<{ pbxCallId: string }> {
    const answer = await this.api.request('ivr/dial_outbound', { ivrid: req.ivr, outto: req.phone, fromext: this.opts.fromExt });
    // Success without an id: the call may exist, so its outcome is unknown, not refused.
    if (typeof answer.callid !== 'string' || !answer.callid) throw new PbxOutcomeUnknownError('PBX accepted the dial but gave no call id');
    return { pbxCallId: answer.callid };
  }

  async transfer(call: PbxCallRef, target: string): Promise<void> {
    const legId = call.legId ?? (await this.findLeg(call.phone));
    try {
      await this.api.request('outbound/transfer_number', { outboundid: legId, number: target, fromext: this.opts.fromExt }, { ahead: true });
    } catch (err) {
      if (!(err instanceof PbxRejectedError && err.pbxCode === CALL_GONE) || call.legId === null) throw err;
      // A stale leg id: the live call to that number, if there is one, is the one to move.
      const current = await this.findLeg(call.phone);
      if (current === legId) throw err;
      await this.api.request('outbound/transfer_number', { outboundid: current, number: target, fromext: this.opts.fromExt });
    }
  }

  async hangup(call: PbxCallRef): Promise<void> {
    try {
      const legId = call.legId ?? (await this.findLeg(call.phone));
      await this.api.request('outbound/hangup', { outboundid: legId }, { ahead: true });
    } catch (err) {
      // Hanging up a call that has already ended is what was wanted.
      if (err instanceof PbxRejectedError && err.pbxCode === CALL_GONE) return;
      throw err;
    }
  }

  async liveCalls(): Promise<LiveCall[]> {
    const answer = await this.api.request('outbound/query', {});
    const list = Array.isArray(answer.outbound) ? (answer.outbound as Record<string, unknown>[]) : [];
    return list.map((c) => ({
      legId: String(c.outboundid ?? ''),
      from: String(c.from ?? ''),
      to: String(c.to ?? ''),
      state: LIVE_STATES[String(c.status)] ?? 'unknown',
    }));
  }

  async health(): Promise<PbxHealth> {
    const blocked = this.api.blockedReason;
    if (blocked) return { ok: false, detail: blocked };
    try {
      await this.api.getToken();
      return { ok: true, detail: 'logged in' };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  private async findLeg(phone: string): Promise<string> {
    const live = await this.liveCalls();
    const match = live.find((c) => c.to === phone);
    if (!match) throw new PbxRejectedError(CALL_GONE, `no live call to that number`, false, 'outbound/query');
    return match.legId;
  }
}
