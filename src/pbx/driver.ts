import type { PbxEvent } from '../domain/call-events.js';

/** What codecall needs to address a live call again: the PBX's call id and, if known, its external leg. */
export interface PbxCallRef {
  pbxCallId: string;
  legId: string | null;
  /** The number that was dialled; a driver may use it to find the call when its ids went stale. */
  phone: string;
}

export interface DialRequest {
  /** The IVR that answers the callee (the entry IVR). */
  ivr: string;
  phone: string;
}

export interface LiveCall {
  legId: string;
  from: string;
  to: string;
  state: 'ringing' | 'talking' | 'waiting' | 'unknown';
}

/**
 * Receives normalised events. A driver acknowledges what the PBX sent only after the
 * handler resolved, so a handler that stores events durably makes delivery lossless.
 */
export type PbxEventHandler = (events: PbxEvent[]) => Promise<void>;

export interface PbxHealth {
  ok: boolean;
  detail: string;
}

/**
 * The only way the rest of codecall talks to a PBX. Errors are AppErrors from
 * pbx/pbx-errors.ts: PbxRejectedError (the PBX said no), PbxUnavailableError (the request
 * surely did not take effect) and PbxOutcomeUnknownError (it may have).
 */
export interface PbxDriver {
  readonly vendor: string;
  /** Connects and authenticates; reports begin to flow to the handler. */
  start(handler: PbxEventHandler): Promise<void>;
  stop(): Promise<void>;
  /** Places a call to `phone` answered by `ivr`. Resolves with the PBX's call id. */
  dial(req: DialRequest): Promise<{ pbxCallId: string }>;
  /**
   * A transfer or hang-up is expected within a second (a code entry is being decided, its
   * caller on hold): a driver that opens a connection per request may open one now.
   */
  prepareRouting(): void;
  /** Moves a live call to another number (an IVR, extension, queue...). */
  transfer(call: PbxCallRef, target: string): Promise<void>;
  hangup(call: PbxCallRef): Promise<void>;
  liveCalls(): Promise<LiveCall[]>;
  health(): Promise<PbxHealth>;
}
