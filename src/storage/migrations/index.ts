import type { Db } from '../db';
import { m001Initial } from './001-initial';
import { m003Hardening } from './003-hardening';
import { m002Sla } from './002-sla';
import { m004Beyond } from './004-beyond';
import { m005Attachments } from './005-attachments';
import { m006Polish } from './006-polish';
import { m008QueueMoves } from './008-queue-moves';
import { m007HistoryEvidence } from './007-history-evidence';

export interface Migration {
  name: string;
  up(db: Db): void;
}

/** Static, ordered index of migrations. Never edit an applied migration: add a new one. */
export const migrations: Migration[] = [m001Initial, m002Sla, m003Hardening, m004Beyond, m005Attachments, m006Polish, m007HistoryEvidence, m008QueueMoves];
