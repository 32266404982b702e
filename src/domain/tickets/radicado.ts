/** Radicado: `{PREFIX}-{YYYY}-{NNNNNN}`, per-year counter, six digits zero-padded. */
export function formatRadicado(prefix: string, year: number, seq: number): string {
  return `${prefix}-${year}-${String(seq).padStart(6, '0')}`;
}

export function parseRadicado(radicado: string): { prefix: string; year: number; seq: number } | null {
  const m = /^([A-Z]{2,8})-(\d{4})-(\d{6,})$/.exec(radicado);
  if (!m) return null;
  return { prefix: m[1], year: Number(m[2]), seq: Number(m[3]) };
}

/** The civil year in Bogotá (UTC−5, no daylight saving): a ticket filed on 31 Dec 21:00 is of that year. */
export function bogotaYear(at: Date): number {
  return new Date(at.getTime() - 5 * 3600_000).getUTCFullYear();
}
