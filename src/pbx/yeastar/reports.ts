import { z } from 'zod';
import type { PbxEvent, RecordStatus } from '../../domain/call-events.js';
import { ValidationError } from '../../errors.js';
import { classifyFailureReason } from './failure-reasons.js';

/** The PBX sends every value as a string, some clones as numbers: accept both, keep strings. */
const str = z.union([z.string(), z.number()]).transform(String);
const optStr = str.optional();

const party = z.looseObject({ from: optStr, to: optStr, trunk: optStr });
const outbound = party.extend({ outboundid: optStr });
const inbound = party.extend({ inboundid: optStr });
const ext = z.looseObject({ extid: z.union([str, z.array(str)]).optional() });
const member = z.looseObject({ outbound: outbound.optional(), inbound: inbound.optional(), ext: ext.optional() });

const report = z.looseObject({
  action: z.string().min(1),
  callid: optStr,
  sn: optStr,
  call: z.array(member).optional(),
  // Failure and legacy reports put members at the top level instead of in call[].
  outbound: outbound.optional(),
  inbound: inbound.optional(),
  ext: ext.optional(),
  info: optStr,
  flag: optStr,
  infos: optStr,
  reason: optStr,
  status: optStr,
  callto: optStr,
  callduraction: optStr,
  talkduraction: optStr,
});

type Report = z.infer<typeof report>;

export interface ParsedReport {
  action: string;
  sn: string | null;
  events: PbxEvent[];
}

/**
 * Turns one S-Series report (API v1.1.0, report format 1.0.2) into normalised events.
 * Tolerant where the PBX is: members in call[] or top level, numbers as strings, the
 * misspelt "Tranfer" and "callduraction", both BYE reports, unknown actions.
 */
export function parseReport(body: unknown, receivedAt: Date): ParsedReport {
  const parsed = report.safeParse(body);
  if (!parsed.success) {
    throw new ValidationError(
      'not a PBX report',
      parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })),
    );
  }
  const r = parsed.data;
  return { action: r.action, sn: r.sn ?? null, events: toEvents(r, receivedAt) };
}

function toEvents(r: Report, receivedAt: Date): PbxEvent[] {
  if (r.action === 'BootUp') return [{ type: 'pbx-restarted', dedupKey: null, receivedAt }];
  const pbxCallId = r.callid;
  if (!pbxCallId) return [other(r, receivedAt)];
  const out = r.call?.find((m) => m.outbound)?.outbound ?? r.outbound;
  const base = {
    pbxCallId,
    // The '#' and code reports name the call id as outboundid (seed 004); that is never the
    // external leg that transfers need, so it is not passed on as one.
    legId: out?.outboundid && out.outboundid !== pbxCallId ? out.outboundid : null,
    phone: out?.to ?? r.callto ?? null,
    receivedAt,
  };
  const key = (...parts: (string | undefined | null)[]) => [r.action, pbxCallId, ...parts].map((p) => p ?? '').join(':');

  switch (r.action) {
    case 'RING':
    case 'ALERT':
      return [{ ...base, type: 'ringing', dedupKey: key(base.legId) }];
    case 'ANSWER':
    case 'ANSWERED':
      return [{ ...base, type: 'answered', dedupKey: key(base.legId) }];
    case 'DTMF':
      return [dtmf(r, base, key)];
    case 'BYE':
      return [{ ...base, type: 'hungup', dedupKey: key(base.legId) }];
    case 'CallFailed': {
      const reason = r.reason ?? '';
      return [{ ...base, type: 'failed', reason, failure: classifyFailureReason(reason), dedupKey: key() }];
    }
    case 'NewCdr':
      return [
        {
          ...base,
          type: 'record',
          status: recordStatus(r.status),
          talkSeconds: seconds(r.talkduraction),
          totalSeconds: seconds(r.callduraction),
          dedupKey: key(),
        },
      ];
    default:
      return [other(r, receivedAt)];
  }
}

type Base = { pbxCallId: string; legId: string | null; phone: string | null; receivedAt: Date };

function dtmf(r: Report, base: Base, key: (...p: (string | undefined | null)[]) => string): PbxEvent {
  // The string report comes after '#' and has no flag; equal strings keyed twice are two
  // entries, so it cannot be deduplicated on content (see domain/call-machine.ts).
  if (r.infos !== undefined) return { ...base, type: 'code', digits: r.infos.replace(/#+$/, ''), dedupKey: null };
  const seq = r.flag === undefined ? null : Number.parseInt(r.flag, 10);
  const validSeq = seq !== null && Number.isFinite(seq) ? seq : null;
  return { ...base, type: 'key', key: r.info ?? '', seq: validSeq, dedupKey: validSeq === null ? null : key(String(validSeq)) };
}

function other(r: Report, receivedAt: Date): PbxEvent {
  return { type: 'other', action: r.action, pbxCallId: r.callid ?? null, dedupKey: null, receivedAt };
}

const RECORD_STATUS: Record<string, RecordStatus> = {
  ANSWERED: 'answered',
  'NO ANSWER': 'no_answer',
  BUSY: 'busy',
  FAILED: 'failed',
  VOICEMAIL: 'voicemail',
};

function recordStatus(status: string | undefined): RecordStatus {
  return RECORD_STATUS[(status ?? '').trim().toUpperCase()] ?? 'unknown';
}

function seconds(v: string | undefined): number | null {
  if (v === undefined || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}
