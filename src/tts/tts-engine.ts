import type { VoiceName } from './voices.js';

/** Turns text into a WAV file in the PBX's format (8 kHz, 16-bit, mono PCM). */
export interface TtsEngine {
  readonly name: string;
  /** Writes the rendering of `text` to `outPath` (the caller makes that atomic). */
  render(text: string, voice: VoiceName, outPath: string): Promise<void>;
}
