import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PbxSimulator, type PbxSimulatorOptions } from '../../src/simulator/pbx-simulator.js';
import { invocation } from './deploy-checks.js';
import { testDatabases } from './test-databases.js';

/**
 * codecall as operators run it: real processes (`src/main/start.ts`) on one database, one
 * Redis and one simulated PBX, which a test may kill, restart and multiply.
 */

export const API_KEY = 'fault-test-key-0123456789';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function until<T>(what: string, probe: () => Promise<T | null | false | undefined> | T | null | false | undefined, ms = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve()
      .then(probe)
      .catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const children = new Set<ChildProcess>();
process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));

/**
 * Kills `child` if this process exits first, however it exits: a test or benchmark that
 * crashes must not leave services dialling and writing in the background, skewing what runs
 * next on the machine.
 */
export function killOnExit<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export interface ServiceProcess {
  role: string;
  port: number;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Resident memory in bytes, from /proc. */
  rss(): number;
}

/**
 * The node flags and the variables `npm start` runs the service with (package.json): the
 * compiled service runs with both, as in production, and the sources with the variables.
 */
function productionStart(): { flags: string[]; env: Record<string, string> } {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
  return invocation(start.trim().split(/\s+/));
}

/**
 * `npm start` / `start:api` / `start:worker` as a process of its own, run with node directly:
 * from the TypeScript sources, or with CODECALL_COMPILED=1 from `npm run build`'s dist/ as in
 * production. CODECALL_NODE_FLAGS adds node flags, e.g. --cpu-prof.
 */
export function spawnService(role: 'all' | 'api' | 'worker', port: number, env: NodeJS.ProcessEnv): ServiceProcess {
  const start = productionStart();
  const entry = process.env.CODECALL_COMPILED ? [...start.flags, 'dist/main/start.js'] : ['--import', 'tsx', 'src/main/start.ts'];
  const child = killOnExit(spawn(process.execPath, [...(process.env.CODECALL_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...entry, role], { env: { ...process.env, ...start.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  const keep = (d: Buffer) => {
    output += d.toString();
    // Enough to explain a failure, not a leak in a long run.
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    role,
    port,
    child,
    output: () => output,
    exited,
    rss: () => {
      try {
        const statm = readFileSync(`/proc/${child.pid}/statm`, 'utf8');
        return Number(statm.split(' ')[1]) * 4096;
      } catch {
        return 0;
      }
    },
  };
}

export async function waitReady(p: ServiceProcess, ms = 30_000): Promise<void> {
  await until(`${p.role} on port ${p.port} to be ready`, async () => {
    if (p.child.exitCode !== null) throw new Error(`${p.role} exited: ${p.output().slice(-2000)}`);
    return (await fetch(`http://127.0.0.1:${p.port}/readyz`)).ok;
  }, ms);
}

export async function stopService(p: ServiceProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.child.exitCode;
  p.child.kill(signal);
  return p.exited;
}

/** A Redis server of the test's own, on its own port, that the test may stop and start again. */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'codecall-redis-'));
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.child = killOnExit(spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], { stdio: 'ignore' }));
    await until('the private Redis to answer', () => canConnect(this.port), 10_000, 50);
    return this;
  }

  /** Gone at once, with everything in it (no persistence), as a crashed Redis without AOF. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.on('exit', r));
    c.kill('SIGKILL');
    await gone;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export interface Cluster {
  sim: PbxSimulator;
  redis: PrivateRedis;
  databaseUrl: string;
  mediaDir: string;
  /** The env every codecall process of this cluster gets; reports go to the first API process. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  processes: ServiceProcess[];
  start(role: 'all' | 'api' | 'worker', port?: number): Promise<ServiceProcess>;
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/**
 * One database, a private Redis and a simulator; codecall processes are started on demand.
 * `apiPort` is fixed up front because the PBX is told where to report (PBX_EVENTS_URL).
 */
export async function startCluster(opts: { sim?: PbxSimulatorOptions; env?: NodeJS.ProcessEnv } = {}): Promise<Cluster> {
  const mediaDir = mkdtempSync(join(tmpdir(), 'codecall-faults-'));
  const sim = await new PbxSimulator({ timeScale: 0.05, mediaDir, ...opts.sim }).start();
  const redis = await new PrivateRedis(await freePort()).start();
  const dbs = testDatabases('faults');
  const databaseUrl = dbs.url('db');
  const apiPort = await freePort();
  const prefix = `codecall-faults-${randomBytes(3).toString('hex')}`;
  const processes: ServiceProcess[] = [];
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    PBX_URL: sim.url,
    PBX_USERNAME: 'api',
    PBX_PASSWORD: 'password',
    PBX_TIMEOUT_MS: '2000',
    PBX_EVENTS_URL: `http://127.0.0.1:${apiPort}`,
    API_KEYS: API_KEY,
    MEDIA_DIR: mediaDir,
    WATCHDOG_SILENCE_MS: '3000',
    SWEEP_GRACE_MS: '1000',
    UNREACHABLE_RETRY_MS: '300',
    SHUTDOWN_GRACE_MS: '3000',
    LOG_LEVEL: 'warn',
    ...opts.env,
    ...extra,
  });
  const cluster: Cluster = {
    sim,
    redis,
    databaseUrl,
    mediaDir,
    env,
    processes,
    async start(role, port) {
      const p = spawnService(role, port ?? (role === 'worker' || processes.some((x) => x.port === apiPort && x.child.exitCode === null) ? await freePort() : apiPort), env());
      processes.push(p);
      await waitReady(p);
      return p;
    },
    async api(method, path, body) {
      const res = await fetch(`http://127.0.0.1:${apiPort}${path}`, { method, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async close() {
      await Promise.all(processes.map((p) => stopService(p, 'SIGKILL')));
      await sim.stop();
      await redis.stop();
      await dbs.dropAll();
      rmSync(mediaDir, { recursive: true, force: true });
    },
  };
  return cluster;
}
