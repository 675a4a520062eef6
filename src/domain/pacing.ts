/**
 * Even spacing of dials: one slot every 1/rate seconds, and never more than BURST × `rate`
 * dials in any one-second window (a limiter that refills once a second releases them in
 * bursts instead).
 */
export interface PaceState {
  nextSlotAt: number;
  /** Start times of the latest dials, newest last: the sliding one-second window. */
  recent: number[];
}

export function initialPace(): PaceState {
  return { nextSlotAt: 0, recent: [] };
}

const WINDOW_MS = 1000;
/**
 * Dials allowed in any one-second window, as a multiple of the rate: enough to catch up a late
 * tick without falling behind the rate, with room left for the jitter of the dial queue, so
 * the PBX sees at most 1.1 × the rate in any second.
 */
const BURST = 1.05;
/**
 * How late a dispatcher tick may come and still use the slots it missed. A worker's ticks
 * stall for a few hundred ms at times (a slow query, a collection, a VM that lends its CPU
 * elsewhere); each stall past this loses its slots for good, and the rate drifts below the
 * setting (5% at 100 ms on a VM losing 13% of its CPU to others). Longer gaps are a campaign
 * that was idle or held back, and start a new grid.
 */
const LATE_TICK_MS = 500;

/**
 * The slots (ms, on the grid) of the dials that may start at `now` given free concurrency
 * `capacity`, and the pace after them.
 */
export function takeSlots(pace: PaceState, now: number, callsPerSecond: number, capacity: number): { slots: number[]; pace: PaceState } {
  const interval = WINDOW_MS / callsPerSecond;
  // A tick that comes late catches up the slots it missed, a few dials at once.
  const perWindow = Math.max(1, Math.floor(callsPerSecond * BURST));
  const recent = pace.recent.filter((t) => now - t < WINDOW_MS);
  // Slots stay on their grid while ticks come a little late (no drift below the rate); a
  // campaign idle or held back for longer starts a new grid now (no burst of missed slots).
  let slot = pace.nextSlotAt >= now - Math.max(interval, LATE_TICK_MS) ? pace.nextSlotAt : now;
  const slots: number[] = [];
  while (slots.length < capacity && slot <= now && recent.length < perWindow) {
    slots.push(slot);
    recent.push(now);
    slot += interval;
  }
  return { slots, pace: { nextSlotAt: Math.max(slot, pace.nextSlotAt), recent } };
}

/**
 * How long a dial's request waits before it leaves: until `lead` ms after its slot. Between
 * the claim and the request the dial queue and the worker take a varying time (a few to a few
 * hundred ms), which would bunch dials at the PBX; sent a fixed lead after their slots, they
 * reach it as evenly spaced as the slots. A dial later than that leaves at once, and none
 * waits longer than `lead`, so a worker whose clock differs from the leader's only loses the
 * smoothing.
 */
export function sendDelay(slotAt: number, lead: number, now: number): number {
  return Math.min(lead, Math.max(0, slotAt + lead - now));
}
