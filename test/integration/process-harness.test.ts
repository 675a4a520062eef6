import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Whether a process with this pid still runs (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a test or benchmark process that crashes', () => {
  it('takes the processes it started with it', async () => {
    // Starts a child through the harness, prints its pid, then dies of an uncaught error.
    const script = `
      import { spawn } from 'node:child_process';
      import { killOnExit } from './test/support/process-harness.ts';
      const child = killOnExit(spawn('sleep', ['60'], { stdio: 'ignore' }));
      console.log(child.pid);
      setTimeout(() => { throw new Error('the benchmark crashed'); }, 200);`;
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const p = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], (err, out) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: out }));
      p.stdin?.end();
    });
    expect(code).not.toBe(0);
    const pid = Number(stdout.trim());
    expect(pid).toBeGreaterThan(0);
    await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
  });
});
