/** When a campaign may dial: local "HH:MM" bounds in an IANA zone, on some ISO weekdays (1 = Monday). */
export interface CallingWindow {
  start: string;
  end: string;
  timezone: string;
  days: number[];
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timezone, f);
  }
  return f;
}

/** The local weekday, date and minute of the day at `now` in `timezone`. */
export function localTime(now: Date, timezone: string): { weekday: number; minute: number; date: string } {
  const parts = Object.fromEntries(formatter(timezone).formatToParts(now).map((p) => [p.type, p.value]));
  return { weekday: WEEKDAYS[parts.weekday!] ?? 0, minute: Number(parts.hour) * 60 + Number(parts.minute), date: `${parts.year}-${parts.month}-${parts.day}` };
}

/** How far `timezone`'s wall clock is ahead of UTC at `instant`, in ms. */
function offsetMs(instant: number, timezone: string): number {
  const p = Object.fromEntries(formatter(timezone).formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant the wall clock in `timezone` shows `date` `minute`. A wall time skipped by a
 * daylight-saving change resolves to the instant just after the gap.
 */
export function zonedInstant(date: string, minute: number, timezone: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y!, m! - 1, d!, Math.floor(minute / 60), minute % 60);
  const first = wall - offsetMs(wall, timezone);
  const second = wall - offsetMs(first, timezone);
  if (second + offsetMs(second, timezone) === wall) return new Date(second);
  // The wall time does not exist that day (clocks jumped over it): take the later reading.
  return new Date(Math.max(first, second));
}

function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10);
}

export function toMinute(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/**
 * True when `now` falls inside the window. A window whose end is before its start runs over
 * midnight (22:00-06:00); its early-morning part belongs to the day it started on.
 */
export function isInsideWindow(window: CallingWindow | null, now: Date): boolean {
  if (!window) return true;
  const { weekday, minute } = localTime(now, window.timezone);
  const start = toMinute(window.start);
  const end = toMinute(window.end);
  const dayAllowed = (d: number) => window.days.length === 0 || window.days.includes(d);
  if (start <= end) return minute >= start && minute < end && dayAllowed(weekday);
  if (minute >= start) return dayAllowed(weekday);
  return minute < end && dayAllowed(weekday === 1 ? 7 : weekday - 1);
}

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface CallingRules {
  window: CallingWindow | null;
  /** The callee's zone; the window's own zone when not given. */
  timezone: string | null;
  /** Local dates (YYYY-MM-DD) on which nobody is called. */
  blockedDates: string[];
}

function zoneOf(rules: CallingRules): string {
  return rules.timezone ?? rules.window?.timezone ?? 'UTC';
}

/** True when the callee may be called at `now`: inside the window, in their zone, on a day that is not blocked. */
export function mayCallAt(rules: CallingRules, now: Date): boolean {
  const zone = zoneOf(rules);
  if (rules.blockedDates.length && rules.blockedDates.includes(startDateOf(rules, now, zone))) return false;
  return isInsideWindow(rules.window ? { ...rules.window, timezone: zone } : null, now);
}

/** The local date the current opening started on (the day before, early in an overnight window). */
function startDateOf(rules: CallingRules, now: Date, zone: string): string {
  const local = localTime(now, zone);
  const w = rules.window;
  if (w && toMinute(w.end) < toMinute(w.start) && local.minute < toMinute(w.end)) return addDays(local.date, -1);
  return local.date;
}

/**
 * The earliest instant at or after `at` when the callee may be called, and why it is later
 * than `at` if it is; null when there is none in the next 400 days.
 */
export function nextOpening(rules: CallingRules, at: Date): { at: Date; reason: 'outside_window' | 'blocked_date' | null } | null {
  if (mayCallAt(rules, at)) return { at, reason: null };
  const zone = zoneOf(rules);
  const blocked = rules.blockedDates.includes(startDateOf(rules, at, zone));
  const startMinute = rules.window ? toMinute(rules.window.start) : 0;
  const today = localTime(at, zone).date;
  for (let i = 0; i <= 400; i++) {
    const candidate = zonedInstant(addDays(today, i), startMinute, zone);
    if (candidate.getTime() > at.getTime() && mayCallAt(rules, candidate)) return { at: candidate, reason: blocked ? 'blocked_date' : 'outside_window' };
  }
  return null;
}
