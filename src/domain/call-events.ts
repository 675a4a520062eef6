/**
 * What any PBX tells codecall about a call, in codecall's words. Drivers translate their
 * vendor's reports into these; nothing past the driver sees a vendor payload.
 */

/** Why a dial did not connect, coarse enough for retry rules and outcomes. */
export type FailureClass =
  | 'busy'
  | 'no_answer'
  | 'congestion'
  | 'invalid_number'
  | 'no_permission'
  | 'unreachable'
  | 'other';

/** Failures that the same dial cannot fix by being tried again later. */
export function isPermanentFailure(cls: FailureClass): boolean {
  return cls === 'invalid_number' || cls === 'no_permission';
}

/** Final state a PBX call record gives for the call as a whole. */
export type RecordStatus = 'answered' | 'no_answer' | 'busy' | 'failed' | 'voicemail' | 'unknown';

interface CallEventBase {
  /**
   * Key under which a resent copy of this report is recognised, or null where equal
   * content can legitimately arrive twice (the same code keyed again).
   */
  dedupKey: string | null;
  /** The PBX's id of the call: stable from dial to hang-up. */
  pbxCallId: string;
  /** The id of the external leg, when the report names one; transfers act on it. */
  legId: string | null;
  /** The external number the call is to, when the report names it. */
  phone: string | null;
  /** When codecall received the report; PBX reports mostly carry no time of their own. */
  receivedAt: Date;
}

/** Events about one call. */
export type CallEvent =
  | (CallEventBase & { type: 'ringing' })
  | (CallEventBase & { type: 'answered' })
  /** One key the callee pressed; `seq` counts keys across the whole call, when the PBX says. */
  | (CallEventBase & { type: 'key'; key: string; seq: number | null })
  /** The whole code the callee keyed, without its terminating '#'. */
  | (CallEventBase & { type: 'code'; digits: string })
  | (CallEventBase & { type: 'hungup' })
  | (CallEventBase & { type: 'failed'; reason: string; failure: FailureClass })
  | (CallEventBase & { type: 'record'; status: RecordStatus; talkSeconds: number | null; totalSeconds: number | null });

export type PbxEvent =
  | CallEvent
  /** The PBX restarted: its sessions are gone and its live calls with them. */
  | { type: 'pbx-restarted'; dedupKey: null; receivedAt: Date }
  /** A report codecall has no use for; kept for diagnosis. */
  | { type: 'other'; action: string; dedupKey: null; pbxCallId: string | null; receivedAt: Date };
