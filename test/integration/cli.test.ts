import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { API_KEY, phoneNumbers, useEngine } from '../support/engine-harness.js';

const e = useEngine();
const phone = phoneNumbers('1372');

/** Runs the `codecall` bin as an operator would, in a process of its own. */
async function codecall(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/codecall.mjs', ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the codecall command', () => {
  it('lists its commands, and refuses an unknown one', async () => {
    const help = await codecall([]);
    expect(help.code).toBe(0);
    for (const command of ['migrate', 'user:create', 'key:create', 'key:revoke', 'submit', 'dialplan', 'prompts']) expect(help.stderr).toContain(command);
    expect((await codecall(['dial-everyone'])).code).toBe(2);
  });

  it('migrates, and creates and revokes an API key that the API takes until it is revoked', async () => {
    const env = { DATABASE_URL: e.databaseUrl };
    expect(await codecall(['migrate'], env)).toMatchObject({ code: 0, stdout: 'up to date\n' });
    const created = await codecall(['key:create', '--name', 'cli-test', '--scopes', 'read'], env);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    const list = (k: string) => fetch(`${e.baseUrl}/api/campaigns`, { headers: { authorization: `Bearer ${k}` } }).then((r) => r.status);
    expect(await list(key)).toBe(200);
    expect((await codecall(['key:revoke', '--name', 'cli-test'], env)).code).toBe(0);
    expect(await list(key)).toBe(401);
  });

  it('submits a CSV campaign and follows it to its outcome table', async () => {
    const csv = join(e.mediaDir, 'batch.csv');
    writeFileSync(csv, `phone,code,ref\n${phone(5)},1234,a\n${phone(6)},5678,b\n`);
    const run = await codecall(['submit', csv, '--name', 'from the CLI', '--option', 'retryDelaySeconds=0', '--option', 'maxDialAttempts=1', '--follow'], { CODECALL_URL: e.baseUrl, CODECALL_API_KEY: API_KEY });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/campaign [0-9a-f-]{36}: 2 calls accepted/);
    expect(run.stdout).toMatch(/\[#{30}\] 2\/2 done/);
    expect(run.stdout).toMatch(/no_answer\s+1\n/);
    expect(run.stdout).toMatch(/busy\s+1\n/);
  });

  it('names the bad row of a CSV it cannot submit', async () => {
    const csv = join(e.mediaDir, 'bad.csv');
    writeFileSync(csv, `phone,code\n${phone(5)},12\n`);
    const run = await codecall(['submit', csv, '--name', 'bad'], { CODECALL_URL: e.baseUrl, CODECALL_API_KEY: API_KEY });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('400');
    expect(run.stderr).toMatch(/calls\.0\.code|calls\[0\]\.code|row/);
  });

  it('prints the dialplan', async () => {
    const run = await codecall(['dialplan', '--entry', '7500']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('7500');
  });
});
