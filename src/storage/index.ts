/**
 * The storage engine behind the domain's ports, chosen by configuration: SQLite (embedded, one
 * instance; the default) or PostgreSQL when DATABASE_URL is set (several instances sharing one
 * database). The rest of the app sees only the repositories, a health probe and close().
 */
import type {
  ConversationRefRepository,
  PrivacyNotices,
  WelcomeLog,
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
import { SqlAttachmentRepository } from './attachments';
import { FileBlobStore } from './blob-stores/file-blob-store';
import { PgBlobStore } from './blob-stores/pg-blob-store';
import type { LegacyImportRepository } from '../domain/legacy-import';
import { SqlLegacyImport } from './legacy-import';
import type { ReportDataSource } from '../domain/reports/metrics';
import { SqlSlaRepository } from './sla';
import { SqlSurveyRepository } from './surveys';
import { SqlReportData } from './reports';
import { SqlStaffDirectory } from './staff';
import { SqlRequesterCards } from './requester-cards';
import { migrate, openDb, openReadConnection, openScratchCopy, probeDatabase, type DatabaseState, type Db } from './db';
import { SqlBotState } from './bot-state';
import { SqlConversationRefs } from './conversation-refs';
import { SqlInboundDedup } from './inbound-dedup';
import { SqlOutbox } from './outbox';
import { SqlPrivacyNotices, SqlWelcomeLog } from './privacy';
import { SqlProfiles } from './profiles';
import { SqlQueues } from './queues';
import { SqlTeamMembers } from './team-members';
import { SqlTicketRepository } from './tickets';
import { SqlApprovalRepository } from './approvals';
import { SqlKnowledgeRepository } from './knowledge';
import { SqlIncidentRepository } from './incidents';
import type { IncidentRepository } from '../domain/incidents/model';
import type { KnowledgeRepository } from '../domain/knowledge/model';
import type { ApprovalRepository } from '../domain/approvals/model';
import { verifyHistory } from './history-check';
import type { HistoryBreak, HistoryReport } from './history-hash';
import type { PersonalDataRepository } from '../domain/personal-data';
import { SqlPersonalData } from './personal-data';
import { migratePg, migratePgWithin, openPgPool, probePg, type PgPool } from './pg/pg-db';
import type { HistoryAudit } from '../domain/history-audit';
import { SqlHistoryAudit } from './history-audit';
import type { Sql } from './sql';
import { SqliteSql } from './engines/sqlite';
import { PgSql } from './engines/postgres';

export type { HistoryBreak, HistoryReport } from './history-hash';

/** What /healthz reports about the database. */
export interface DatabaseProbe {
  state: DatabaseState;
  code?: string;
  error?: string;
  migrations?: number;
}

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
  /** The SQL port the repositories are written against (one engine behind it). */
  sql: Sql;
  tickets: AuditableTicketRepository;
  outbox: OutboxRepository;
  queues: QueueRepository;
  members: TeamMemberRepository;
  refs: ConversationRefRepository;
  profiles: ProfileRepository;
  dedup: InboundDedup;
  privacy: PrivacyNotices;
  welcomes: WelcomeLog;
  /** Export, anonymisation and phone retention (Ley 1581 de 2012). */
  personalData: PersonalDataRepository;
  botState: BotStateStorage;
  sla: SlaRepository;
  surveys: SurveyRepository;
  reports: ReportDataSource;
  requesterCards: RequesterCardRepository;
  approvals: ApprovalRepository;
  /** Knowledge-base articles (every version) and what people did with them. */
  knowledge: KnowledgeRepository;
  /** Major incidents: masters, their updates, the tickets linked to them. */
  incidents: IncidentRepository;
  attachments: AttachmentRepository;
  /** Where attachment bytes live: files in `dir` (SQLite, one instance) or the shared database (PostgreSQL). */
  blobs(dir: string): BlobStore;
  /** Supervisors (directory file + cached profiles) and who can be written to 1:1. */
  staff(fromDirectory: () => { oid?: string; name?: string }[]): StaffDirectory;
  /** Applies pending migrations (PostgreSQL; SQLite migrates when opened). */
  ready(): Promise<void>;
  /** Health probe: throws when the database cannot be reached. */
  health(): Promise<{ engine: Storage['engine']; migrations: number }>;
  /** A real probe for /healthz (never throws): can the database be read and written right now? */
  probe(lockWaitMs: number): Promise<DatabaseProbe>;
  /** Checks every ticket's history, with counts (verify-history). */
  verifyHistory(): Promise<HistoryReport>;
  /** One ticket's audit trail, for the per-radicado export. */
  history: HistoryAudit;
  close(): Promise<void>;
}

export interface SqliteStorage extends StorageBase {
  engine: 'sqlite';
  db: Db;
  sql: SqliteSql;
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
  /** SQLite: how long a write waits for a lock held elsewhere before failing (DB_BUSY_TIMEOUT_MS). */
  dbBusyTimeoutMs?: number;
}

export interface StorageOptions {
  /** Minimum spacing between outbox deliveries of one pace key, across instances. */
  outboxPaceGapMs?: number;
  /** How long an outbox claim lasts unless renewed (default DEFAULT_OUTBOX_LEASE_MS, 20 s). */
  outboxLeaseMs?: number;
}

