import { describe, expect, it } from 'vitest';
import { DEFAULT_DIALPLAN, generateDialplan, type DialplanOptions } from '../../src/tts/dialplan.js';

interface Ext {
  context: string;
  exten: string;
  priorities: string[];
  apps: string[];
}

/** Reads `[context]` and `exten = X,prio,App(...)` lines back into a structure. */
function parse(text: string): Map<string, Map<string, Ext>> {
  const contexts = new Map<string, Map<string, Ext>>();
  let current: Map<string, Ext> | null = null;
  let name = '';
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith(';')) continue;
    const ctx = /^\[([\w-]+)\]$/.exec(line);
    if (ctx) {
      name = ctx[1]!;
      current = new Map();
      contexts.set(name, current);
      continue;
    }
    const m = /^exten = ([^,\s]+),(\d+|n),(.+)$/.exec(line);
    if (!m || !current) throw new Error(`unparsable line: ${line}`);
    const ext = current.get(m[1]!) ?? { context: name, exten: m[1]!, priorities: [], apps: [] };
    ext.priorities.push(m[2]!);
    ext.apps.push(m[3]!);
    current.set(m[1]!, ext);
  }
  return contexts;
}

function gotoTargets(ext: Ext): [string | null, string, string][] {
  return ext.apps.flatMap((a) => [...a.matchAll(/Goto\(([^)]*)\)/g)].map((g) => g[1]!.split(',')).map((p) => (p.length === 3 ? [p[0]!, p[1]!, p[2]!] : [null, p[0]!, p[1]!]) as [string | null, string, string]));
}

describe('the generated dialplan', () => {
  const opts: DialplanOptions = { ...DEFAULT_DIALPLAN, mediaPath: '/mnt/share', ivr: { entry: '7500', code: '7501', success: '7502', retry: '7503' }, digitTimeout: 5, responseTimeout: 7 };
  const text = generateDialplan(opts);
  const plan = parse(text);

  it('has one context per IVR, each with its own extension starting at priority 1 and counting on with n', () => {
    expect([...plan.keys()]).toEqual(['ivr_7500', 'ivr_7501', 'ivr_7502', 'ivr_7503']);
    for (const [ctx, exts] of plan) {
      const ivr = ctx.slice(4);
      expect(exts.has(ivr)).toBe(true);
      expect(exts.has('t')).toBe(true);
      for (const ext of exts.values()) {
        expect(ext.priorities[0]).toBe('1');
        expect(ext.priorities.slice(1).every((p) => p === 'n')).toBe(true);
      }
    }
  });

  it('jumps only to contexts, extensions and priorities that exist', () => {
    for (const exts of plan.values()) {
      for (const ext of exts.values()) {
        for (const [ctx, exten, prio] of gotoTargets(ext)) {
          const target = (ctx === null ? exts : plan.get(ctx))?.get(exten);
          expect(target, `${ext.context}/${ext.exten} -> ${ctx},${exten},${prio}`).toBeDefined();
          expect(prio).toBe('1');
        }
      }
    }
  });

  it('fixes the seed: pattern without a space, a $[ in every ExecIf, no ivr_s or ivrs, and the personal prompt by callee', () => {
    expect(text).not.toMatch(/_X\. #/);
    expect(plan.get('ivr_7501')!.has('_X.#')).toBe(true);
    expect(plan.get('ivr_7503')!.has('_X.#')).toBe(true);
    for (const m of text.matchAll(/ExecIf\(([^?]*)\?/g)) expect(m[1]).toMatch(/^\$\[.*\]$/);
    expect(text).not.toMatch(/\bivr_s\b|\bivrs\b/);
    expect(text).toContain('Background(/mnt/share/${CALLERID(num)})');
    expect(text).not.toMatch(/Background\([^)]*\$\{EXTEN\}\)/);
  });

  it('is parameterised by media path, IVR numbers and timeouts', () => {
    expect(text).toContain('Set(TIMEOUT(digit)=5)');
    expect(text).toContain('WaitExten(7)');
    expect(text).not.toContain('networkdisk1');
    expect(text).not.toMatch(/650\d/);
    expect(plan.get('ivr_7500')!.get('1')!.apps.at(-1)).toBe('Goto(ivr_7501,7501,1)');
  });

  it('reports the keyed string and holds the caller until codecall transfers', () => {
    const entry = plan.get('ivr_7501')!.get('_X.#')!;
    expect(entry.apps[0]).toBe('UserEvent(DtmfEndString,Info: ${EXTEN})');
    expect(entry.apps.some((a) => a.startsWith('Playback(/mnt/share/holdon)'))).toBe(true);
    expect(entry.apps.at(-1)).toBe('Goto(ivr_7501,7501,1)');
  });
});
