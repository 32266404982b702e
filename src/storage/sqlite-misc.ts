/** Small SQLite repositories: conversation references, support queues, profiles, inbound de-duplication. */
import type { Db } from './db';
import type {
  ConversationRefRepository,
  InboundDedup,
  ProfileRepository,
  QueueRepository,
  SupportQueue,
  TeamMember,
  TeamMemberRepository,
  UserProfile,
} from '../domain/ports';
import { immediate } from './db';
import { toQueue, type QueueRow } from './rows';

export class SqliteConversationRefs implements ConversationRefRepository {
  constructor(private readonly db: Db) {}
  async save(key: string, reference: unknown, at: Date) {
    this.db
      .prepare(
        `INSERT INTO conversation_refs (key, reference, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET reference = excluded.reference, updated_at = excluded.updated_at
         WHERE conversation_refs.reference IS NOT excluded.reference`,
      )
      // Saved on every personal message: an unchanged reference writes nothing (no fsync on the turn).
      .run(key, JSON.stringify(reference), at.toISOString());
  }
  async get(key: string) {
    const r = this.db.prepare('SELECT reference FROM conversation_refs WHERE key = ?').get(key) as { reference: string } | undefined;
    return r ? JSON.parse(r.reference) : null;
  }
}

export class SqliteQueueRepository implements QueueRepository {
  constructor(private readonly db: Db) {}
  async register(q: Omit<SupportQueue, 'id'>) {
    // One queue per category (and one general queue): registering again moves it to this channel.
    const row = this.db
      .prepare(
        `INSERT INTO support_queues (tenant_id, team_id, channel_id, category_id, registered_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (ifnull(category_id, '*')) DO UPDATE SET tenant_id = excluded.tenant_id, team_id = excluded.team_id,
           channel_id = excluded.channel_id, registered_by = excluded.registered_by, created_at = excluded.created_at
         RETURNING *`,
      )
      .get(q.tenantId, q.teamId, q.channelId, q.categoryId, q.registeredBy, new Date().toISOString()) as QueueRow;
    return toQueue(row);
  }
  async list() {
    return (this.db.prepare('SELECT * FROM support_queues ORDER BY id').all() as QueueRow[]).map(toQueue);
  }
  async forCategory(categoryId: string) {
    const r = this.db
      .prepare('SELECT * FROM support_queues WHERE category_id = ? OR category_id IS NULL ORDER BY category_id IS NULL LIMIT 1')
      .get(categoryId) as QueueRow | undefined;
    return r ? toQueue(r) : null;
  }
  async byChannel(channelId: string) {
    return (this.db.prepare('SELECT * FROM support_queues WHERE channel_id = ?').all(channelId) as QueueRow[]).map(toQueue);
  }
}

export class SqliteProfileRepository implements ProfileRepository {
  constructor(private readonly db: Db) {}
  async get(oid: string) {
    const r = this.db.prepare('SELECT data, fetched_at FROM profiles WHERE oid = ?').get(oid) as
      | { data: string; fetched_at: string }
      | undefined;
    return r ? { profile: JSON.parse(r.data) as UserProfile, fetchedAt: new Date(r.fetched_at) } : null;
  }
  async save(profile: UserProfile, at: Date) {
    this.db
      .prepare(
        `INSERT INTO profiles (oid, tenant_id, data, fetched_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (oid) DO UPDATE SET tenant_id = excluded.tenant_id, data = excluded.data, fetched_at = excluded.fetched_at`,
      )
      .run(profile.oid, profile.tenantId, JSON.stringify(profile), at.toISOString());
  }
}

export class SqliteInboundDedup implements InboundDedup {
  private readonly insert;
  private readonly prune;
  private count = 0;
  constructor(private readonly db: Db, private readonly keepMs = 24 * 3600_000) {
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO aux.inbound_activities (conversation_id, activity_id, received_at) VALUES (?, ?, ?)',
    );
    this.prune = db.prepare('DELETE FROM aux.inbound_activities WHERE received_at < ?');
  }
  async firstSeen(conversationId: string, activityId: string, at: Date) {
    const res = this.insert.run(conversationId, activityId, at.toISOString());
    if (++this.count % 1000 === 0) this.prune.run(new Date(at.getTime() - this.keepMs).toISOString());
    return res.changes === 1;
  }
}

export class SqliteTeamMembers implements TeamMemberRepository {
  constructor(private readonly db: Db) {}
  async replace(teamId: string, members: TeamMember[], at: Date) {
    immediate(this.db, () => {
      this.db.prepare('DELETE FROM team_members WHERE team_id = ?').run(teamId);
      for (const m of members) this.upsertSync(m, at);
    });
  }
  async upsert(member: TeamMember, at: Date) {
    this.upsertSync(member, at);
  }
  async list(teamId: string) {
    return (
      this.db.prepare('SELECT team_id, oid, user_id, name FROM team_members WHERE team_id = ? ORDER BY name').all(teamId) as {
        team_id: string;
        oid: string;
        user_id: string;
        name: string;
      }[]
    ).map((r) => ({ teamId: r.team_id, oid: r.oid, userId: r.user_id, name: r.name }));
  }
  async isMemberOfAny(oid: string, teamIds: string[]) {
    if (!teamIds.length) return false;
    const r = this.db
      .prepare(`SELECT 1 FROM team_members WHERE oid = ? AND team_id IN (${teamIds.map(() => '?').join(',')}) LIMIT 1`)
      .get(oid, ...teamIds);
    return !!r;
  }
  private upsertSync(m: TeamMember, at: Date) {
    this.db
      .prepare(
        `INSERT INTO team_members (team_id, oid, user_id, name, fetched_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (team_id, oid) DO UPDATE SET user_id = excluded.user_id, name = excluded.name, fetched_at = excluded.fetched_at`,
      )
      .run(m.teamId, m.oid, m.userId, m.name, at.toISOString());
  }
}
