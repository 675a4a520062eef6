import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { personaFor, type PersonaRule } from './personas.js';
import { ReportSender, sleep } from './report-sender.js';
import { SimCall } from './sim-call.js';
import { NO_FAULTS, scaledTimings, type Faults, type Timings } from './sim-config.js';
import { fail, legacyJson, readBody, send, type Answer } from './sim-http.js';
import { SimSessions } from './sim-sessions.js';
import { SimRecorder } from './sim-recorder.js';

export interface PbxSimulatorOptions {
  port?: number;
  host?: string;
  username?: string;
  password?: string;
  sn?: string;
  /** 1 plays calls in real time; 0.001 makes a call last milliseconds. */
  timeScale?: number;
  tokenTtlMs?: number;
  lockoutMs?: number;
  personaRules?: PersonaRule[];
  ivrs?: string[];
  extensions?: string[];
  /** Extensions that exist but may not dial out (errno 10024). */
  noPermissionExtensions?: string[];
  successIvr?: string;
  retryIvr?: string;
  faults?: Partial<Faults>;
  tls?: { key: string; cert: string };
  random?: () => number;
  /** The media share: when set, the entry IVR plays `<mediaDir>/<number>.wav` and records what it found. */
  mediaDir?: string;
}

const OK: Answer = { status: 'Success' };
/** Number formats an outbound route accepts: digits with an optional +, 3 to 20 digits. */
const ROUTABLE = /^\+?\d{3,20}$/;

/**
 * A stand-in for a Yeastar S-Series PBX (API v1.1.0): the same endpoints, errnos, token
 * lifetime and report shapes, including the quirks of seed 004, with callees that follow
 * personas and fault knobs for tests. A product feature: the demo and integrators use it.
 */
export class PbxSimulator {
  readonly recorder = new SimRecorder();
  faults: Faults;
  private server: http.Server | null = null;
  private readonly sessions: SimSessions;
  private readonly calls = new Map<string, SimCall>();
  private readonly callsByLeg = new Map<string, SimCall>();
  private readonly smsInbox = new Map<string, string>();
  private readonly sender: ReportSender;
  private readonly random: () => number;
  private seq = 100;
  private timeScale: number;
  private timings: Timings;
  readonly sn: string;

  constructor(private readonly opts: PbxSimulatorOptions = {}) {
    this.random = opts.random ?? Math.random;
    this.faults = { ...NO_FAULTS, ...opts.faults };
    this.timeScale = opts.timeScale ?? 1;
    this.timings = scaledTimings(this.timeScale);
    this.sn = opts.sn ?? '368182384620';
    this.sessions = new SimSessions({ username: opts.username ?? 'api', password: opts.password ?? 'password', tokenTtlMs: opts.tokenTtlMs, lockoutMs: opts.lockoutMs }, this.recorder);
    this.sender = new ReportSender({
      target: () => (this.sessions.hasLive() ? this.sessions.reportTarget : null),
      resendMs: () => this.timings.reportResend,
      jitterMs: () => this.faults.reorderJitterMs,
      duplicateProbability: () => this.faults.duplicateReports,
      dropProbability: () => this.faults.dropReports,
      random: this.random,
      serialize: (r) => (this.sessions.legacyReports ? legacyJson(r) : JSON.stringify(r)),
    });
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    if (!addr) throw new Error('simulator is not listening');
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `${this.opts.tls ? 'https' : 'http'}://${host}:${addr.port}`;
  }

  get reportStats() {
    return this.sender.stats;
  }

  async start(): Promise<this> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.handle(req, res);
    this.server = this.opts.tls ? https.createServer(this.opts.tls, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => this.server!.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const call of this.calls.values()) call.hangupNow(true);
    this.sender.stop();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  /** The callee at `phone` received `code` by SMS: its persona keys it when asked. */
  deliverSms(phone: string, code: string): void {
    this.smsInbox.set(phone, code);
  }

  setTimeScale(scale: number): void {
    this.timeScale = scale;
    this.timings = scaledTimings(scale);
  }

  /** Where reports go: the URL the last login or heartbeat named, with its secret path. */
  get reportUrl(): string | null {
    return this.sessions.reportTarget;
  }

  /** Every token is gone, as after 30 idle minutes: requests get 20004 and reports stop. */
  expireTokens(): void {
    this.sessions.expireAll();
  }

