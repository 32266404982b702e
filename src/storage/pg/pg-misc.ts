/** Small PostgreSQL repositories: conversation references, support queues, team members, profiles, privacy notices, inbound de-duplication. */
import type {
  ConversationRefRepository,
  InboundDedup,
  ProfileRepository,
  QueueRepository,
  SupportQueue,
  TeamMember,
  TeamMemberRepository,
  UserProfile,
} from '../../domain/ports';
import { pgTx, type PgPool, type PgQueryable } from './pg-db';
import { toQueue, type QueueRow } from '../rows';

export class PgConversationRefs implements ConversationRefRepository {
  constructor(private readonly pool: PgPool) {}
  async save(key: string, reference: unknown, at: Date) {
    // Saved on every personal message: an unchanged reference writes nothing.
    await this.pool.query(
      `INSERT INTO conversation_refs (key, reference, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET reference = excluded.reference, updated_at = excluded.updated_at
       WHERE conversation_refs.reference IS DISTINCT FROM excluded.reference`,
      [key, JSON.stringify(reference), at],
    );
  }
  async get(key: string) {
    const r = (await this.pool.query<{ reference: string }>('SELECT reference FROM conversation_refs WHERE key = $1', [key])).rows[0];
    return r ? JSON.parse(r.reference) : null;
  }
}

export class PgQueueRepository implements QueueRepository {
  constructor(private readonly pool: PgPool) {}
  async register(q: Omit<SupportQueue, 'id'>) {
    // One queue per category (and one general queue): registering again moves it to this channel.
    const r = await this.pool.query<QueueRow>(
      `INSERT INTO support_queues (tenant_id, team_id, channel_id, category_id, registered_by, created_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT ((coalesce(category_id, '*'))) DO UPDATE SET tenant_id = excluded.tenant_id, team_id = excluded.team_id,
         channel_id = excluded.channel_id, registered_by = excluded.registered_by, created_at = excluded.created_at
       RETURNING *`,
      [q.tenantId, q.teamId, q.channelId, q.categoryId, q.registeredBy],
    );
    return toQueue(r.rows[0]);
  }
  async list() {
    return (await this.pool.query<QueueRow>('SELECT * FROM support_queues ORDER BY id')).rows.map(toQueue);
  }
  async forCategory(categoryId: string) {
    const r = (
      await this.pool.query<QueueRow>(
        'SELECT * FROM support_queues WHERE category_id = $1 OR category_id IS NULL ORDER BY category_id IS NULL LIMIT 1',
        [categoryId],
      )
    ).rows[0];
    return r ? toQueue(r) : null;
  }
  async byChannel(channelId: string) {
    return (await this.pool.query<QueueRow>('SELECT * FROM support_queues WHERE channel_id = $1 ORDER BY id', [channelId])).rows.map(toQueue);
  }
}

export class PgProfileRepository implements ProfileRepository {
  constructor(private readonly pool: PgPool) {}
  async get(oid: string) {
    const r = (await this.pool.query<{ data: string; fetched_at: Date }>('SELECT data, fetched_at FROM profiles WHERE oid = $1', [oid])).rows[0];
    return r ? { profile: JSON.parse(r.data) as UserProfile, fetchedAt: new Date(r.fetched_at) } : null;
  }
  async save(profile: UserProfile, at: Date) {
    await this.pool.query(
      `INSERT INTO profiles (oid, tenant_id, data, fetched_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (oid) DO UPDATE SET tenant_id = excluded.tenant_id, data = excluded.data, fetched_at = excluded.fetched_at`,
      [profile.oid, profile.tenantId, JSON.stringify(profile), at],
    );
  }
}

/** Shared by every instance: a retry of an activity that reached another instance is still a duplicate. */
export class PgInboundDedup implements InboundDedup {
  private count = 0;
  constructor(private readonly pool: PgPool, private readonly keepMs = 24 * 3600_000) {}
  async firstSeen(conversationId: string, activityId: string, at: Date) {
    const res = await this.pool.query(
      'INSERT INTO aux.inbound_activities (conversation_id, activity_id, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [conversationId, activityId, at],
    );
    if (++this.count % 1000 === 0) {
      await this.pool.query('DELETE FROM aux.inbound_activities WHERE received_at < $1', [new Date(at.getTime() - this.keepMs)]);
    }
    return res.rowCount === 1;
  }
}

export class PgTeamMembers implements TeamMemberRepository {
  constructor(private readonly pool: PgPool) {}
  async replace(teamId: string, members: TeamMember[], at: Date) {
    await pgTx(this.pool, async (c) => {
      await c.query('DELETE FROM team_members WHERE team_id = $1', [teamId]);
      for (const m of members) await upsertMember(c, m, at);
    });
  }
  async upsert(member: TeamMember, at: Date) {
    await upsertMember(this.pool, member, at);
  }
  async list(teamId: string) {
    const rows = (
      await this.pool.query<{ team_id: string; oid: string; user_id: string; name: string }>(
        // COLLATE "C": the same byte order as SQLite's default, whatever the server's locale.
        'SELECT team_id, oid, user_id, name FROM team_members WHERE team_id = $1 ORDER BY name COLLATE "C"',
        [teamId],
      )
    ).rows;
    return rows.map((r) => ({ teamId: r.team_id, oid: r.oid, userId: r.user_id, name: r.name }));
  }
  async isMemberOfAny(oid: string, teamIds: string[]) {
    if (!teamIds.length) return false;
    const r = await this.pool.query('SELECT 1 FROM team_members WHERE oid = $1 AND team_id = ANY($2::text[]) LIMIT 1', [oid, teamIds]);
    return r.rowCount === 1;
  }
}

async function upsertMember(q: PgQueryable, m: TeamMember, at: Date) {
  await q.query(
    `INSERT INTO team_members (team_id, oid, user_id, name, fetched_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (team_id, oid) DO UPDATE SET user_id = excluded.user_id, name = excluded.name, fetched_at = excluded.fetched_at`,
    [m.teamId, m.oid, m.userId, m.name, at],
  );
}
