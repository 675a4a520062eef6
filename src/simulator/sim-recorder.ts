import type { SimCall } from './sim-call.js';

export interface DialRecord {
  phone: string;
  callId: string;
  at: number;
  /** Another call to the same number was live when this one was placed. */
  whileLive: boolean;
}

export interface EndedCall {
  callId: string;
  phone: string;
  persona: string;
  transfers: string[];
  codesReported: number;
}

/** What the simulated PBX was asked and did, for tests and the demo to check. */
export class SimRecorder {
  logins: { at: number; ok: boolean; errno?: string; version?: string | null }[] = [];
  dials: DialRecord[] = [];
  rejectedDials: string[] = [];
  transfers: { legId: string; number: string; callId: string | null; phone: string | null; at: number }[] = [];
  hangups: { legId: string; callId: string; at: number }[] = [];
  ended: EndedCall[] = [];
  /** What the entry IVR found when it went to play each callee's personal prompt. */
  prompts: { phone: string; callId: string; found: boolean; bytes: number; wav: boolean }[] = [];
  /** When each code string report went out: a transfer for the call follows if all is well. */
  codeReports: { callId: string; phone: string; at: number }[] = [];
  requests: Record<string, number> = {};
  maxLive = 0;
  lostDialAnswers = 0;
  lostTransfers = 0;
  refusedTransfers = 0;
  reboots = 0;

  request(endpoint: string): void {
    this.requests[endpoint] = (this.requests[endpoint] ?? 0) + 1;
  }

  dialled(phone: string, callId: string, whileLive: boolean): void {
    this.dials.push({ phone, callId, at: Date.now(), whileLive });
  }

  live(count: number): void {
    this.maxLive = Math.max(this.maxLive, count);
  }

  callEnded(call: SimCall): void {
    this.ended.push({ callId: call.callId, phone: call.phone, persona: call.persona, transfers: [...call.transfers], codesReported: call.codesReported });
  }

  snapshot() {
    return {
      logins: this.logins,
      dials: this.dials,
      rejectedDials: this.rejectedDials,
      transfers: this.transfers,
      hangups: this.hangups,
      ended: this.ended,
      prompts: this.prompts,
      codeReports: this.codeReports,
      requests: this.requests,
      maxLive: this.maxLive,
      lostDialAnswers: this.lostDialAnswers,
      lostTransfers: this.lostTransfers,
      refusedTransfers: this.refusedTransfers,
      reboots: this.reboots,
    };
  }
}
