import { describe, it, expect } from 'vitest';
import {
  isInsideWindow,
  localTime,
  mayCallAt,
  nextOpening,
  zonedInstant,
  type CallingRules,
  type CallingWindow,
} from '../../src/domain/calling-window.js';

/**
 * Every instant here is built from fixed UTC numbers: no test reads the real clock.
 * Asia/Shanghai is UTC+8 all year; America/New_York and Europe/Berlin change in 2026 on
 * 03-08 / 11-01 and 03-29 / 10-25.
 */

/** A UTC instant; month is 1-based. */
function utc(y: number, mo: number, d: number, h = 0, mi = 0): Date {
  return new Date(Date.UTC(y, mo - 1, d, h, mi));
}

/** The instant the wall clock in Shanghai (UTC+8, no DST) shows this time; month is 1-based. */
function shanghai(y: number, mo: number, d: number, h: number, mi = 0): Date {
  return new Date(Date.UTC(y, mo - 1, d, h - 8, mi));
}

function win(over: Partial<CallingWindow> = {}): CallingWindow {
  return { start: '09:00', end: '20:00', timezone: 'Asia/Shanghai', days: [], ...over };
}

function rules(over: Partial<CallingRules> = {}): CallingRules {
  return { window: win(), timezone: null, blockedDates: [], ...over };
}

const ISO = (d: Date | undefined) => d?.toISOString();

// 2026-06-10 is a Wednesday, 2026-06-12 a Friday, 2026-06-13 a Saturday, 2026-06-14 a Sunday.

describe('a 09:00-20:00 window in Asia/Shanghai', () => {
  const w = win();

  it('is closed at 08:59 local', () => {
    expect(isInsideWindow(w, shanghai(2026, 6, 10, 8, 59))).toBe(false);
  });

  it('opens at 09:00 local', () => {
    expect(isInsideWindow(w, shanghai(2026, 6, 10, 9, 0))).toBe(true);
  });

  it('is still open at 19:59 local', () => {
    expect(isInsideWindow(w, shanghai(2026, 6, 10, 19, 59))).toBe(true);
  });

  it('is closed at 20:00 local', () => {
    expect(isInsideWindow(w, shanghai(2026, 6, 10, 20, 0))).toBe(false);
  });

  it('reads the local wall clock, not UTC (01:00Z is 09:00 in Shanghai)', () => {
    expect(localTime(utc(2026, 6, 10, 1, 0), 'Asia/Shanghai')).toEqual({ weekday: 3, minute: 9 * 60, date: '2026-06-10' });
    expect(isInsideWindow(w, utc(2026, 6, 10, 1, 0))).toBe(true);
    expect(isInsideWindow(w, utc(2026, 6, 10, 12, 0))).toBe(false);
  });
});

describe('the days of a window', () => {
  const weekdays = win({ start: '07:00', end: '20:00', days: [1, 2, 3, 4, 5] });

  it('allows a weekday', () => {
    expect(isInsideWindow(weekdays, shanghai(2026, 6, 12, 10, 0))).toBe(true);
  });

  it('excludes Saturday and Sunday', () => {
    expect(isInsideWindow(weekdays, shanghai(2026, 6, 13, 10, 0))).toBe(false);
    expect(isInsideWindow(weekdays, shanghai(2026, 6, 14, 10, 0))).toBe(false);
  });

  it('counts Friday 23:30 UTC as Saturday, because it is Saturday 07:30 in Shanghai', () => {
    const fridayUtc = utc(2026, 6, 12, 23, 30);
    expect(localTime(fridayUtc, 'Asia/Shanghai')).toEqual({ weekday: 6, minute: 7 * 60 + 30, date: '2026-06-13' });
    expect(isInsideWindow(weekdays, fridayUtc)).toBe(false);
  });

  it('counts Sunday 23:30 UTC as Monday, because it is Monday 07:30 in Shanghai', () => {
    expect(isInsideWindow(weekdays, utc(2026, 6, 14, 23, 30))).toBe(true);
  });
});

