/** Civil dates in Bogotá (UTC−5 all year: Colombia has no daylight saving time). */
const BOGOTA_OFFSET_MS = 5 * 3600_000;

/** The calendar date in Bogotá as YYYY-MM-DD, the format Input.Date uses. */
export function bogotaDate(at: Date): string {
  return new Date(at.getTime() - BOGOTA_OFFSET_MS).toISOString().slice(0, 10);
}
