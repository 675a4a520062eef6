import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { isSocketUrl } from '../test/support/test-databases.js';

/** One benchmark's table: figure, measured, baseline(s) of the same run, ratio, target. */
export interface Section {
  title: string;
  rows: [string, string, string, string, string][];
  notes?: string[];
}

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0]!;
  } catch {
    return 'unknown';
  }
}

export function machine(): string {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
  return [
    `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    `Node ${process.version}, ${version('psql', ['--version'])}, ${version('redis-server', ['--version'])}`,
    `express ${pkg.dependencies.express}, bullmq ${pkg.dependencies.bullmq}, prisma ${pkg.dependencies.prisma}, pg ${pkg.dependencies.pg}`,
    `PostgreSQL reached ${isSocketUrl() ? 'through its Unix socket' : 'over TCP'}`,
    'codecall compiled by `npm run build` and run with node, as in production',
  ].join('; ');
}

/** The machine's CPU counters (jiffies since boot), from /proc/stat; null where there is none. */
export function cpuSample(): { busy: number; steal: number; idle: number } | null {
  try {
    const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { busy: user! + nice! + system! + irq! + softirq!, steal: steal ?? 0, idle: idle! + iowait! };
  } catch {
    return null;
  }
}

/**
 * What the machine did while a benchmark ran: on a VM, time the hypervisor gave to others
 * (steal) is time the benchmark's processes waited with work to do, and it varies by the hour.
 */
export function cpuNote(before: ReturnType<typeof cpuSample>, after: ReturnType<typeof cpuSample>): string | null {
  if (!before || !after) return null;
  const [busy, steal, idle] = [after.busy - before.busy, after.steal - before.steal, after.idle - before.idle];
  const total = busy + steal + idle;
  if (total <= 0) return null;
  const pct = (x: number) => `${((100 * x) / total).toFixed(0)}%`;
  return `The machine's CPU over this benchmark, all processes: busy ${pct(busy)}, stolen by the hypervisor ${pct(steal)}, idle ${pct(idle)}.`;
}

/** Appends a dated run to docs/BENCHMARKS.md and returns the markdown. */
export function appendRun(sections: Section[]): string {
  const lines = [`## Run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`, '', machine(), ''];
  for (const s of sections) {
    lines.push(`### ${s.title}`, '', '| figure | codecall | baseline, same run | ratio | target |', '|---|---|---|---|---|');
    for (const row of s.rows) lines.push(`| ${row.join(' | ')} |`);
    for (const n of s.notes ?? []) lines.push('', n);
    lines.push('');
  }
  const md = lines.join('\n');
  const file = 'docs/BENCHMARKS.md';
  if (!existsSync(file)) writeFileSync(file, '# Benchmarks\n\n`npm run bench` appends a run here. Ratios against baselines measured in the same run are what to compare: this machine is noisy.\n\n');
  appendFileSync(file, `${md}\n`);
  return md;
}