describe('a window across midnight (22:00-06:00)', () => {
  const overnight = win({ start: '22:00', end: '06:00' });

  it('is open at 23:00 local', () => {
    expect(isInsideWindow(overnight, shanghai(2026, 6, 10, 23, 0))).toBe(true);
  });

  it('is open at 02:00 local', () => {
    expect(isInsideWindow(overnight, shanghai(2026, 6, 10, 2, 0))).toBe(true);
  });

  it('is closed at 12:00 local', () => {
    expect(isInsideWindow(overnight, shanghai(2026, 6, 10, 12, 0))).toBe(false);
  });

  it('opens at 22:00 and closes at 06:00 local', () => {
    expect(isInsideWindow(overnight, shanghai(2026, 6, 10, 21, 59))).toBe(false);
    expect(isInsideWindow(overnight, shanghai(2026, 6, 10, 22, 0))).toBe(true);
    expect(isInsideWindow(overnight, shanghai(2026, 6, 10, 5, 59))).toBe(true);
    expect(isInsideWindow(overnight, shanghai(2026, 6, 10, 6, 0))).toBe(false);
  });

  describe('on Fridays only', () => {
    const fridayNight = win({ start: '22:00', end: '06:00', days: [5] });

    it('is open on Saturday 02:00 local, because that opening started on Friday', () => {
      expect(isInsideWindow(fridayNight, shanghai(2026, 6, 13, 2, 0))).toBe(true);
    });

    it('is closed on Friday 02:00 local, because that opening started on Thursday', () => {
      expect(isInsideWindow(fridayNight, shanghai(2026, 6, 12, 2, 0))).toBe(false);
    });

    it('is open on Friday 23:00 and closed on Saturday 23:00 local', () => {
      expect(isInsideWindow(fridayNight, shanghai(2026, 6, 12, 23, 0))).toBe(true);
      expect(isInsideWindow(fridayNight, shanghai(2026, 6, 13, 23, 0))).toBe(false);
    });
  });
});

describe('daylight saving time', () => {
  const newYork = rules({ window: win({ timezone: 'America/New_York' }) });
  const berlin = rules({ window: win({ timezone: 'Europe/Berlin' }) });

  it('opens New York on 2026-03-08 at 09:00 EDT (13:00Z, not 14:00Z) when asked on Saturday 21:00 EST', () => {
    const saturdayEvening = utc(2026, 3, 8, 2, 0); // 2026-03-07 21:00 EST
    const o = nextOpening(newYork, saturdayEvening);
    expect(ISO(o?.at)).toBe('2026-03-08T13:00:00.000Z');
    expect(o?.reason).toBe('outside_window');
  });

  it('opens New York on 2026-11-01 at 09:00 EST (14:00Z) when asked on Saturday 21:00 EDT', () => {
    const saturdayEvening = utc(2026, 11, 1, 1, 0); // 2026-10-31 21:00 EDT
    const o = nextOpening(newYork, saturdayEvening);
    expect(ISO(o?.at)).toBe('2026-11-01T14:00:00.000Z');
    expect(o?.reason).toBe('outside_window');
  });

  it('opens Berlin on 2026-03-29 at 09:00 CEST (07:00Z) when asked on Saturday 21:00 CET', () => {
    const o = nextOpening(berlin, utc(2026, 3, 28, 20, 0));
    expect(ISO(o?.at)).toBe('2026-03-29T07:00:00.000Z');
  });

  it('opens Berlin on 2026-10-25 at 09:00 CET (08:00Z) when asked on Saturday 21:00 CEST', () => {
    const o = nextOpening(berlin, utc(2026, 10, 24, 19, 0));
    expect(ISO(o?.at)).toBe('2026-10-25T08:00:00.000Z');
  });

  it('resolves New York 02:30 on 2026-03-08, a wall time the change skips, to an instant within the hour after the gap', () => {
    // The clocks jump from 02:00 EST (07:00Z) to 03:00 EDT.
    const gap = utc(2026, 3, 8, 7, 0).getTime();
    const t = zonedInstant('2026-03-08', 150, 'America/New_York').getTime();
    expect(t).toBeGreaterThanOrEqual(gap);
    expect(t).toBeLessThanOrEqual(gap + 3_600_000);
  });

  it('resolves Berlin 02:30 on 2026-03-29, a wall time the change skips, to an instant within the hour after the gap', () => {
    // The clocks jump from 02:00 CET (01:00Z) to 03:00 CEST.
    const gap = utc(2026, 3, 29, 1, 0).getTime();
    const t = zonedInstant('2026-03-29', 150, 'Europe/Berlin').getTime();
    expect(t).toBeGreaterThanOrEqual(gap);
    expect(t).toBeLessThanOrEqual(gap + 3_600_000);
  });

  it('resolves ordinary wall times on the change days with the new offset', () => {
    expect(ISO(zonedInstant('2026-03-08', 9 * 60, 'America/New_York'))).toBe('2026-03-08T13:00:00.000Z');
    expect(ISO(zonedInstant('2026-11-01', 9 * 60, 'America/New_York'))).toBe('2026-11-01T14:00:00.000Z');
  });

  it('keeps New York closed at 08:59 and open at 09:00 local on 2026-03-08', () => {
    expect(mayCallAt(newYork, utc(2026, 3, 8, 12, 59))).toBe(false);
    expect(mayCallAt(newYork, utc(2026, 3, 8, 13, 0))).toBe(true);
  });

  it('keeps New York closed at 08:59 and open at 09:00 local on 2026-11-01', () => {
    expect(mayCallAt(newYork, utc(2026, 11, 1, 13, 59))).toBe(false);
    expect(mayCallAt(newYork, utc(2026, 11, 1, 14, 0))).toBe(true);
  });

  it('keeps Berlin closed at 08:59 and open at 09:00 local on both change days', () => {
    expect(mayCallAt(berlin, utc(2026, 3, 29, 6, 59))).toBe(false);
    expect(mayCallAt(berlin, utc(2026, 3, 29, 7, 0))).toBe(true);
    expect(mayCallAt(berlin, utc(2026, 10, 25, 7, 59))).toBe(false);
    expect(mayCallAt(berlin, utc(2026, 10, 25, 8, 0))).toBe(true);
  });
});

