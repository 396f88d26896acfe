/** A user's digest schedule: their preferences, or the defaults (UTC, 09:00). */
export interface DigestSchedule {
  frequency: 'daily' | 'weekly';
  timeZone: string;
  digestHour: number;
}

interface LocalTime {
  /** The local calendar date, YYYY-MM-DD. */
  date: string;
  hour: number;
  /** 1 = Monday … 7 = Sunday. */
  isoWeekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
      weekday: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock of an instant in an IANA time zone, daylight saving included (Intl's tz data). */
export function localTime(at: Date, timeZone: string): LocalTime {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour),
    isoWeekday: WEEKDAYS[parts.weekday!] ?? 0,
  };
}

/** True for a time zone name Intl knows (an IANA name such as Europe/Paris, or UTC). */
export function isTimeZone(name: string): boolean {
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The period a digest run at `now` sends for this user, or null when none is due: a daily digest
 * once the user's local hour has reached digestHour, keyed by the local date; a weekly one the
 * same, on the local Monday only. Keyed by the local date, the day's digest goes out at the first
 * run past the hour and never again that day: on a day that skips the hour (daylight saving
 * starts) it goes at the next one, on a day that repeats it (daylight saving ends) once.
 */
export function dueDigestPeriod(schedule: DigestSchedule, now: Date): string | null {
  const local = localTime(now, isTimeZone(schedule.timeZone) ? schedule.timeZone : 'UTC');
  if (local.hour < schedule.digestHour) return null;
  if (schedule.frequency === 'weekly' && local.isoWeekday !== 1) return null;
  return local.date;
}
