/**
 * Writes a ticket's audit trail as a JSON file under EXPORT_DIR: shared by the supervisors'
 * "historial del radicado X" and `npm run export-history`. Complete or absent (written aside, renamed);
 * never overwrites an earlier export.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AuditTrail } from '../domain/history-audit';

/** The file's format name: what an offline verifier checks before trusting the fields. */
export const HISTORY_EXPORT_FORMAT = 'mesa-de-ayuda/history-export@1';

export function writeHistoryExport(trail: AuditTrail, dir: string, now: Date): { path: string; events: number } {
  const doc = {
    format: HISTORY_EXPORT_FORMAT,
    exportedAt: now.toISOString(),
    radicado: trail.radicado,
    ticketId: trail.ticketId,
    ticket: trail.ticket,
    chain: trail.chain,
    events: trail.events,
  };
  fs.mkdirSync(dir, { recursive: true });
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const base = `historial_${trail.radicado.replace(/[^A-Za-z0-9._-]/g, '_')}_${stamp}`;
  let file = path.join(dir, `${base}.json`);
  for (let i = 2; fs.existsSync(file); i++) file = path.join(dir, `${base}-${i}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, 'utf8');
  fs.renameSync(tmp, file);
  return { path: file, events: trail.events.length };
}
