import type { FailureClass } from '../../domain/call-events.js';

/**
 * CallFailed reasons are SIP-like strings whose case and wording vary between PBX
 * versions ("User busy", "User Busy"); some clones send a bare number. Match on the
 * leading code or phrase.
 */
const RULES: [RegExp, FailureClass][] = [
  [/^486\b|user busy|^busy|^dnd\b/i, 'busy'],
  [/^(480|408|603|487)\b|no answer|not answered/i, 'no_answer'],
  [/^(404|484|410)\b/i, 'invalid_number'],
  [/no outbound restriction/i, 'no_permission'],
  [/congestion|^503\b/i, 'congestion'],
  [/line unreachable/i, 'unreachable'],
];

export function classifyFailureReason(reason: string): FailureClass {
  const text = reason.trim();
  for (const [pattern, cls] of RULES) if (pattern.test(text)) return cls;
  return 'other';
}
