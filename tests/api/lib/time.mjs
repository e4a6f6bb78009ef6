// Dates and instants as the SPEC writes them, and time zones chosen from
// the real current UTC time so that quiet-hour expectations are fixed.

const DAY = 86_400_000;

/** `YYYY-MM-DDTHH:MM:SSZ` for a millisecond timestamp (seconds truncated). */
export function instant(ms = Date.now()) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Milliseconds of an instant string. */
export function ms(instantString) {
  const t = Date.parse(instantString);
  if (Number.isNaN(t)) throw new Error(`not an instant: ${instantString}`);
  return t;
}

export const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Today's UTC date. */
export function today(now = Date.now()) {
  return new Date(now).toISOString().slice(0, 10);
}

function parseDate(d) {
  const [y, m, day] = d.split('-').map(Number);
  return { y, m, day };
}
function fmt(y, m, day) {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function addDays(date, n) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

export function daysInMonth(y, m) {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Anchored month arithmetic (SPEC 2.5): Jan 31 + 1 month = Feb 28/29, + 2 = Mar 31. */
export function addMonths(date, n, anchorDay = parseDate(date).day) {
  const { y, m } = parseDate(date);
  const total = y * 12 + (m - 1) + n;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  return fmt(ny, nm, Math.min(anchorDay, daysInMonth(ny, nm)));
}

/** One interval after `date` for `{unit, count}`, anchored for months. */
export function addInterval(date, interval, anchorDay) {
  switch (interval.unit) {
    case 'day': return addDays(date, interval.count);
    case 'week': return addDays(date, 7 * interval.count);
    case 'month': return addMonths(date, interval.count, anchorDay);
    default: throw new Error(`unknown unit ${interval.unit}`);
  }
}

export function dayOf(date) {
  return parseDate(date).day;
}

/** The first 31st of a month at least `minDaysAhead` days after today whose next month is February (a Jan 31). */
export function nextJan31(minDaysAhead = 3) {
  const t = today();
  let y = parseDate(t).y;
  for (;;) {
    const d = fmt(y, 1, 31);
    if (d >= addDays(t, minDaysAhead)) return d;
    y += 1;
  }
}

/**
 * A fixed-offset IANA zone in which the local hour now is `localHour`:
 * {zone, offsetHours, localHour, localDate}. `Etc/GMT-3` is UTC+3 (POSIX
 * sign), so the name's sign is the opposite of the offset.
 */
export function zoneWithLocalHour(localHour, now = Date.now()) {
  const utcHour = new Date(now).getUTCHours();
  for (let offset = -12; offset <= 14; offset++) {
    if ((((utcHour + offset) % 24) + 24) % 24 === localHour) {
      const zone = offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
      const localDate = new Date(now + offset * 3_600_000).toISOString().slice(0, 10);
      return { zone, offsetHours: offset, localHour, localDate };
    }
  }
  throw new Error('unreachable: every hour has a zone');
}

/** The UTC instant of local `date` `hh:mm` in a fixed-offset zone. */
export function localToInstant(date, hh, mm, offsetHours) {
  return instant(Date.parse(`${date}T00:00:00Z`) + (hh * 60 + mm) * 60_000 - offsetHours * 3_600_000);
}

export function hhmm(h, m = 0) {
  return `${String(((h % 24) + 24) % 24).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

export const sleep = (msToWait) => new Promise((r) => setTimeout(r, msToWait));
