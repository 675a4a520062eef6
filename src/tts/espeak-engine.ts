import { spawn } from 'node:child_process';
import { AppError } from '../errors.js';
import type { TtsEngine } from './tts-engine.js';
import { voiceSettings, type VoiceName } from './voices.js';

/**
 * espeak-ng (Debian package) piped into sox, which resamples to 8 kHz mono 16-bit and
 * normalises to -1 dBFS (Mandarin output clips otherwise). Text goes in on stdin, never on
 * the command line.
 */
export class EspeakEngine implements TtsEngine {
  readonly name = 'espeak-ng';

  constructor(private readonly timeoutMs = 20_000) {}

  render(text: string, voice: VoiceName, outPath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const espeak = spawn('espeak-ng', ['-v', voiceSettings(voice).espeak, '--stdin', '--stdout'], { stdio: ['pipe', 'pipe', 'pipe'] });
      const sox = spawn('sox', ['-q', '-t', 'wav', '-', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'wav', outPath, 'gain', '-n', '-1'], { stdio: ['pipe', 'ignore', 'pipe'] });
      const errors: string[] = [];
      let settled = false;
      const fail = (msg: string) => {
        if (settled) return;
        settled = true;
        espeak.kill('SIGKILL');
        sox.kill('SIGKILL');
        reject(new AppError('tts_failed', `text-to-speech failed: ${msg}`));
      };
      const timer = setTimeout(() => fail(`timed out after ${this.timeoutMs} ms`), this.timeoutMs);
      espeak.on('error', (e) => fail(`espeak-ng: ${e.message} (is the espeak-ng package installed?)`));
      sox.on('error', (e) => fail(`sox: ${e.message} (is the sox package installed?)`));
      espeak.stderr.on('data', (d: Buffer) => errors.push(d.toString()));
      sox.stderr.on('data', (d: Buffer) => errors.push(d.toString()));
      espeak.stdout.pipe(sox.stdin);
      sox.stdin.on('error', () => undefined);
      espeak.on('close', (code) => {
        if (code !== 0) fail(`espeak-ng exited with ${code}: ${errors.join('').trim()}`);
      });
      sox.on('close', (code) => {
        clearTimeout(timer);
        if (code !== 0) return fail(`sox exited with ${code}: ${errors.join('').trim()}`);
        if (!settled) {
          settled = true;
          resolve();
        }
      });
      espeak.stdin.end(text);
    });
  }
}
