/**
 * The storage engine behind the domain's ports, chosen by configuration: SQLite (embedded, one
 * instance; the default) or PostgreSQL when DATABASE_URL is set (several instances sharing one
 * database). The rest of the app sees only the repositories, a health probe and close().
 */
import type {
  ConversationRefRepository,
  InboundDedup,
  OutboxRepository,
  ProfileRepository,
  QueueRepository,
  RequesterCardRepository,
  SlaRepository,
  StaffDirectory,
  TeamMemberRepository,
  TicketRepository,
} from '../domain/ports';
import type { SurveyRepository } from '../domain/survey';
import type { AttachmentRepository, BlobStore } from '../domain/attachments';
import { SqliteAttachmentRepository } from './sqlite-attachments';
import { FileBlobStore } from './file-blob-store';
import { PgAttachmentRepository, PgBlobStore } from './pg/pg-attachments';
import type { LegacyImportRepository } from '../domain/legacy-import';
import { SqliteLegacyImport } from './sqlite-legacy-import';
import { PgLegacyImport } from './pg/pg-legacy-import';
import type { ReportDataSource } from '../domain/reports/metrics';
import { SqliteReportData, SqliteSlaRepository, SqliteStaffDirectory, SqliteSurveyRepository } from './sqlite-sla';
import { SqliteRequesterCards } from './sqlite-requester-cards';
import { PgReportData, PgRequesterCards, PgSlaRepository, PgStaffDirectory, PgSurveyRepository } from './pg/pg-sla';
import { migrate, openDb, type Db } from './db';
import { SqliteBotStorage } from './sqlite-bot-storage';
import { SqliteConversationRefs, SqliteInboundDedup, SqliteProfileRepository, SqliteQueueRepository, SqliteTeamMembers } from './sqlite-misc';
import { SqliteOutboxRepository } from './sqlite-outbox';
import { SqliteTicketRepository, type HistoryBreak } from './sqlite-tickets';
import { SqlitePrivacyNotices } from '../teams/privacy';
import { migratePg, openPgPool, type PgPool } from './pg/pg-db';
import { PgTicketRepository } from './pg/pg-tickets';
import { PgOutboxRepository } from './pg/pg-outbox';
import { PgConversationRefs, PgInboundDedup, PgPrivacyNotices, PgProfileRepository, PgQueueRepository, PgTeamMembers } from './pg/pg-misc';
import { PgBotStorage } from './pg/pg-bot-storage';

export type { HistoryBreak } from './sqlite-tickets';

/** botbuilder's Storage contract, structurally (storage/ does not import botbuilder). */
export interface BotStateStorage {
  read(keys: string[]): Promise<Record<string, any>>;
  write(changes: Record<string, any>): Promise<void>;
  delete(keys: string[]): Promise<void>;
}

export interface AuditableTicketRepository extends TicketRepository {
  /** Checks every ticket's hash chain; returns the events where it breaks. */
  verifyHistory(): Promise<HistoryBreak[]>;
}

interface StorageBase {
  tickets: AuditableTicketRepository;
  outbox: OutboxRepository;
  queues: QueueRepository;
  members: TeamMemberRepository;
  refs: ConversationRefRepository;
  profiles: ProfileRepository;
  dedup: InboundDedup;
  privacy: { markShown(oid: string, at: Date): Promise<boolean> };
  botState: BotStateStorage;
  sla: SlaRepository;
  surveys: SurveyRepository;
  reports: ReportDataSource;
  requesterCards: RequesterCardRepository;
  attachments: AttachmentRepository;
  /** Where attachment bytes live: files in `dir` (SQLite, one instance) or the shared database (PostgreSQL). */
  blobs(dir: string): BlobStore;
  /** Supervisors (directory file + cached profiles) and who can be written to 1:1. */
  staff(fromDirectory: () => { oid?: string; name?: string }[]): StaffDirectory;
  /** Applies pending migrations (PostgreSQL; SQLite migrates when opened). */
  ready(): Promise<void>;
  /** Health probe: throws when the database cannot be reached. */
  health(): Promise<{ engine: Storage['engine']; migrations: number }>;
  close(): Promise<void>;
}