/** The repositories written once over the SQL port: the same classes and arguments on both engines. */
function sharedRepositories(sql: Sql, opts: StorageOptions) {
  const tickets = new SqlTicketRepository(sql);
  return {
    tickets,
    approvals: new SqlApprovalRepository(sql, tickets),
    knowledge: new SqlKnowledgeRepository(sql),
    incidents: new SqlIncidentRepository(sql, tickets),
    outbox: new SqlOutbox(sql, { paceGapMs: opts.outboxPaceGapMs, leaseMs: opts.outboxLeaseMs }),
    queues: new SqlQueues(sql),
    members: new SqlTeamMembers(sql),
    refs: new SqlConversationRefs(sql),
    profiles: new SqlProfiles(sql),
    dedup: new SqlInboundDedup(sql),
    privacy: new SqlPrivacyNotices(sql),
    welcomes: new SqlWelcomeLog(sql),
    botState: new SqlBotState(sql),
    personalData: new SqlPersonalData(sql),
    sla: new SqlSlaRepository(sql),
    surveys: new SqlSurveyRepository(sql),
    reports: new SqlReportData(sql),
    requesterCards: new SqlRequesterCards(sql),
    attachments: new SqlAttachmentRepository(sql),
    history: new SqlHistoryAudit(sql),
    staff: (fromDirectory: () => { oid?: string; name?: string }[]) => new SqlStaffDirectory(sql, fromDirectory),
  };
}

/** Opens the configured engine. SQLite is migrated here; PostgreSQL in ready() (it is asynchronous). */
export function openStorage(cfg: StorageConfig, opts: StorageOptions = {}): Storage {
  if (cfg.databaseUrl) return openPgStorage(cfg.databaseUrl, cfg.databasePoolSize ?? 10, opts);
  const db = openDb(cfg.dbPath, cfg.dbBusyTimeoutMs !== undefined ? { busyTimeoutMs: cfg.dbBusyTimeoutMs } : {});
  migrate(db);
  // Opened after the migrations, so it prepares its statements against the final schema.
  const reader = openReadConnection(cfg.dbPath, cfg.dbBusyTimeoutMs !== undefined ? { busyTimeoutMs: cfg.dbBusyTimeoutMs } : {});
  const sql = new SqliteSql(db, reader);
  const repositories = sharedRepositories(sql, opts);
  return {
    engine: 'sqlite',
    db,
    sql,
    ...repositories,
    blobs: (dir) => new FileBlobStore(dir),
    async ready() {},
    async health() {
      const row = db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number };
      return { engine: 'sqlite', migrations: row.n };
    },
    async probe(lockWaitMs) {
      return sql.exclusive(() => probeDatabase(db, lockWaitMs));
    },
    async verifyHistory() {
      return verifyHistory(sql);
    },
    async close() {
      await repositories.dedup.flush();
      sql.settle();
      reader?.close();
      db.close();
    },
  };
}

function openPgStorage(url: string, poolSize: number, opts: StorageOptions): PgStorage {
  const pool = openPgPool(url, { max: poolSize });
  const sql = new PgSql(pool);
  const repositories = sharedRepositories(sql, opts);
  let migrated: Promise<unknown> | null = null;
  return {
    engine: 'postgres',
    pool,
    sql,
    ...repositories,
    blobs: () => new PgBlobStore(sql),
    async ready() {
      migrated ??= migratePg(pool);
      await migrated;
    },
    async health() {
      const row = (await pool.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations')).rows[0];
      return { engine: 'postgres', migrations: row.n };
    },
    async probe(lockWaitMs) {
      return probePg(pool, lockWaitMs);
    },
    async verifyHistory() {
      return verifyHistory(sql);
    },
    async close() {
      await repositories.dedup.flush();
      await pool.end();
    },
  };
}

/**
 * The legacy-case importer on the configured database. Without `dryRun` the database is migrated and
 * each batch commits by itself. A dry run changes nothing, not even the schema: on SQLite it works on
 * an in-memory copy of the file (an empty database when there is none), on PostgreSQL in one session
 * transaction (pending migrations inside it) that finish() rolls back.
 */
export async function openLegacyImport(cfg: StorageConfig, dryRun: boolean): Promise<{ repo: LegacyImportRepository; finish(): Promise<void> }> {
  if (cfg.databaseUrl) {
    // One connection: the import runs its batches one after the other.
    const pool = openPgPool(cfg.databaseUrl, { max: 1 });
    try {
      if (!dryRun) {
        await migratePg(pool);
        return { repo: new SqlLegacyImport(new PgSql(pool)), finish: () => pool.end() };
      }
      const session = await new PgSql(pool).session();
      try {
        await migratePgWithin(session.client);
      } catch (err) {
        await session.rollback().catch(() => undefined);
        throw err;
      }
      return {
        repo: new SqlLegacyImport(session.sql),
        async finish() {
          try {
            await session.rollback();
          } finally {
            await pool.end();
          }
        },
      };
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }
  const busy = cfg.dbBusyTimeoutMs !== undefined ? { busyTimeoutMs: cfg.dbBusyTimeoutMs } : {};
  const db = dryRun ? openScratchCopy(cfg.dbPath, busy) : openDb(cfg.dbPath, busy);
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return {
    repo: new SqlLegacyImport(new SqliteSql(db)),
    async finish() {
      db.close();
    },
  };
}
