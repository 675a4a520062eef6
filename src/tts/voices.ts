import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../db/paths.js';

/** Voice settings live in tts/voices.json, beside the prompt texts, for people to edit. */
const voiceSchema = z.object({ espeak: z.string().min(1), description: z.string(), speakable: z.string().min(1) });
const VOICES = z.record(z.enum(['zh', 'en']), voiceSchema).parse(JSON.parse(readFileSync(join(repoRoot, 'tts', 'voices.json'), 'utf8')));

export const VOICE_NAMES = ['zh', 'en'] as const;
export type VoiceName = (typeof VOICE_NAMES)[number];

export function voiceSettings(voice: VoiceName) {
  return VOICES[voice]!;
}

const speakable = new Map(VOICE_NAMES.map((v) => [v, new RegExp(voiceSettings(v).speakable, 'u')]));

/** Characters the voice cannot speak, or null when the text is speakable. */
export function unspeakable(voice: VoiceName, text: string): string | null {
  if (speakable.get(voice)!.test(text)) return null;
  const bad = [...new Set([...text].filter((ch) => !speakable.get(voice)!.test(ch)))];
  return bad.join('');
}

export function fixedPrompts(voice: VoiceName): Record<string, string> {
  return z.record(z.string(), z.string().min(1)).parse(JSON.parse(readFileSync(join(repoRoot, 'tts', `prompts.${voice}.json`), 'utf8')));
}
