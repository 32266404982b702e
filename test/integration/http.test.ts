/**
 * The HTTP front door under bad input: malformed or oversized bodies, things that are not activities,
 * foreign tenants and redelivered activities. None of it may reach the bot twice, or crash the process.
 */
import http from 'node:http';
import { message, startHarness, USERS, type Harness } from '../helpers/harness';
import { sqlValue } from '../helpers/engine';

const LIMIT = 2048;

/** Raw POST with full control over the body and headers (fetch would always set content-length). */
function rawPost(url: string, chunks: (string | Buffer)[], headers: Record<string, string | number> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const got: Buffer[] = [];
      res.on('data', (c: Buffer) => got.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(got).toString('utf8') }));
    });
    // The server may answer (413) and stop reading before the body is fully sent: that is fine.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

async function health(h: Harness) {
  const res = await fetch(`${h.url}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function fromTenant<T extends { channelData: object; conversation: object }>(activity: T, tenantId: string): T {
  return {
    ...activity,
    channelData: { ...activity.channelData, tenant: { id: tenantId } },
    conversation: { ...activity.conversation, tenantId },
  };
}

describe('the HTTP endpoint under bad input', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ MAX_BODY_BYTES: String(LIMIT), ALLOWED_TENANT_IDS: 'tenant-1' });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(() => h.connector.clear());

  it('answers 200 on /healthz with the database ok', async () => {
    const res = await health(h);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'ok' });
    expect(res.body.migrations).toBeGreaterThanOrEqual(1);
  });

  it('answers 400 to malformed JSON', async () => {
    const res = await rawPost(h.url, ['{"type": "message", "text": '], {});
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: 'malformed JSON' });
    const empty = await rawPost(h.url, [], {});
    expect(empty.status).toBe(400);
  });

  it('answers 413 to a body larger than MAX_BODY_BYTES that declares its content-length', async () => {
    const body = JSON.stringify({ ...message(h, USERS.employee, 'x'.repeat(LIMIT * 2)) });
    const res = await rawPost(h.url, [body], { 'content-length': Buffer.byteLength(body) });
    expect(res.status).toBe(413);
    expect(h.connector.sent).toHaveLength(0);
  });

  it('answers 413 to a chunked body that grows past MAX_BODY_BYTES', async () => {
    const body = JSON.stringify({ ...message(h, USERS.employee, 'y'.repeat(LIMIT * 3)) });
    const chunks = body.match(/[\s\S]{1,512}/g)!;
    const res = await rawPost(h.url, chunks, { 'transfer-encoding': 'chunked' });
    expect(res.status).toBe(413);
    expect(h.connector.sent).toHaveLength(0);
  });

  it('accepts a chunked body under the limit', async () => {
    const body = JSON.stringify(message(h, USERS.employee, 'ayuda'));
    expect(Buffer.byteLength(body)).toBeLessThan(LIMIT);
    const res = await rawPost(h.url, body.match(/[\s\S]{1,64}/g)!, { 'transfer-encoding': 'chunked' });
    expect(res.status).toBe(200);
    expect(h.connector.sent.length).toBeGreaterThanOrEqual(1);
  });

  it('answers 400 to JSON that is not an activity', async () => {
    for (const notAnActivity of [{ hello: 'world' }, [1, 2, 3], 'message', null, 42, { type: 'message' }, { type: '', conversation: { id: 'c' } }, { type: 'message', conversation: { id: 7 } }]) {
      const res = await h.post(notAnActivity as object);
      expect({ input: notAnActivity, status: res.status }).toEqual({ input: notAnActivity, status: 400 });
    }
    expect(h.connector.sent).toHaveLength(0);
  });

  it('answers 403 to an activity from a tenant outside ALLOWED_TENANT_IDS and sends nothing', async () => {
    const activity = fromTenant(message(h, USERS.employee, 'ayuda'), 'tenant-2');
    const res = await h.post(activity);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'tenant not allowed' });
    expect(h.connector.sent).toHaveLength(0);
    // aux.inbound_activities: SQLite's attached aux database, PostgreSQL's aux schema.
    expect(await sqlValue<number>(h.app.storage, 'SELECT count(*) AS n FROM aux.inbound_activities WHERE activity_id = ?', activity.id)).toBe(0);
  });

  it('answers 403 to an activity that carries no tenant at all when an allow-list is set', async () => {
    const activity = message(h, USERS.employee, 'ayuda') as Record<string, any>;
    const res = await h.post({ ...activity, channelData: {}, conversation: { id: activity.conversation.id, conversationType: 'personal' } });
    expect(res.status).toBe(403);
    expect(h.connector.sent).toHaveLength(0);
  });

  it('answers 200 to an activity from an allowed tenant and the bot replies', async () => {
    const res = await h.post(fromTenant(message(h, USERS.employee, 'ayuda'), 'tenant-1'));
    expect(res.status).toBe(200);
    expect(h.connector.sent.length).toBeGreaterThanOrEqual(1);
  });

  it('processes an activity redelivered with the same id in the same conversation only once', async () => {
    const activity = message(h, USERS.employee, 'ayuda');
    const first = await h.post(activity);
    const repliesAfterFirst = h.connector.sent.length;
    expect(first.status).toBe(200);
    expect(repliesAfterFirst).toBeGreaterThanOrEqual(1);
    const second = await h.post(activity);
    expect(second.status).toBe(200);
    // Replies are sent inside the turn, so once the POST has answered nothing more can arrive.
    expect(h.connector.sent.length).toBe(repliesAfterFirst);
    // The same id in another conversation is another activity.
    const elsewhere = await h.post({ ...activity, conversation: { ...activity.conversation, id: `${activity.conversation.id}-other` } });
    expect(elsewhere.status).toBe(200);
    expect(h.connector.sent.length).toBeGreaterThan(repliesAfterFirst);
  });

  it('is still alive and healthy after all of that', async () => {
    const res = await health(h);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'ok' });
    const again = await h.post(message(h, USERS.employee, 'ayuda'));
    expect(again.status).toBe(200);
  });
});
