/**
 * Microsoft Graph, read with the signed-in user's own token (Teams SSO): `/me` for the profile,
 * `/me/memberOf` for group ids and `/me/manager` for the approver of requests by "manager". Roles are not decided here: FileDirectory.rolesFor maps the job title
 * and groups. Uses the global fetch, so tests point GRAPH_BASE_URL at a loopback stand-in.
 */
import type { RosterProfile } from './identity-service';

export class GraphError extends Error {
  override readonly name = 'GraphError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface GraphProfile extends RosterProfile {
  officeLocation?: string;
}

const ME_FIELDS = 'displayName,mail,userPrincipalName,jobTitle,department,officeLocation,mobilePhone,businessPhones';
/** Enough pages for any realistic membership, and a bound against a misbehaving server. */
const MAX_GROUP_PAGES = 20;
const TIMEOUT_MS = 10_000;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

async function getJson(url: string, token: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

/**
 * The user's profile, group ids and manager. Throws GraphError when `/me` fails; a failing
 * `/me/memberOf` (e.g. GroupMember.Read.All not consented) only leaves `groups` undefined, so roles
 * still come from the job title and the directory file; a failing `/me/manager` leaves the manager
 * undefined.
 */
export async function fetchGraphProfile(token: string, baseUrl = 'https://graph.microsoft.com/v1.0'): Promise<GraphProfile> {
  const base = baseUrl.replace(/\/+$/, '');
  const me = await getJson(`${base}/me?$select=${ME_FIELDS}`, token);
  if (me.status !== 200 || !me.body || typeof me.body !== 'object') {
    throw new GraphError(`Graph /me answered ${me.status}`, me.status);
  }
  const u = me.body as Record<string, unknown>;
  const businessPhones = Array.isArray(u.businessPhones) ? u.businessPhones.map(str).filter(Boolean) : [];
  const profile: GraphProfile = {
    name: str(u.displayName),
    email: str(u.mail) ?? str(u.userPrincipalName),
    upn: str(u.userPrincipalName),
    jobTitle: str(u.jobTitle),
    department: str(u.department),
    officeLocation: str(u.officeLocation),
    phone: str(u.mobilePhone) ?? businessPhones[0],
  };
  profile.groups = await fetchGroupIds(base, token);
  const manager = await fetchManager(base, token);
  if (manager) {
    profile.managerOid = manager.oid;
    profile.managerName = manager.name;
  }
  return profile;
}

/**
 * The user's manager. Nobody set (404), no permission, or any failure: undefined, so the profile
 * still loads and approvals by "manager" fall back to the directory file's `manager`.
 */
async function fetchManager(base: string, token: string): Promise<{ oid: string; name?: string } | undefined> {
  const res = await getJson(`${base}/me/manager?$select=id,displayName`, token).catch(() => null);
  if (!res || res.status !== 200 || !res.body || typeof res.body !== 'object') return undefined;
  const oid = str(res.body.id);
  return oid ? { oid, name: str(res.body.displayName) } : undefined;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

async function fetchGroupIds(base: string, token: string): Promise<string[] | undefined> {
  const ids: string[] = [];
  let url: string | undefined = `${base}/me/memberOf?$select=id&$top=999`;
  for (let page = 0; url && page < MAX_GROUP_PAGES; page++) {
    const res = await getJson(url, token).catch(() => null);
    if (!res || res.status !== 200 || !Array.isArray(res.body?.value)) return page === 0 ? undefined : ids;
    for (const item of res.body.value as { id?: unknown; '@odata.type'?: unknown }[]) {
      // memberOf also lists directory roles and administrative units; only groups map to roles.
      const type = item['@odata.type'];
      if (typeof item.id === 'string' && (type === undefined || type === '#microsoft.graph.group')) ids.push(item.id);
    }
    // Follow paging only on Graph's own origin: the user's token must never go anywhere else.
    const next = str(res.body['@odata.nextLink']);
    url = next && sameOrigin(next, base) ? next : undefined;
  }
  return ids;
}
