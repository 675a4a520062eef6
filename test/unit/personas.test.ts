import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PERSONAS, entryFor, loadPersonaRules, personaFor, type Persona, type PersonaRule } from '../../src/simulator/personas.js';

function rule(over: Partial<PersonaRule> = {}): PersonaRule {
  return { match: '^1380000', persona: 'busy', ...over };
}

function phoneEndingIn(digit: string | number): string {
  return `1390000000${digit}`;
}

describe('personaFor without rules (last digit of the number)', () => {
  it('reaches every persona in PERSONAS but the rule-only opts_out through some last digit', () => {
    const reached = new Set<Persona>();
    for (let d = 0; d <= 9; d++) reached.add(personaFor(phoneEndingIn(d), []).persona);
    expect([...reached].sort()).toEqual(PERSONAS.filter((p) => p !== 'opts_out').sort());
  });

  it.each<[string, Persona]>([
    ['0', 'right_code'],
    ['1', 'right_code'],
    ['2', 'right_code'],
    ['3', 'wrong_then_right'],
    ['4', 'always_wrong'],
    ['5', 'no_answer'],
    ['6', 'busy'],
    ['7', 'never_confirms'],
    ['8', 'hangs_up_mid_code'],
    ['9', 'rejected'],
  ])('gives a number ending in %s the persona %s', (digit, persona) => {
    expect(personaFor(phoneEndingIn(digit), []).persona).toBe(persona);
  });

  it('gives no code when no rule names one', () => {
    expect(personaFor(phoneEndingIn(3), []).code).toBeUndefined();
  });
});

describe('personaFor with rules', () => {
  it('lets a matching rule win over the last digit', () => {
    // Ends in 1 (right_code by digit), but the rule says busy.
    expect(personaFor('13800000001', [rule({ match: '^1380000', persona: 'busy' })])).toEqual({ persona: 'busy', code: undefined });
  });

  it('uses the first matching rule when several match', () => {
    const rules = [rule({ match: '0001$', persona: 'always_wrong', code: '1234' }), rule({ match: '^138', persona: 'no_answer' })];
    expect(personaFor('13800000001', rules)).toEqual({ persona: 'always_wrong', code: '1234' });
  });

  it('skips rules that do not match and falls back to the last digit', () => {
    const rules = [rule({ match: '^150', persona: 'rejected' })];
    expect(personaFor('13800000006', rules).persona).toBe('busy');
    expect(personaFor('13800000004', rules).persona).toBe('always_wrong');
  });

  it('passes on the code the rule knows', () => {
    expect(personaFor('13800000001', [rule({ persona: 'right_code', code: '482913' })])).toEqual({ persona: 'right_code', code: '482913' });
  });
});

describe('entryFor', () => {
  const CODE = '482913';

  function isWrongVariant(entry: string, code: string): boolean {
    return entry.length === code.length && /^\d+$/.test(entry) && entry !== code;
  }

  it('keys the right code every time for right_code', () => {
    for (const n of [0, 1, 2, 5]) expect(entryFor('right_code', CODE, n)).toBe(CODE);
  });

  it('keys a wrong code first and then the right code for wrong_then_right', () => {
    expect(isWrongVariant(entryFor('wrong_then_right', CODE, 0), CODE)).toBe(true);
    expect(entryFor('wrong_then_right', CODE, 1)).toBe(CODE);
    expect(entryFor('wrong_then_right', CODE, 2)).toBe(CODE);
  });

  it('keys a wrong code of the same length on every attempt for always_wrong', () => {
    for (let n = 0; n < 20; n++) {
      const entry = entryFor('always_wrong', CODE, n);
      expect(isWrongVariant(entry, CODE), `attempt ${n}: ${entry}`).toBe(true);
    }
  });

  it.each(['0', '9', '0000', '9999', '1234567890', '00000000000000000000'])('never keys the right code %s by accident for always_wrong', (code) => {
    for (let n = 0; n < 20; n++) expect(isWrongVariant(entryFor('always_wrong', code, n), code)).toBe(true);
  });
});

describe('loadPersonaRules', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function ruleFile(content: unknown): string {
    dir = mkdtempSync(join(tmpdir(), 'codecall-personas-'));
    const path = join(dir, 'personas.json');
    writeFileSync(path, JSON.stringify(content));
    return path;
  }

  it('reads a valid rule file in order', () => {
    const rules = [rule({ match: '^138', persona: 'busy' }), rule({ match: '5$', persona: 'right_code', code: '1234' })];
    expect(loadPersonaRules(ruleFile(rules))).toEqual(rules);
  });

  it('rejects a rule file with an unknown persona', () => {
    const path = ruleFile([rule(), { match: '^139', persona: 'sometimes_right' }]);
    expect(() => loadPersonaRules(path)).toThrow(/persona/);
  });

  it('rejects a rule whose code is not digits', () => {
    expect(() => loadPersonaRules(ruleFile([rule({ code: '12ab' })]))).toThrow();
  });
});
