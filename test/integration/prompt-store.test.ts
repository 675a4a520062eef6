import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EspeakEngine } from '../../src/tts/espeak-engine.js';
import { PromptStore } from '../../src/tts/prompt-store.js';
import type { TtsEngine } from '../../src/tts/tts-engine.js';
import { isPbxFormat, pcm16Rms, readWavInfo } from '../../src/tts/wav.js';

const media = () => mkdtempSync(join(tmpdir(), 'codecall-tts-'));

/** espeak-ng, counting how often it is asked to render. */
function countingEngine() {
  const inner = new EspeakEngine();
  const engine: TtsEngine & { renders: number } = {
    name: inner.name,
    renders: 0,
    async render(text, voice, out) {
      engine.renders += 1;
      await inner.render(text, voice, out);
    },
  };
  return engine;
}

describe('personal prompts rendered by espeak-ng', () => {
  it.each([
    ['zh', '为您预约3月12日科目二考试'],
    ['en', 'We have booked your driving exam for the twelfth of March.'],
  ] as const)('are %s WAV files the PBX plays: 8 kHz, 16-bit, mono PCM, and not silent', async (voice, text) => {
    const store = new PromptStore(new EspeakEngine(), media());
    const { path } = await store.ensureRendered(text, voice);
    const wav = readFileSync(path);
    const info = readWavInfo(wav);
    expect(isPbxFormat(info)).toBe(true);
    expect(info).toMatchObject({ format: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 });
    expect(info.durationMs).toBeGreaterThan(500);
    expect(pcm16Rms(wav)).toBeGreaterThan(500);
  });

  it('last longer for longer texts', async () => {
    const store = new PromptStore(new EspeakEngine(), media());
    const short = readWavInfo(readFileSync((await store.ensureRendered('为您预约考试', 'zh')).path)).durationMs;
    const long = readWavInfo(readFileSync((await store.ensureRendered('为您预约3月12日上午9点在城东考场的科目二考试，请准时到达', 'zh')).path)).durationMs;
    expect(long).toBeGreaterThan(short * 2);
  });

  it('renders identical texts once, keyed by text and voice', async () => {
    const engine = countingEngine();
    const store = new PromptStore(engine, media());
    const a = await store.ensureRendered('Your exam is on Monday.', 'en');
    const b = await store.ensureRendered('Your exam is on Monday.', 'en');
    await store.ensureRendered('Your exam is on Tuesday.', 'en');
    await store.ensureRendered('Your exam is on Monday.', 'zh');
    expect(a).toEqual(b);
    expect(engine.renders).toBe(3);
  });

  it('does not corrupt a file rendered by many at once, in one process or several', async () => {
    const dir = media();
    const engine = countingEngine();
    const one = new PromptStore(engine, dir);
    const others = Array.from({ length: 4 }, () => new PromptStore(new EspeakEngine(), dir));
    const text = '为您预约3月12日科目二考试';
    const results = await Promise.all([...Array.from({ length: 10 }, () => one.ensureRendered(text, 'zh')), ...others.map((s) => s.ensureRendered(text, 'zh'))]);
    expect(new Set(results.map((r) => r.path)).size).toBe(1);
    expect(engine.renders).toBe(1);
    const wav = readFileSync(results[0]!.path);
    expect(isPbxFormat(readWavInfo(wav))).toBe(true);
    expect(readWavInfo(wav).dataBytes).toBe(wav.length - 44);
    expect(readdirSync(join(dir, '.cache')).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('places the prompt as <number>.wav by rename and removes it again', async () => {
    const dir = media();
    const store = new PromptStore(new EspeakEngine(), dir);
    const { path } = await store.ensureRendered('Hello', 'en');
    await store.place(path, '13800000001');
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual(['13800000001.wav']);
    expect(readFileSync(join(dir, '13800000001.wav'))).toEqual(readFileSync(path));
    await store.remove('13800000001');
    await store.remove('13800000001');
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('refuses a rendering that is not a playable prompt', async () => {
    const silent: TtsEngine = {
      name: 'silent',
      async render(_text, _voice, out) {
        const { writeFileSync } = await import('node:fs');
        const header = Buffer.alloc(44);
        header.write('RIFF', 0);
        header.writeUInt32LE(36 + 16000, 4);
        header.write('WAVEfmt ', 8);
        header.writeUInt32LE(16, 16);
        header.writeUInt16LE(1, 20);
        header.writeUInt16LE(1, 22);
        header.writeUInt32LE(8000, 24);
        header.writeUInt32LE(16000, 28);
        header.writeUInt16LE(2, 32);
        header.writeUInt16LE(16, 34);
        header.write('data', 36);
        header.writeUInt32LE(16000, 40);
        writeFileSync(out, Buffer.concat([header, Buffer.alloc(16000)]));
      },
    };
    const dir = media();
    await expect(new PromptStore(silent, dir).ensureRendered('x', 'en')).rejects.toMatchObject({ code: 'tts_failed', message: expect.stringContaining('silent') });
    expect(readdirSync(join(dir, '.cache'))).toEqual([]);
  });
});
