import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EspeakEngine } from '../src/tts/espeak-engine.js';
import { PromptStore } from '../src/tts/prompt-store.js';
import { voiceSettings, type VoiceName } from '../src/tts/voices.js';
import type { Section } from './report.js';

const N = 40;
const sentence = (voice: VoiceName, i: number) => (voice === 'zh' ? `我们已为您预约${(i % 28) + 1}日的科目二考试，编号${i}。` : `We have booked your driving exam for ${(i % 28) + 1} March, booking ${i}.`);

async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return n / ((performance.now() - t) / 1000);
}

/** Prompts rendered per second on one core (one at a time), uncached and cached, against espeak-ng alone. */
export async function benchTts(): Promise<Section> {
  const dir = mkdtempSync(join(tmpdir(), 'codecall-bench-tts-'));
  const rows: Section['rows'] = [];
  try {
    for (const voice of ['zh', 'en'] as const) {
      const store = new PromptStore(new EspeakEngine(), dir);
      const floor = await timed(N, (i) => promisify(execFile)('espeak-ng', ['-v', voiceSettings(voice).espeak, '-w', join(dir, `raw-${i}.wav`), sentence(voice, 1000 + i)]));
      const uncached = await timed(N, (i) => store.ensureRendered(sentence(voice, i), voice));
      const cached = await timed(N, (i) => store.ensureRendered(sentence(voice, i), voice).then((r) => store.place(r.path, `13900000${String(i).padStart(3, '0')}`)));
      rows.push([`${voice}: uncached (espeak-ng + sox to 8 kHz, cache write)`, `${uncached.toFixed(1)}/s`, `espeak-ng alone ${floor.toFixed(1)}/s`, `${(uncached / floor).toFixed(2)}×`, '']);
      rows.push([`${voice}: cached (look-up and placing <phone>.wav)`, `${Math.round(cached)}/s`, `uncached ${uncached.toFixed(1)}/s`, `${(cached / uncached).toFixed(0)}×`, '']);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { title: `Text-to-speech, one render at a time (${N} distinct sentences per voice)`, rows, notes: ['Rendering runs in its own queue ahead of dialling, two at a time per worker (one per core).'] };
}
