/**
 * The queue view of a large backlog, through the real server on this run's engine: with more open
 * tickets than it counts (OPEN_COUNT_CAP), "cola" still shows the oldest ones first and says "more
 * than 1.000" instead of counting the whole backlog; at the cap exactly, it gives the number.
 */
import { OPEN_COUNT_CAP } from '../../src/domain/ports';
import { channelAnswer, registerQueue } from '../helpers/desk';
import { sql, sqlValue } from '../helpers/engine';
import { startHarness, TENANT, USERS, type Harness } from '../helpers/harness';

/** Open tickets filed straight into the table (their history is not what this test is about). */
async function seedOpen(h: Harness, from: number, to: number) {
  await sql(
    h.app.storage,
    `WITH RECURSIVE n(i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < CAST(? AS INTEGER))
     INSERT INTO tickets (radicado, submission_key, tenant_id, requester_oid, requester_name, locale, contact_channel, category_id,
       route_category_id, service_id, template_id, field_values, description, priority, status, created_at, updated_at)
     SELECT 'MDA-2026-' || (900000 + i), 'seed-' || i, ?, ?, ?, 'es', 'teams', 'mesa-servicio-primer-nivel', 'mesa-servicio-primer-nivel', 'acceso-remoto', 'falla-conexion-vpn', '{}',
       'Caso de carga ' || i, 'medium', 'new', ?, ?
     FROM n`,
    from,
    to,
    TENANT,
    USERS.employee.oid,
    USERS.employee.name,
    '2026-11-20T13:00:00.000Z',
    '2026-11-20T13:00:00.000Z',
  );
}

describe('the queue view of a large backlog', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await registerQueue(h);
  });
  afterAll(() => h.close());

  it('gives the number up to the cap, then "more than" it, still oldest first', async () => {
    await seedOpen(h, 1, OPEN_COUNT_CAP);
    expect(await sqlValue(h.app.storage, `SELECT count(*) FROM tickets WHERE status = 'new'`)).toBe(OPEN_COUNT_CAP);
    const atCap = await channelAnswer(h, USERS.agent, 'cola');
    expect(atCap).toContain(`Cola de casos abiertos (${OPEN_COUNT_CAP})`);

    await seedOpen(h, OPEN_COUNT_CAP + 1, OPEN_COUNT_CAP + 5);
    const over = await channelAnswer(h, USERS.agent, 'cola');
    expect(over).toContain('Cola de casos abiertos (más de 1.000)');
    expect(over).toContain('MDA-2026-900001');
    expect(over).not.toContain(`MDA-2026-${900000 + OPEN_COUNT_CAP + 5}`);

    expect(await channelAnswer(h, USERS.agent, 'queue', 'en-US')).toContain('Open tickets queue (more than 1,000)');
  });
});
