import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ServiceProcess } from '../test/support/process-harness.js';

/** prom-client samples each service's event loop with a timer of this period (its default). */
const TIMER_MS = 10;

interface LoopFigures {
  /** Delay beyond the timer's period, ms. */
  lagP99: number;
  lagMax: number;
  /** Garbage collection pauses over the window, ms and count. */
  gcMs: number;
  gcPauses: number;
}

/** The numeric series of a Prometheus text page, by name with labels. */
async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

const gcTotals = (m: Map<string, number>) => {
  let seconds = 0;
  let count = 0;
  for (const [k, v] of m) {
    if (k.startsWith('codecall_nodejs_gc_duration_seconds_sum')) seconds += v;
    if (k.startsWith('codecall_nodejs_gc_duration_seconds_count')) count += v;
  }
  return { ms: seconds * 1000, count };
};

/**
 * Each hop of a decision waits for its process's event loop. Watches the loops over a window
 * of a benchmark: the services' through their own metrics (prom-client's event-loop delay,
 * reset at each scrape, and garbage collection totals), and this process (the simulator's)
 * with a timer of the same period.
 */
export async function watchLoops(services: ServiceProcess[]): Promise<{ stop(): Promise<Map<string, LoopFigures>> }> {
  const before = new Map(await Promise.all(services.map(async (s) => [s, await scrape(s.port)] as const)));
  const own = monitorEventLoopDelay({ resolution: TIMER_MS });
  own.enable();
  const beyond = (seconds: number) => Math.max(0, seconds * 1000 - TIMER_MS);
  return {
    async stop() {
      own.disable();
      const figures = new Map<string, LoopFigures>();
      for (const [s, was] of before) {
        const now = await scrape(s.port);
        const [gcWas, gcNow] = [gcTotals(was), gcTotals(now)];
        figures.set(s.role, {
          lagP99: beyond(now.get('codecall_nodejs_eventloop_lag_p99_seconds') ?? NaN),
          lagMax: beyond(now.get('codecall_nodejs_eventloop_lag_max_seconds') ?? NaN),
          gcMs: gcNow.ms - gcWas.ms,
          gcPauses: gcNow.count - gcWas.count,
        });
      }
      figures.set('simulator', { lagP99: beyond(own.percentile(99) / 1e9), lagMax: beyond(own.max / 1e9), gcMs: NaN, gcPauses: NaN });
      return figures;
    },
  };
}

/** The worst of several windows: the highest delays, the summed collections. */
export function worstOf(windows: Map<string, LoopFigures>[]): Map<string, LoopFigures> {
  const out = new Map<string, LoopFigures>();
  for (const w of windows) {
    for (const [role, f] of w) {
      const o = out.get(role);
      out.set(role, o ? { lagP99: Math.max(o.lagP99, f.lagP99), lagMax: Math.max(o.lagMax, f.lagMax), gcMs: o.gcMs + f.gcMs, gcPauses: o.gcPauses + f.gcPauses } : f);
    }
  }
  return out;
}

export function describeLoops(figures: Map<string, LoopFigures>): { delays: string; collections: string } {
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const entries = [...figures];
  return {
    delays: entries.map(([role, f]) => `${role} ${ms(f.lagP99)} / ${ms(f.lagMax)}`).join(', '),
    collections: entries
      .filter(([, f]) => Number.isFinite(f.gcMs))
      .map(([role, f]) => `${role} ${ms(f.gcMs)} in ${f.gcPauses} pauses (mean ${(f.gcMs / Math.max(1, f.gcPauses)).toFixed(1)} ms)`)
      .join(', '),
  };
}