export interface SqliteStorage extends StorageBase {
  engine: 'sqlite';
  db: Db;
}

export interface PgStorage extends StorageBase {
  engine: 'postgres';
  pool: PgPool;
}

export type Storage = SqliteStorage | PgStorage;

export interface StorageConfig {
  dbPath: string;
  databaseUrl?: string;
  databasePoolSize?: number;
}

export interface StorageOptions {
  /** Minimum spacing between outbox deliveries of one pace key, across instances. */
  outboxPaceGapMs?: number;
}

/** Opens the configured engine. SQLite is migrated here; PostgreSQL in ready() (it is asynchronous). */
export function openStorage(cfg: StorageConfig, opts: StorageOptions = {}): Storage {
  if (cfg.databaseUrl) return openPgStorage(cfg.databaseUrl, cfg.databasePoolSize ?? 10, opts);
  const db = openDb(cfg.dbPath);
  migrate(db);
  const tickets = new SqliteTicketRepository(db);
  return {
    engine: 'sqlite',
    db,
    tickets,
    outbox: new SqliteOutboxRepository(db),
    queues: new SqliteQueueRepository(db),
    members: new SqliteTeamMembers(db),
    refs: new SqliteConversationRefs(db),
    profiles: new SqliteProfileRepository(db),
    dedup: new SqliteInboundDedup(db),
    privacy: new SqlitePrivacyNotices(db),
    botState: new SqliteBotStorage(db),
    sla: new SqliteSlaRepository(db, tickets),
    surveys: new SqliteSurveyRepository(db, tickets),
    reports: new SqliteReportData(db),
    requesterCards: new SqliteRequesterCards(db),
    attachments: new SqliteAttachmentRepository(db),
    blobs: (dir) => new FileBlobStore(dir),
    staff: (fromDirectory) => new SqliteStaffDirectory(db, fromDirectory),
    async ready() {},
    async health() {
      const row = db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number };
      return { engine: 'sqlite', migrations: row.n };
    },
    async close() {
      db.close();
    },
  };
}

function openPgStorage(url: string, poolSize: number, opts: StorageOptions): PgStorage {
  const pool = openPgPool(url, { max: poolSize });
  let migrated: Promise<unknown> | null = null;
  return {
    engine: 'postgres',
    pool,
    tickets: new PgTicketRepository(pool),
    outbox: new PgOutboxRepository(pool, { paceGapMs: opts.outboxPaceGapMs }),
    queues: new PgQueueRepository(pool),
    members: new PgTeamMembers(pool),
    refs: new PgConversationRefs(pool),
    profiles: new PgProfileRepository(pool),
    dedup: new PgInboundDedup(pool),
    privacy: new PgPrivacyNotices(pool),
    botState: new PgBotStorage(pool),
    sla: new PgSlaRepository(pool),
    surveys: new PgSurveyRepository(pool),
    reports: new PgReportData(pool),
    requesterCards: new PgRequesterCards(pool),
    attachments: new PgAttachmentRepository(pool),
    blobs: () => new PgBlobStore(pool),
    staff: (fromDirectory) => new PgStaffDirectory(pool, fromDirectory),
    async ready() {
      migrated ??= migratePg(pool);
      await migrated;
    },
    async health() {
      const row = (await pool.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations')).rows[0];
      return { engine: 'postgres', migrations: row.n };
    },
    async close() {
      await pool.end();
    },
  };
}

/**
 * The legacy-case importer on this storage. With `dryRun` everything happens in one transaction that
 * finish() rolls back; otherwise each batch commits by itself.
 */
export async function openLegacyImport(storage: Storage, dryRun: boolean): Promise<{ repo: LegacyImportRepository; finish(): Promise<void> }> {
  if (storage.engine === 'postgres') {
    const repo = await PgLegacyImport.open(storage.pool, dryRun);
    return { repo, finish: () => repo.close() };
  }
  const db = storage.db;
  if (dryRun) db.exec('BEGIN IMMEDIATE');
  return {
    repo: new SqliteLegacyImport(db),
    async finish() {
      if (dryRun) db.exec('ROLLBACK');
    },
  };
}
