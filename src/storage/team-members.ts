/** Members of the support teams (from the Teams roster), on either engine. */
import type { TeamMember, TeamMemberRepository } from '../domain/ports';
import { placeholders, type EngineName, type Sql } from './sql';

/** Names sort by their bytes on both engines: SQLite's default; COLLATE "C" whatever PostgreSQL's locale. */
const BYTE_ORDER: Record<EngineName, string> = { sqlite: '', postgres: ' COLLATE "C"' };

export class SqlTeamMembers implements TeamMemberRepository {
  constructor(private readonly q: Sql) {}

  async replace(teamId: string, members: TeamMember[], at: Date) {
    await this.q.tx(async (t) => {
      await t.run('DELETE FROM team_members WHERE team_id = ?', [teamId]);
      for (const m of members) await upsertMember(t, m, at);
    });
  }

  async upsert(member: TeamMember, at: Date) {
    await upsertMember(this.q, member, at);
  }

  async list(teamId: string) {
    const rows = await this.q.all<{ team_id: string; oid: string; user_id: string; name: string }>(
      `SELECT team_id, oid, user_id, name FROM team_members WHERE team_id = ? ORDER BY name${BYTE_ORDER[this.q.engine]}`,
      [teamId],
    );
    return rows.map((r) => ({ teamId: r.team_id, oid: r.oid, userId: r.user_id, name: r.name }));
  }

  async isMemberOfAny(oid: string, teamIds: string[]) {
    if (!teamIds.length) return false;
    return !!(await this.q.one(`SELECT 1 AS hit FROM team_members WHERE oid = ? AND team_id IN (${placeholders(teamIds)}) LIMIT 1`, [oid, ...teamIds]));
  }
}

async function upsertMember(q: Sql, m: TeamMember, at: Date) {
  await q.run(
    `INSERT INTO team_members (team_id, oid, user_id, name, fetched_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (team_id, oid) DO UPDATE SET user_id = excluded.user_id, name = excluded.name, fetched_at = excluded.fetched_at`,
    [m.teamId, m.oid, m.userId, m.name, at],
  );
}
