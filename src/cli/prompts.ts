import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { DEFAULT_DIALPLAN } from '../tts/dialplan.js';
import { EspeakEngine } from '../tts/espeak-engine.js';
import { PromptStore } from '../tts/prompt-store.js';
import { fixedPrompts, VOICE_NAMES, type VoiceName } from '../tts/voices.js';

/**
 * prompts --lang zh|en --out DIR: renders the fixed prompt set (notice, confirm, password,
 * password1, holdon, ok) and the hold music as 8 kHz 16-bit mono WAV files, ready to copy to
 * the PBX's media share.
 */
export async function run([, ...args]: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { lang: { type: 'string', default: 'zh' }, out: { type: 'string', default: './prompts' } } });
  if (!(VOICE_NAMES as readonly string[]).includes(values.lang)) {
    throw new Error(`--lang must be one of ${VOICE_NAMES.join(', ')}`);
  }
  const voice = values.lang as VoiceName;
  const out = resolve(values.out);
  await mkdir(out, { recursive: true });
  const store = new PromptStore(new EspeakEngine(), out);
  for (const [name, text] of Object.entries(fixedPrompts(voice))) {
    await store.renderNamed(text, voice, join(out, `${name}.wav`));
    console.log(`${join(out, `${name}.wav`)}  ${text}`);
  }
  // A quiet, repeating chord: enough for callers to know they are still connected.
  const music = join(out, `${DEFAULT_DIALPLAN.holdMusic}.wav`);
  await promisify(execFile)('sox', ['-q', '-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', music, 'synth', '8', 'sine', '392', 'sine', '494', 'sine', '587', 'tremolo', '0.5', '40', 'fade', '0.5', '8', '0.5', 'gain', '-12']);
  console.log(`${music}  (hold music)`);
}
