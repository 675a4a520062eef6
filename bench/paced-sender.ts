import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killOnExit } from '../test/support/process-harness.js';
import { reportBodies } from './ingest.js';
import { paced, type LoadResult } from './load.js';

/**
 * Background reports at an even pace, sent from a process of their own: in the simulator's
 * process they would hold up its event loop, and so the arrival of every request it times
 * (a PBX shares its loop with no load generator). `started` settles once the process sends
 * (starting it takes a few hundred ms); it stops early when `stop` is called.
 */
export function pacedFromElsewhere(url: string, rate: number, seconds: number): { started: Promise<void>; result: Promise<LoadResult>; stop: () => void } {
  const child = killOnExit(spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), url, String(rate), String(seconds)], { stdio: ['pipe', 'pipe', 'inherit'] }));
  let out = '';
  let sending!: () => void;
  const started = new Promise<void>((r) => (sending = r));
  child.stdout!.on('data', (c: Buffer) => {
    out += c;
    if (out.includes('\n')) sending();
  });
  const result = new Promise<LoadResult>((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.slice(out.indexOf('\n') + 1)) as LoadResult) : reject(new Error(`paced sender exited with ${code}`))));
  });
  return { started, result, stop: () => child.stdin!.end() };
}

if (fileURLToPath(import.meta.url) === process.argv[1]) {
  const [url, rate, seconds] = process.argv.slice(2);
  let stopped = false;
  process.stdin.resume();
  process.stdin.on('end', () => (stopped = true));
  process.stdout.write('sending\n');
  const result = await paced(url!, reportBodies(), Number(rate), Number(seconds), () => stopped);
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}
