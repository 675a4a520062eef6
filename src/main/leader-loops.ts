import type { Logger } from '../logger.js';
import type { LeaderLease } from '../db/leader-lease.js';

export interface LoopSpec {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

/**
 * Runs each loop while this process holds the leader lease; a loop never overlaps itself,
 * and an error is logged and retried on the next round.
 */
export function startLeaderLoops(lease: LeaderLease, loops: LoopSpec[], log: Logger): { stop(): Promise<void> } {
  let stopped = false;
  const stopping = new AbortController();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      stopping.signal.addEventListener('abort', wake);
    });
  const running: Promise<void>[] = [];
  for (const loop of loops) {
    running.push(
      (async () => {
        while (!stopped) {
          try {
            if (await lease.tryAcquire()) await loop.run();
          } catch (err) {
            log.error({ event: 'loop.failed', loop: loop.name, err: (err as Error).message }, 'background loop failed');
          }
          await pause(loop.everyMs);
        }
      })(),
    );
  }
  return {
    async stop() {
      stopped = true;
      stopping.abort();
      await Promise.all(running);
      await lease.release();
    },
  };
}
