import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { killOnExit } from '../test/support/process-harness.js';
import { reportBodies } from './ingest.js';
import { paced, type LoadResult } from './load.js';

/**
 * Background reports at an even pace, sent from a process of their own: in the simulator's
 * process they would hold up its event loop, and so the arrival of every request it times
 * (a PBX shares its loop with no load generator). Stops early when `stop` is called.
 */
export function pacedFromElsewhere(url: string, rate: number, seconds: number): { result: Promise<LoadResult>; stop: () => void } {
  const child = killOnExit(spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, url, String(rate), String(seconds)], { stdio: ['pipe', 'pipe', 'inherit'] }));
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c));
  const result = new Promise<LoadResult>((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`paced sender exited with ${code}`))));
  });
  return { result, stop: () => child.stdin!.end() };
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const [url, rate, seconds] = process.argv.slice(2);
  let stopped = false;
  process.stdin.resume();
  process.stdin.on('end', () => (stopped = true));
  const result = await paced(url!, reportBodies(), Number(rate), Number(seconds), () => stopped);
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}
