import type { PgClient } from '../pg-db';
import { pg001Initial } from './001-initial';

export interface PgMigration {
  /** Same name as the SQLite migration it mirrors. */
  name: string;
  up(c: PgClient): Promise<void>;
}

/** Static, ordered index of PostgreSQL migrations; each mirrors src/storage/migrations/NNN-*.ts. */
export const pgMigrations: PgMigration[] = [pg001Initial];