describe('blocked dates', () => {
  const christmas = ['2026-12-25'];

  it('are local dates: 2026-12-24T17:00Z is 01:00 on the 25th in Shanghai and is blocked', () => {
    const r = rules({ window: null, timezone: 'Asia/Shanghai', blockedDates: christmas });
    expect(mayCallAt(r, utc(2026, 12, 24, 17, 0))).toBe(false);
  });

  it('block the whole local day and nothing around it', () => {
    const r = rules({ window: null, timezone: 'Asia/Shanghai', blockedDates: christmas });
    expect(mayCallAt(r, shanghai(2026, 12, 24, 23, 59))).toBe(true);
    expect(mayCallAt(r, shanghai(2026, 12, 25, 0, 0))).toBe(false);
    expect(mayCallAt(r, shanghai(2026, 12, 25, 23, 59))).toBe(false);
    expect(mayCallAt(r, shanghai(2026, 12, 26, 0, 0))).toBe(true);
  });

  it('move the next opening from inside the blocked day to the next day\'s window start, because of the blocked date', () => {
    const r = rules({ blockedDates: christmas });
    const o = nextOpening(r, shanghai(2026, 12, 25, 10, 0));
    expect(ISO(o?.at)).toBe(ISO(shanghai(2026, 12, 26, 9, 0)));
    expect(o?.reason).toBe('blocked_date');
  });

  it('give blocked_date as the reason early on the blocked day, before its window would open', () => {
    const o = nextOpening(rules({ blockedDates: christmas }), utc(2026, 12, 24, 17, 0));
    expect(ISO(o?.at)).toBe(ISO(shanghai(2026, 12, 26, 9, 0)));
    expect(o?.reason).toBe('blocked_date');
  });

  it('leave outside_window as the reason on a day that is not blocked', () => {
    const o = nextOpening(rules({ blockedDates: christmas }), shanghai(2026, 12, 23, 21, 0));
    expect(ISO(o?.at)).toBe(ISO(shanghai(2026, 12, 24, 9, 0)));
    expect(o?.reason).toBe('outside_window');
  });

  it('leave the same day\'s window start as the next opening before it opens on a day that is not blocked', () => {
    const o = nextOpening(rules({ blockedDates: christmas }), shanghai(2026, 12, 24, 7, 0));
    expect(ISO(o?.at)).toBe(ISO(shanghai(2026, 12, 24, 9, 0)));
    expect(o?.reason).toBe('outside_window');
  });

  it('leave an instant inside the window as it is, with no reason', () => {
    const now = shanghai(2026, 12, 24, 10, 0);
    const o = nextOpening(rules({ blockedDates: christmas }), now);
    expect(o).not.toBeNull();
    expect(o!.at.getTime()).toBe(now.getTime());
    expect(o!.reason).toBeNull();
  });
});

