import fc from 'fast-check';
import { cardAction, message, startHarness, TENANT, USERS, type Harness } from '../helpers/harness';
import { sqlValue } from '../helpers/engine';

/**
 * A generated corpus of malformed, oversized, mistyped and hostile activities and card payloads:
 * the server never answers 5xx, never dies, and never stores a partial ticket.
 */
describe('hostile input', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ TICKETS_PER_HOUR: '10000', LOOKUPS_PER_MINUTE: '10000' });
  });
  afterAll(async () => {
    await h.close();
  });

  const verbs = fc.constantFrom(
    'ticket.submit', 'catalog.form', 'catalog.services', 'catalog.templates', 'catalog.all', 'ticket.status', 'ticket.reply',
    'ticket.cancel', 'ticket.reopen', 'ticket.confirm', 'queue.take', 'queue.resolve', 'queue.reply', 'queue.start', 'tickets.mine',
    'no.such.verb', '__proto__', 'constructor', '',
  );
  const hostileString = fc.oneof(
    fc.string({ maxLength: 50 }),
    fc.constantFrom('<at>x</at>', '[link](http://evil.example)', '${t.btnSave}', '{"$when":"${true}"}', '\u0000\u202e', 'solicitud-acceso-remoto', 'crear-cuenta-funcionario', '-1', '1e309', 'MDA-2026-000001'),
    fc.string({ minLength: 5000, maxLength: 20000 }),
  );
  const anyValue = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 3 }));
  const data = fc.dictionary(
    fc.constantFrom('templateId', 'submissionKey', 'ticketId', 'categoryId', 'serviceId', 'description', 'phone', 'contactChannel', 'message', 'page', 'accessType', 'startDate', 'roles', '__proto__', 'backVerb', 'backData'),
    anyValue,
  );

  function deep(n: number): unknown {
    let v: unknown = 'x';
    for (let i = 0; i < n; i++) v = { a: v };
    return v;
  }

  const activity = fc.oneof(
    // Card actions with hostile data.
    fc.tuple(verbs, data, fc.constantFrom(...Object.values(USERS))).map(([verb, d, u]) => cardAction(h, u, verb, d)),
    // Messages with hostile text.
    fc.tuple(hostileString, fc.constantFrom(...Object.values(USERS))).map(([text, u]) => message(h, u, text)),
    // Structurally broken activities.
    fc.tuple(fc.constantFrom(...Object.values(USERS)), anyValue, anyValue).map(([u, a, b]) => ({ ...message(h, u, 'hola'), from: a, conversation: { id: 'x', conversationType: b } })),
    fc.tuple(fc.constantFrom(...Object.values(USERS)), anyValue).map(([u, v]) => ({ ...cardAction(h, u, 'ticket.submit'), value: v })),
    fc.tuple(fc.constantFrom(...Object.values(USERS)), fc.constantFrom('invoke', 'event', 'messageReaction', 'typing', 'unknownType', 'installationUpdate', 'conversationUpdate')).map(([u, type]) => ({ ...message(h, u, 'x'), type, name: 'adaptiveCard/action' })),
    fc.tuple(fc.constantFrom(...Object.values(USERS)), fc.constantFrom('groupChat', 'channel', 'weird', '')).map(([u, ct]) => ({ ...message(h, u, 'mis casos'), conversation: { id: `c-${ct}`, conversationType: ct, tenantId: TENANT } })),
    fc.constantFrom(...Object.values(USERS)).map((u) => ({ ...message(h, u, 'ayuda'), value: deep(200) })),
    fc.constant({ type: 123, conversation: 'nope' }),
    fc.constant([]),
    fc.constant('a string'),
  );

  it('never answers 5xx, never stores a partial ticket, and stays up across 1,000 generated activities', async () => {
    const statuses: number[] = [];
    await fc.assert(
      fc.asyncProperty(activity, async (a) => {
        const res = await h.post(a as object);
        statuses.push(res.status);
        return res.status < 500;
      }),
      { numRuns: 1000 },
    );
    expect(statuses).toHaveLength(1000);
    // Any ticket that exists is whole: radicado, requester, template, description, history.
    const partial = await sqlValue<number>(
      h.app.storage,
      `SELECT count(*) AS n FROM tickets t WHERE radicado IS NULL OR description = '' OR template_id = ''
         OR NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'created')`,
    );
    expect(partial).toBe(0);
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
