import type { PgClient } from '../pg-db';
import { pg001Initial } from './001-initial';
import { pg002Sla } from './002-sla';
import { pg003Hardening } from './003-hardening';
import { pg004Beyond } from './004-beyond';
import { pg005Attachments } from './005-attachments';
import { pg006Polish } from './006-polish';
import { pg007HistoryEvidence } from './007-history-evidence';
import { pg008QueueMoves } from './008-queue-moves';

export interface PgMigration {
  /** Same name as the SQLite migration it mirrors. */
  name: string;
  up(c: PgClient): Promise<void>;
}

/** Static, ordered index of PostgreSQL migrations; each mirrors src/storage/migrations/NNN-*.ts. */
export const pgMigrations: PgMigration[] = [pg001Initial, pg002Sla, pg003Hardening, pg004Beyond, pg005Attachments, pg006Polish, pg007HistoryEvidence, pg008QueueMoves];
