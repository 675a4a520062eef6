/** What a PBX needs to know about a WAV file, read from its RIFF header. */
export interface WavInfo {
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataBytes: number;
  durationMs: number;
}

/** The format the PBX plays: 8 kHz, 16-bit, mono, linear PCM. */
export const PBX_FORMAT = { format: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 } as const;

export function readWavInfo(buf: Buffer): WavInfo {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let offset = 12;
  let fmt: Omit<WavInfo, 'dataBytes' | 'durationMs'> | null = null;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bitsPerSample: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new Error('data chunk before fmt chunk');
      const dataBytes = Math.min(size, buf.length - body);
      const bytesPerSecond = fmt.sampleRate * fmt.channels * (fmt.bitsPerSample / 8);
      return { ...fmt, dataBytes, durationMs: Math.round((dataBytes / bytesPerSecond) * 1000) };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('no data chunk');
}

/** Root mean square of 16-bit PCM samples, 0..32767: near 0 means silence. */
export function pcm16Rms(buf: Buffer): number {
  const info = readWavInfo(buf);
  const start = buf.length - info.dataBytes;
  let sum = 0;
  const n = Math.floor(info.dataBytes / 2);
  for (let i = 0; i < n; i++) {
    const s = buf.readInt16LE(start + i * 2);
    sum += s * s;
  }
  return n === 0 ? 0 : Math.sqrt(sum / n);
}

export function isPbxFormat(info: WavInfo): boolean {
  return info.format === PBX_FORMAT.format && info.channels === PBX_FORMAT.channels && info.sampleRate === PBX_FORMAT.sampleRate && info.bitsPerSample === PBX_FORMAT.bitsPerSample;
}