  /** A reboot: tokens and live calls vanish without a word, then a BootUp report goes out. */
  async reboot(): Promise<void> {
    const target = this.sessions.reportTarget;
    this.sessions.expireAll();
    for (const call of [...this.calls.values()]) call.hangupNow(true);
    this.recorder.reboots += 1;
    if (target) {
      const bootSender = new ReportSender({ target: () => target, resendMs: () => this.timings.reportResend, jitterMs: () => 0, duplicateProbability: () => 0, maxAttempts: 5 });
      await bootSender.send({ action: 'BootUp', sn: this.sn });
    }
  }

  liveCalls(): SimCall[] {
    return [...this.calls.values()];
  }

  /** Resolves when no call is live and every report has been delivered or given up. */
  async settle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.calls.size > 0) {
      if (Date.now() > deadline) throw new Error(`simulator still has ${this.calls.size} live calls`);
      await sleep(5);
    }
    await this.sender.drain();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://pbx');
    const raw = await readBody(req);
    if (url.pathname.startsWith('/sim/')) return this.control(url.pathname, raw, res);
    const endpoint = url.pathname.replace(/^\/api\/v1\.1\.0\//, '');
    this.recorder.request(endpoint);
    const answer = await this.answer(req, endpoint, url.searchParams.get('token'), raw, res);
    if (answer === null) return; // the connection was dropped on purpose
    if (this.random() < this.faults.slowAnswers) await sleep(this.faults.slowAnswerMs);
    send(res, 200, answer, { server: 'Boa/0.94.14rc21', 'access-control-allow-origin': '*' });
  }

  private async answer(req: http.IncomingMessage, endpoint: string, token: string | null, raw: string, res: http.ServerResponse): Promise<Answer | null> {
    if (req.method !== 'POST') return fail('20001');
    if (!req.url?.startsWith('/api/v1.1.0/')) return fail('10003');
    let body: Record<string, unknown>;
    try {
      body = raw.trim() === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('20000');
    } catch {
      return fail('20000');
    }
    if (endpoint === 'login') return this.sessions.login(req, body);
    const tokenError = this.sessions.check(token);
    if (tokenError) return tokenError;
    if (this.random() < this.faults.failAnswers) return fail(this.faults.failErrno);
    const s = (k: string) => (body[k] === undefined || body[k] === null ? '' : String(body[k]));
    switch (endpoint) {
      case 'heartbeat':
        if (s('url') || s('port')) this.sessions.retarget(req, s('port'), s('url'), s('urltag') || s('urlflag'));
        return OK;
      case 'logout':
        this.sessions.logout(token!);
        return OK;
      case 'ivr/dial_outbound':
        return this.dial(s('ivrid'), s('outto'), s('fromext'), res);
      case 'outbound/transfer_number':
        return this.transfer(s('outboundid'), s('number'), s('fromext'));
      case 'outbound/hangup':
        return this.hangup(s('outboundid'));
      case 'outbound/query':
        return this.query(s('outboundid'));
      case 'ivr/query':
        return { status: 'Success', ivr: this.ivrs().map((n) => ({ ivrnumber: n, ivrname: n, prompt: 'default', promptrepeat: '2', responsetimeout: '4', digittimeout: '3' })) };
      case 'deviceinfo/query':
        return { status: 'Success', deviceinfo: { devicename: 'codecall-sim', sn: this.sn, firmwarever: '30.10.0.0', uptime: '1d' } };
      default:
        return fail('10003');
    }
  }

  private async dial(ivr: string, outto: string, fromext: string, res: http.ServerResponse): Promise<Answer | null> {
    if (!ivr || !outto || !fromext) return fail('10004');
    if (!this.ivrs().includes(ivr)) return fail('10012');
    if (!this.extensions().includes(fromext)) return fail('10006');
    if (this.opts.noPermissionExtensions?.includes(fromext)) return fail('10024');
    const { persona, code } = personaFor(outto, this.opts.personaRules ?? []);
    if (!ROUTABLE.test(outto) || persona === 'rejected') {
      this.recorder.rejectedDials.push(outto);
      return fail('10031');
    }
    const callId = this.nextId(0);
    const call = new SimCall(callId, this.nextId(2), this.nextId(1), ivr, outto, persona, code ?? this.smsInbox.get(outto) ?? outto.slice(-6), {
      timings: () => this.timings,
      report: (r) => this.sender.send(r),
      sn: this.sn,
      trunk: 'sim-trunk',
      successIvr: this.opts.successIvr ?? '6502',
      retryIvr: this.opts.retryIvr ?? '6503',
      ended: (c) => this.callEnded(c),
      answered: (c) => this.playPersonalPrompt(c),
      codeReported: (c) => this.recorder.codeReports.push({ callId: c.callId, phone: c.phone, at: Date.now() }),
    });
    this.seq += 3;
    this.recorder.dialled(outto, callId, this.liveCalls().some((c) => c.phone === outto));
    this.calls.set(callId, call);
    this.callsByLeg.set(call.legId, call);
    this.recorder.live(this.calls.size);
    const earlyAlert = this.random() < this.faults.reportBeforeDialAnswer;
    if (earlyAlert) {
      // The ALERT of this call is delivered before the dial request gets its answer.
      await this.sender.send({ action: 'ALERT', callid: callId, call: [{ outbound: { from: ivr, to: outto, trunk: 'sim-trunk', outboundid: call.legId } }], sn: this.sn });
    }
    void call.run();
    if (this.random() < this.faults.lostDialAnswer) {
      this.recorder.lostDialAnswers += 1;
      res.socket?.destroy();
      return null;
    }
    return { status: 'Success', callid: callId };
  }

  private transfer(outboundid: string, number: string, fromext: string): Answer {
    if (!outboundid || !number) return fail('10004');
    if (!this.extensions().includes(fromext)) return fail('10006');
    const call = this.callsByLeg.get(outboundid);
    if (!call || call.state === 'ended') {
      this.recorder.transfers.push({ legId: outboundid, number, callId: null, phone: null, at: Date.now() });
      return fail('10007');
    }
    if (this.random() < this.faults.refusedTransfers) {
      this.recorder.refusedTransfers += 1;
      return fail(this.faults.failErrno);
    }
    this.recorder.transfers.push({ legId: outboundid, number, callId: call.callId, phone: call.phone, at: Date.now() });
    if (this.random() < this.faults.lostTransfers) this.recorder.lostTransfers += 1;
    else call.transfer(number);
    return { status: 'Success', callid: call.callId };
  }

  private hangup(outboundid: string): Answer {
    if (!outboundid) return fail('10004');
    const call = this.callsByLeg.get(outboundid);
    if (!call || call.state === 'ended') return fail('10007');
    this.recorder.hangups.push({ legId: outboundid, callId: call.callId, at: Date.now() });
    call.hangupNow();
    return OK;
  }

  private query(ids: string): Answer {
    const wanted = ids ? new Set(ids.split(',')) : null;
    const outbound = [...this.calls.values()]
      .filter((c) => !wanted || wanted.has(c.legId))
      .map((c) => ({ outboundid: c.legId, from: c.ivr, to: c.phone, trunk: 'sim-trunk', status: c.state === 'talking' ? 'Talking' : 'Progress' }));
    return { status: 'Success', outbound };
  }

  private playPersonalPrompt(call: SimCall): void {
    if (!this.opts.mediaDir) return;
    let bytes: Buffer | null = null;
    try {
      bytes = readFileSync(join(this.opts.mediaDir, `${call.phone}.wav`));
    } catch {
      bytes = null;
    }
    this.recorder.prompts.push({ phone: call.phone, callId: call.callId, found: bytes !== null, bytes: bytes?.length ?? 0, wav: bytes?.subarray(0, 4).toString('ascii') === 'RIFF' });
  }

  private callEnded(call: SimCall): void {
    this.calls.delete(call.callId);
    this.callsByLeg.delete(call.legId);
    this.recorder.callEnded(call);
  }

  private nextId(offset: number): string {
    return `${Math.floor(Date.now() / 1000)}.${this.seq + offset}`;
  }

  private extensions(): string[] {
    return [...(this.opts.extensions ?? ['1000']), ...(this.opts.noPermissionExtensions ?? [])];
  }

  private ivrs(): string[] {
    return this.opts.ivrs ?? ['6500', '6501', '6502', '6503'];
  }

  private control(path: string, raw: string, res: http.ServerResponse): void {
    let body: Record<string, unknown>;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return send(res, 400, { error: 'body is not JSON' });
    }
    switch (path) {
      case '/sim/state':
        return send(res, 200, { ...this.recorder.snapshot(), live: this.calls.size, reports: this.sender.stats, faults: this.faults });
      case '/sim/faults':
        this.faults = { ...this.faults, ...(body as Partial<Faults>) };
        return send(res, 200, this.faults);
      case '/sim/sms':
        this.deliverSms(String(body.phone), String(body.code));
        return send(res, 204, null);
      case '/sim/expire-tokens':
        this.expireTokens();
        return send(res, 204, null);
      case '/sim/reboot':
        void this.reboot();
        return send(res, 204, null);
      case '/sim/time-scale':
        this.setTimeScale(Number(body.scale));
        return send(res, 204, null);
      default:
        return send(res, 404, { error: 'no such control' });
    }
  }
}
