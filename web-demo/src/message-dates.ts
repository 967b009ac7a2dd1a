/**
 * Dates of messages as a reader wants them: a separator per local day ("Today", "Yesterday", the weekday within the
 * week, otherwise the date; history lasts 30 days, so most are within the year), and consecutive messages of one
 * author within a few minutes grouped under one author and time. Pure: the time zone is the runtime's, `now` and the
 * locale are parameters.
 */

/** Messages of one author closer than this are grouped. */
export const GROUP_WITHIN_MS = 5 * 60_000;

/** The local calendar day of `date` (YYYY-MM-DD), or undefined for an invalid date. */
export function dayKey(date: Date): string | undefined {
  if (Number.isNaN(date.getTime())) return undefined;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

const startOfDay = (date: Date) => new Date(date.getFullYear(), date.getMonth(), date.getDate());

/** Whole local days from `date` to `now` (0: the same day; negative: a day after now, a clock set wrong). */
function daysBefore(date: Date, now: Date): number {
  // Rounded: a day with a daylight-saving change is 23 or 25 hours long.
  return Math.round((startOfDay(now).getTime() - startOfDay(date).getTime()) / 86_400_000);
}

/** The separator's words for the day of `date`, seen on `now`. */
export function dayLabel(date: Date, now: Date = new Date(), locale?: string): string {
  const days = daysBefore(date, now);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return new Intl.DateTimeFormat(locale, { weekday: 'long' }).format(date);
  const sameYear = date.getFullYear() === now.getFullYear();
  return new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', ...(sameYear ? {} : { year: 'numeric' }) }).format(date);
}

export interface Dated {
  from: string;
  sentAt: string;
}

/** Whether `message` goes under the author and time of `previous`: same author, same day, within GROUP_WITHIN_MS. */
export function groupsWith(previous: Dated | undefined, message: Dated): boolean {
  if (previous === undefined || previous.from !== message.from) return false;
  const before = new Date(previous.sentAt);
  const at = new Date(message.sentAt);
  const gap = at.getTime() - before.getTime();
  return dayKey(before) !== undefined && dayKey(before) === dayKey(at) && gap >= 0 && gap <= GROUP_WITHIN_MS;
}