describe('the callee\'s zone', () => {
  // The window is written for Shanghai but the callee lives in New York.
  const r = rules({ window: win({ timezone: 'Asia/Shanghai' }), timezone: 'America/New_York' });

  it('wins over the window\'s zone when the callee is inside their own window', () => {
    // 10:00 EDT in New York, 22:00 in Shanghai.
    expect(mayCallAt(r, utc(2026, 6, 10, 14, 0))).toBe(true);
  });

  it('wins over the window\'s zone when the callee is outside their own window', () => {
    // 22:00 EDT on the 9th in New York, 10:00 in Shanghai.
    expect(mayCallAt(r, utc(2026, 6, 10, 2, 0))).toBe(false);
  });

  it('sets the next opening to 09:00 in the callee\'s zone', () => {
    const o = nextOpening(r, utc(2026, 6, 10, 2, 0));
    expect(ISO(o?.at)).toBe('2026-06-10T13:00:00.000Z');
  });

  it('decides which local date is blocked', () => {
    // 2026-06-10T02:00Z is the 10th in Shanghai but the 9th in New York.
    const blocked = rules({ window: null, timezone: 'America/New_York', blockedDates: ['2026-06-09'] });
    expect(mayCallAt(blocked, utc(2026, 6, 10, 2, 0))).toBe(false);
    expect(mayCallAt({ ...blocked, blockedDates: ['2026-06-10'] }, utc(2026, 6, 10, 2, 0))).toBe(true);
  });
});

describe('no window and no blocked dates', () => {
  const open = rules({ window: null, timezone: null, blockedDates: [] });
  const instants = [utc(2026, 6, 10, 0, 0), utc(2026, 6, 13, 3, 17), utc(2026, 6, 14, 23, 59), utc(2026, 3, 8, 7, 0)];

  it('leaves a call always allowed', () => {
    for (const t of instants) expect(mayCallAt(open, t)).toBe(true);
    for (const t of instants) expect(isInsideWindow(null, t)).toBe(true);
  });

  it('makes every instant its own next opening', () => {
    for (const t of instants) {
      const o = nextOpening(open, t);
      expect(o?.at.getTime()).toBe(t.getTime());
      expect(o?.reason).toBeNull();
    }
  });
});

describe('when no day can be called', () => {
  it('gives no next opening for a Monday-only window whose every Monday in the next 400 days is blocked', () => {
    const mondays: string[] = [];
    for (let week = 0; week < 60; week++) mondays.push(utc(2026, 6, 8 + 7 * week).toISOString().slice(0, 10));
    const r = rules({ window: win({ days: [1] }), blockedDates: mondays });
    expect(nextOpening(r, shanghai(2026, 6, 10, 10, 0))).toBeNull();
  });

  it('still finds the next opening of a Sunday-only window on a Sunday', () => {
    const r = rules({ window: win({ days: [7] }) });
    const o = nextOpening(r, shanghai(2026, 6, 10, 10, 0));
    expect(ISO(o?.at)).toBe(ISO(shanghai(2026, 6, 14, 9, 0)));
    expect(localTime(o!.at, 'Asia/Shanghai').weekday).toBe(7);
    expect(o?.reason).toBe('outside_window');
  });
});
