import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** How a simulated callee behaves. */
export const PERSONAS = [
  'right_code',
  'wrong_then_right',
  'always_wrong',
  'no_answer',
  'busy',
  'never_confirms',
  'hangs_up_mid_code',
  'rejected',
  /** Presses the opt-out key (9) in the entry IVR. Only from a rule. */
  'opts_out',
] as const;
export type Persona = (typeof PERSONAS)[number];

/**
 * Without a rule, the number's last digit picks the persona, so a demo batch needs no
 * set-up. Three digits in ten key the right code at once.
 */
const BY_LAST_DIGIT: Record<string, Persona> = {
  '0': 'right_code',
  '1': 'right_code',
  '2': 'right_code',
  '3': 'wrong_then_right',
  '4': 'always_wrong',
  '5': 'no_answer',
  '6': 'busy',
  '7': 'never_confirms',
  '8': 'hangs_up_mid_code',
  '9': 'rejected',
};

export const personaRuleSchema = z.object({
  /** A regular expression matched against the dialled number. */
  match: z.string().min(1).refine(isRegExp, 'must be a valid regular expression'),
  persona: z.enum(PERSONAS),
  /** The code this callee received by SMS, when the rule knows it. */
  code: z.string().regex(/^\d{1,20}$/).optional(),
});
export type PersonaRule = z.infer<typeof personaRuleSchema>;

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export function loadPersonaRules(path: string): PersonaRule[] {
  return z.array(personaRuleSchema).parse(JSON.parse(readFileSync(path, 'utf8')));
}

export function personaFor(phone: string, rules: PersonaRule[]): { persona: Persona; code?: string } {
  for (const rule of rules) {
    if (new RegExp(rule.match).test(phone)) return { persona: rule.persona, code: rule.code };
  }
  return { persona: BY_LAST_DIGIT[phone.slice(-1)] ?? 'right_code' };
}

/** The digits a persona keys on its n-th entry (0-based), given the code it received. */
export function entryFor(persona: Persona, code: string, n: number): string {
  const right = persona === 'right_code' || persona === 'hangs_up_mid_code' || (persona === 'wrong_then_right' && n > 0);
  return right ? code : wrongCode(code, n);
}

/** A code of the same length that differs from `code` in every digit. */
function wrongCode(code: string, n: number): string {
  return [...code].map((d) => String((Number(d) + 1 + (n % 8)) % 10)).join('');
}
