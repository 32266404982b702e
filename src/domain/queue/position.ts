/**
 * The requester's place in the FIFO queue and an explainable wait estimate. No framework imports.
 *
 * Which tickets share a queue: a category with its own support queue is a queue by itself; every
 * other category goes to the general queue (or, with no queue registered yet, to one implicit queue).
 * Imported cases never count: they were filed in the previous service desk.
 *
 * Estimate: the median time between the last ESTIMATE_SAMPLE takes in that queue, counted in working
 * minutes of the SLA working calendar (SLA_OFFICE_HOURS in Bogotá, Colombian holidays off; see
 * sla/working-calendar; the caller passes it), times the position. With fewer
 * than ESTIMATE_MIN_INTERVALS intervals there is "no estimate".
 */
import type { SupportQueue } from '../ports';
import { DEFAULT_CALENDAR, workingMinutesBetween, type CalendarConfig } from '../sla/working-calendar';

/** The categories whose waiting tickets share one FIFO queue. */
export type QueueScope = { include: string[] } | { exclude: string[] };

/** How many recent takes feed the estimate. */
export const ESTIMATE_SAMPLE = 10;
/** Fewer intervals between takes than this: no estimate. */
export const ESTIMATE_MIN_INTERVALS = 3;
/** Proactive card updates after a queue move reach at most this many waiting tickets behind it. */
export const POSITION_UPDATE_LIMIT = 20;

export function queueScope(categoryId: string, queues: Pick<SupportQueue, 'categoryId'>[]): QueueScope {
  const dedicated = queues.map((q) => q.categoryId).filter((c): c is string => c !== null);
  if (dedicated.includes(categoryId)) return { include: [categoryId] };
  return { exclude: [...new Set(dedicated)].sort() };
}

export interface WaitEstimate {
  /** Estimated working minutes until the ticket is taken. */
  minutes: number;
  /** Median working minutes between takes. */
  intervalMinutes: number;
  /** How many takes the median came from. */
  takes: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** position × median working minutes between consecutive recent takes; null with too little data. */
export function estimateWait(position: number, takes: Date[], cal: CalendarConfig = DEFAULT_CALENDAR): WaitEstimate | null {
  const sorted = [...takes].sort((a, b) => a.getTime() - b.getTime()).slice(-ESTIMATE_SAMPLE);
  if (position < 1 || sorted.length - 1 < ESTIMATE_MIN_INTERVALS) return null;
  const intervals: number[] = [];
  for (let i = 1; i < sorted.length; i++) intervals.push(workingMinutesBetween(sorted[i - 1], sorted[i], cal));
  const m = median(intervals);
  return { minutes: Math.max(1, Math.round(position * m)), intervalMinutes: m, takes: sorted.length };
}
