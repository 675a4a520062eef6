import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import type { TtsEngine } from './tts-engine.js';
import type { VoiceName } from './voices.js';
import { isPbxFormat, pcm16Rms, readWavInfo } from './wav.js';

const FORMAT = 'wav-8k-s16-mono';

/**
 * Renders prompts once per (text, voice, format) into a cache, and puts a copy where the
 * PBX reads it, named after the callee's number. Every file appears by rename, so the PBX
 * (or a concurrent render) never sees half a file.
 */
export class PromptStore {
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly engine: TtsEngine,
    readonly mediaDir: string,
    private readonly cacheDir = join(mediaDir, '.cache'),
  ) {}

  keyOf(text: string, voice: VoiceName): string {
    return createHash('sha256').update(`${this.engine.name}\n${voice}\n${FORMAT}\n${text}`).digest('hex');
  }

  /** The cached rendering of `text`, rendered now if it is not cached yet. */
  async ensureRendered(text: string, voice: VoiceName): Promise<{ key: string; path: string }> {
    const key = this.keyOf(text, voice);
    const path = join(this.cacheDir, `${key}.wav`);
    if (await exists(path)) {
      // Touched on every use, so pruning by age (retention) never takes a rendering in use.
      const now = new Date();
      await utimes(path, now, now).catch(() => undefined);
      return { key, path };
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.renderTo(text, voice, path).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    await pending;
    return { key, path };
  }

  /** Puts the prompt the IVR plays for `phone` in place: `<mediaDir>/<phone>.wav`. */
  async place(cachedPath: string, phone: string): Promise<string> {
    const target = this.pathFor(phone);
    const tmp = join(this.mediaDir, `.${phone}.${randomBytes(4).toString('hex')}.tmp`);
    await copyFile(cachedPath, tmp);
    await rename(tmp, target);
    return target;
  }

  /** Removes `<phone>.wav`; false when there was none. */
  async remove(phone: string): Promise<boolean> {
    return unlink(this.pathFor(phone)).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        return false;
      },
    );
  }

  /** Removes cached renderings not used since `before`; returns how many. */
  async pruneCache(before: Date): Promise<number> {
    const names = await readdir(this.cacheDir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names.filter((n) => n.endsWith('.wav'))) {
      const path = join(this.cacheDir, name);
      const info = await stat(path).catch(() => null);
      if (info && info.mtime < before) {
        await unlink(path).catch(() => undefined);
        removed += 1;
      }
    }
    return removed;
  }

  pathFor(phone: string): string {
    if (!/^\+?\d{3,20}$/.test(phone)) throw new AppError('validation_failed', 'not a phone number');
    return join(this.mediaDir, `${phone}.wav`);
  }

  /** Renders to a file of the given name (for the fixed prompt set). */
  async renderNamed(text: string, voice: VoiceName, path: string): Promise<void> {
    await this.renderTo(text, voice, path);
  }

  private async renderTo(text: string, voice: VoiceName, path: string): Promise<string> {
    await mkdir(this.cacheDir, { recursive: true });
    await mkdir(join(path, '..'), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp.wav`;
    try {
      await this.engine.render(text, voice, tmp);
      checkRendering(await readFile(tmp));
      await rename(tmp, path);
      return path;
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }
}

/** A rendering the PBX could not play, or that says nothing, is a failure, not a prompt. */
function checkRendering(buf: Buffer): void {
  const info = readWavInfo(buf);
  if (!isPbxFormat(info)) throw new AppError('tts_failed', `rendered audio is not 8 kHz 16-bit mono PCM: ${JSON.stringify(info)}`);
  if (info.durationMs < 100 || pcm16Rms(buf) < 50) throw new AppError('tts_failed', 'rendered audio is silent');
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}
