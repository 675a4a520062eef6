import { entryFor, type Persona } from './personas.js';
import type { Timings } from './sim-config.js';

export interface SimCallEnv {
  timings: () => Timings;
  report: (report: Record<string, unknown>) => Promise<void>;
  sn: string;
  trunk: string;
  successIvr: string;
  retryIvr: string;
  /** Called once when the call is over, for bookkeeping. */
  ended: (call: SimCall) => void;
  /** Called when the callee answers and the entry IVR starts its prompts. */
  answered?: (call: SimCall) => void;
  /** Called when the code string report goes out, to time the decision that follows. */
  codeReported?: (call: SimCall) => void;
}

export type SimCallState = 'ringing' | 'talking' | 'ended';

class Interrupted extends Error {}

/** How often a caller left on hold keys the code again before hanging up. */
const MAX_HOLD_LOOPS = 1;

/**
 * One call placed through the entry IVR, played out like the seed's dialplan: ALERT,
 * ANSWERED, the 1 in IVR 6500 (flag 0), code digits (flags counting on across the call),
 * '#' and the code string reported with the call id as outboundid, hold music until a
 * transfer, then two BYEs and a NewCdr.
 */
export class SimCall {
  state: SimCallState = 'ringing';
  private flag = 0;
  private entries = 0;
  private holdLoops = 0;
  private answeredAt: number | null = null;
  private readonly startedAt = Date.now();
  private abort = new AbortController();
  readonly transfers: string[] = [];
  /** Code strings the dialplan reported: each one is an entry codecall must route once. */
  codesReported = 0;

  constructor(
    readonly callId: string,
    readonly legId: string,
    /** Id the PBX gives the local channel; the second BYE carries it. */
    readonly localId: string,
    readonly ivr: string,
    readonly phone: string,
    readonly persona: Persona,
    private readonly code: string,
    private readonly env: SimCallEnv,
  ) {}

  /** Plays the call out. Never rejects. */
  async run(): Promise<void> {
    await this.step(async () => {
      const t = this.env.timings();
      await this.wait(t.alertAfter);
      await this.emit('ALERT', this.member());
      if (this.persona === 'no_answer') return this.fail(t.noAnswerAfter, '480 Temporarily unavailable', 'NO ANSWER');
      if (this.persona === 'busy') return this.fail(t.busyAfter, '486 Busy Here', 'BUSY');
      await this.wait(t.answerAfter);
      this.state = 'talking';
      this.answeredAt = Date.now();
      this.env.answered?.(this);
      await this.emit('ANSWERED', this.member());
      await this.entryIvr();
    });
  }

  /** `outbound/transfer_number`: the dialplan leaves whatever it was doing. */
  transfer(number: string): void {
    this.transfers.push(number);
    this.interrupt();
    void this.step(async () => {
      const t = this.env.timings();
      if (number === this.env.retryIvr) {
        await this.wait(t.retryPrompt);
        return this.keyCode();
      }
      await this.wait(number === this.env.successIvr ? t.okPrompt : t.otherPrompt);
      await this.hangUp();
    });
  }

  /** `outbound/hangup`, or the PBX going down. */
  hangupNow(silently = false): void {
    this.interrupt();
    if (silently) return this.finish();
    void this.step(() => this.hangUp());
  }

  private async entryIvr(): Promise<void> {
    const t = this.env.timings();
    if (this.persona === 'never_confirms') {
      // IVR 6500 plays its prompts twice, waits for the 1 each time, then hangs up.
      await this.wait(2 * (t.entryPrompts + t.confirmWait));
      return this.hangUp();
    }
    await this.wait(t.entryPrompts);
    if (this.persona === 'opts_out') {
      await this.key('9', this.legId);
      await this.wait(t.okPrompt);
      return this.hangUp();
    }
    await this.key('1', this.legId);
    await this.wait(t.passwordPrompt);
    await this.keyCode();
  }

  private async keyCode(): Promise<void> {
    const t = this.env.timings();
    const digits = entryFor(this.persona, this.code, this.entries++);
    const typed = this.persona === 'hangs_up_mid_code' ? digits.slice(0, 2) : digits;
    for (const d of typed) {
      await this.wait(t.keyGap);
      await this.key(d, this.legId);
    }
    if (this.persona === 'hangs_up_mid_code') return this.hangUp();
    await this.wait(t.keyGap);
    // The dialplan's UserEvent runs on the IVR channel, whose id is the call id.
    await this.key('#', this.callId);
    await this.emit('DTMF', this.member(this.callId), { infos: digits });
    this.codesReported += 1;
    this.env.codeReported?.(this);
    await this.wait(t.holdTimeout);
    // Nobody moved the call during the hold music: the dialplan starts the code prompt again
    // (seed: Goto back to the code IVR), and the caller keys once more before giving up.
    if (++this.holdLoops > MAX_HOLD_LOOPS) return this.hangUp();
    await this.wait(t.passwordPrompt);
    await this.keyCode();
  }

  private async fail(after: number, reason: string, cdrStatus: string): Promise<void> {
    await this.wait(after);
    await this.emit('CallFailed', {}, { outbound: this.party(this.legId), reason });
    this.finish();
    await this.cdr(cdrStatus);
  }

  private async hangUp(): Promise<void> {
    this.finish();
    await this.emit('BYE', this.member());
    await this.report({ action: 'BYE', callid: this.localId, call: [{ outbound: this.party(this.legId) }], sn: this.env.sn });
    await this.cdr('ANSWERED');
  }

  private async cdr(status: string): Promise<void> {
    const now = Date.now();
    const talk = this.answeredAt ? Math.round((now - this.answeredAt) / 1000) : 0;
    await this.report({
      action: 'NewCdr',
      callid: this.callId,
      timestart: formatPbxTime(new Date(this.startedAt)),
      callfrom: this.ivr,
      callto: this.phone,
      callduraction: String(Math.round((now - this.startedAt) / 1000)),
      talkduraction: String(talk),
      srctrunkname: '',
      desttrunkname: this.env.trunk,
      status,
      type: 'Outbound',
      pincode: '',
      recording: '',
      didnumber: '',
      sn: this.env.sn,
    });
  }

  private key(key: string, outboundid: string): Promise<void> {
    const flag = String(this.flag++);
    return this.emit('DTMF', this.member(outboundid), { info: key, flag });
  }

  private emit(action: string, members: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<void> {
    if (this.state === 'ended' && action !== 'BYE' && action !== 'CallFailed') return Promise.resolve();
    return this.report({ action, callid: this.callId, ...members, ...extra, sn: this.env.sn });
  }

  private report(r: Record<string, unknown>): Promise<void> {
    // Delivery runs on its own; the dialplan does not wait for the app to answer.
    void this.env.report(r);
    return Promise.resolve();
  }

  private member(outboundid = this.legId): Record<string, unknown> {
    return { call: [{ outbound: this.party(outboundid) }] };
  }

  private party(outboundid: string) {
    return { from: this.ivr, to: this.phone, trunk: this.env.trunk, outboundid };
  }

  private finish(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.env.ended(this);
  }

  private interrupt(): void {
    this.abort.abort();
    this.abort = new AbortController();
  }

  private async step(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof Interrupted)) throw err;
    }
  }

  private wait(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve, reject) => {
      if (signal.aborted || this.state === 'ended') return reject(new Interrupted());
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Interrupted());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function formatPbxTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
