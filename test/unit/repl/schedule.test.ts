// Agreement schedules: windows by day and local time, past midnight too,
// and the minute boundary a supplier waits for (windows open and close on minutes).
import t from 'tap';
import { inSchedule, msToNextMinute, parseWindow } from '../../../src/repl/session/schedule.js';

const at = (y: number, mo: number, d: number, h: number, mi: number) => new Date(y, mo - 1, d, h, mi, 0, 0);

t.test('windows: days, times, past midnight', async (t) => {
  const nights = [parseWindow('mon-fri 22:00-06:00')];
  // 2026-12-07 is a Monday.
  t.equal(inSchedule(nights, at(2026, 12, 7, 21, 59)), false, 'Monday 21:59: not yet');
  t.equal(inSchedule(nights, at(2026, 12, 7, 22, 0)), true, 'Monday 22:00: open');
  t.equal(inSchedule(nights, at(2026, 12, 8, 5, 59)), true, 'Tuesday 05:59: Monday\'s window still');
  t.equal(inSchedule(nights, at(2026, 12, 8, 6, 0)), false, 'Tuesday 06:00: closed');
  t.equal(inSchedule(nights, at(2026, 12, 13, 1, 0)), false, 'Sunday 01:00: Saturday has no window');
  t.equal(inSchedule(nights, at(2026, 12, 12, 1, 0)), true, 'Saturday 01:00: Friday\'s window');
  const lunch = [parseWindow('sun,wed 12:00-13:30')];
  t.equal(inSchedule(lunch, at(2026, 12, 9, 13, 29)), true);
  t.equal(inSchedule(lunch, at(2026, 12, 9, 13, 30)), false, 'the end minute is outside');
  t.equal(inSchedule('always', at(2026, 12, 9, 3, 3)), true);
  for (const bad of ['mon 25:00-26:00', 'funday 10:00-11:00', 'mon 10-11', 'mon 10:60-11:00']) t.throws(() => parseWindow(bad), Error, bad);
  // Windows that would never open, or not open when the administrator meant.
  t.throws(() => parseWindow('mon 24:00-00:00'), /starts at 24:00/, 'mon 24:00-00:00 would never open');
  t.throws(() => parseWindow('mon 24:00-01:00'), /starts at 24:00/, 'mon 24:00-01:00 is really tue 00:00-01:00');
  t.throws(() => parseWindow('mon-tue-wed 10:00-11:00'), /not a day or a range/, 'mon-tue-wed was read as mon-tue');
  t.same([...parseWindow('fri-mon 10:00-11:00').days].sort(), [0, 1, 5, 6], 'a range across the week end');
  t.equal(inSchedule([parseWindow('mon 00:00-24:00')], at(2026, 12, 7, 23, 59)), true, '24:00 still ends a window');
});

t.test('a supplier waits for the next minute, just past it', async (t) => {
  t.equal(msToNextMinute(Date.UTC(2026, 11, 6, 0, 0, 59, 990)), 30, '10 ms before the minute: 10 + 20');
  t.equal(msToNextMinute(Date.UTC(2026, 11, 6, 0, 1, 0, 0)), 60_020, 'on the minute: the next one');
  const now = Date.now();
  t.equal(new Date(now + msToNextMinute(now)).getSeconds(), 0, 'lands in the first second of a minute');
});
