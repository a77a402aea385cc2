// Agreement schedules: "always" or windows like "mon-fri 22:00-06:00"
// (local time; a window whose end is before its start runs past midnight
// and belongs to the day it starts on).
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface Window {
  days: Set<number>;
  start: number;
  end: number;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  if (h > 24 || m > 59 || (h === 24 && m > 0)) throw new Error(`bad time ${hhmm}`);
  return h * 60 + m;
}

export function parseWindow(spec: string): Window {
  const m = /^\s*([a-z,-]+)\s+(\d{2}:\d{2})-(\d{2}:\d{2})\s*$/i.exec(spec);
  if (!m) throw new Error(`"${spec}" is not a window like "mon-fri 22:00-06:00"`);
  const days = new Set<number>();
  for (const part of m[1]!.toLowerCase().split(',')) {
    // A day or a range of two: "mon-tue-wed" is a typo, not mon-tue.
    const ends = part.split('-');
    if (ends.length > 2) throw new Error(`"${part}" in "${spec}" is not a day or a range of days like "mon-fri"`);
    const [a, b] = ends;
    const from = DAYS.indexOf(a!);
    const to = b === undefined ? from : DAYS.indexOf(b);
    if (from < 0 || to < 0) throw new Error(`unknown day in "${spec}"`);
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  const start = minutes(m[2]!);
  // 24:00 ends a day; a window starting there would be the next day's 00:00
  // ("mon 24:00-00:00" would never open).
  if (start === 24 * 60) throw new Error(`"${spec}" starts at 24:00: start a window at 00:00 of the next day`);
  return { days, start, end: minutes(m[3]!) };
}

/** Is `date` inside any window? */
export function inSchedule(windows: readonly Window[] | 'always', date: Date): boolean {
  if (windows === 'always') return true;
  const day = date.getDay();
  const min = date.getHours() * 60 + date.getMinutes();
  for (const w of windows) {
    if (w.start <= w.end) {
      if (w.days.has(day) && min >= w.start && min < w.end) return true;
    } else {
      if (w.days.has(day) && min >= w.start) return true;
      if (w.days.has((day + 6) % 7) && min < w.end) return true;
    }
  }
  return false;
}

/** Milliseconds until the next minute starts: windows open and close on minutes. */
export function msToNextMinute(now = Date.now()): number {
  return 60_000 - (now % 60_000) + 20;
}
