/**
 * The Teams tab's API over HTTP, on both engines: Teams SSO tokens signed by a stand-in identity
 * provider (valid, expired, another audience, another tenant, a forged signature, another issuer),
 * the bot's roles and gate (an employee gets 403 on staff data; a ticket one may not see answers
 * exactly like one that does not exist), "Tomar" and "Asignar" with the cards' rules, the reply
 * relayed to the requester's chat, the SLA filter agreeing with each row, and the dashboard.
 */
import { randomUUID } from 'node:crypto';
import { startStandInIdp, signWithStrangerKey, type StandInIdp } from '../../src/tab/stand-in-idp';
import { installPersonal, startHarness, TENANT, TestClock, USERS, personalConversation, type Harness, type TestUser } from '../helpers/harness';
import { cardOf, fileTicket, queueCard, registerQueue, until, cardOrText } from '../helpers/desk';
import { findAction } from '../helpers/harness';

const TEAMS_APP = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const AUDIENCE = 'api://mesa.entidad.gov.co/botid-11111111-2222-3333-4444-555555555555';

describe('Teams tab API', () => {
  let idp: StandInIdp;
  let h: Harness;
  const clock = new TestClock('2026-12-01T14:00:00Z'); // Tuesday 9:00 in Bogotá

  beforeAll(async () => {
    idp = await startStandInIdp({ audience: AUDIENCE, tenantId: TENANT });
    h = await startHarness({ TAB_SSO_METADATA_URL: idp.metadataUrl, TAB_SSO_AUDIENCE: AUDIENCE, ALLOWED_TENANT_IDS: TENANT, TEAMS_APP_ID: TEAMS_APP }, { clock });
    await registerQueue(h);
    // The requesters have the app (the bot knows their chats, to tell them what happens).
    for (const u of [USERS.employee, USERS.secretary]) await h.post(installPersonal(h, u));
  });
  afterAll(async () => {
    await h?.close();
    await idp?.close();
  });

  const tokenOf = (u: TestUser) => idp.sign({ oid: u.oid, name: u.name, email: u.email });

  async function api(path: string, opts: { token?: string; user?: TestUser; method?: string; body?: unknown; lang?: string } = {}) {
    const token = opts.token ?? (opts.user ? await tokenOf(opts.user) : undefined);
    const res = await fetch(`${h.url}${path}`, {
      method: opts.method ?? 'GET',
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'accept-language': opts.lang ?? 'es-CO',
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* CSV or empty */
    }
    return { status: res.status, body, headers: res.headers };
  }

  describe('identity', () => {
    it('answers 401 to no token, a malformed one, an expired one, another audience, another tenant, a forged signature and another issuer', async () => {
      const u = USERS.agent;
      const bad: [string, string | undefined][] = [
        ['none', undefined],
        ['malformed', 'not-a-token'],
        ['expired', await idp.sign({ oid: u.oid, expiresIn: -600 })],
        ['audience', await idp.sign({ oid: u.oid, aud: 'api://otro.gov.co/botid-99999999-2222-3333-4444-555555555555' })],
        ['tenant', await idp.sign({ oid: u.oid, tid: 'tenant-2' })],
        ['signature', await signWithStrangerKey({ oid: u.oid, aud: AUDIENCE, tid: TENANT })],
        ['issuer', await idp.sign({ oid: u.oid, iss: 'https://login.microsoftonline.com/tenant-2/v2.0' })],
      ];
      for (const [why, token] of bad) {
        for (const path of ['/api/tab/me', '/api/tab/queue', '/api/tab/dashboard']) {
          const r = await api(path, { token });
          expect({ why, path, status: r.status, body: r.body }).toEqual({ why, path, status: 401, body: { error: 'unauthorized' } });
        }
      }
      // The same person with a good token is recognised, with the bot's roles.
      const me = await api('/api/tab/me', { user: u });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ oid: u.oid, name: 'Iván Ingeniero', staff: true, supervisor: false, locale: 'es' });
      expect(me.body.labels.statuses).toMatchObject({ new: 'Nuevo, en cola', waiting_user: 'Esperando al usuario' });
    });

    it("gives an employee 403 on every staff page and no one's data, and supervisors alone the dashboard", async () => {
      const own = await fileTicket(h, USERS.employee, 'No abre el correo en el portátil.');
      const me = await api('/api/tab/me', { user: USERS.employee });
      expect(me.body).toMatchObject({ staff: false, supervisor: false, queues: [] });
      for (const path of ['/api/tab/queue', '/api/tab/mine', `/api/tab/tickets/${own.id}`, '/api/tab/dashboard', '/api/tab/dashboard.csv']) {
        const r = await api(path, { user: USERS.employee });
        expect({ path, status: r.status }).toEqual({ path, status: 403 });
        expect(r.body.message).toBe('Esta página es para el personal de soporte.');
        expect(JSON.stringify(r.body)).not.toContain(own.radicado);
      }
      const take = await api(`/api/tab/tickets/${own.id}/take`, { user: USERS.employee, method: 'POST', body: {} });
      expect(take.status).toBe(403);
      const english = await api('/api/tab/dashboard', { user: USERS.agent, lang: 'en-US' });
      expect(english).toMatchObject({ status: 403, body: { message: 'The dashboard is for supervisors.' } });
    });

    it('answers a ticket that does not exist, a garbage id and a ticket of another tenant the same way', async () => {
      const other = await h.app.services.tickets.file({
        submissionKey: randomUUID(),
        requester: { oid: 'someone-else', tenantId: 'tenant-2', name: 'Otra Entidad' },
        locale: 'es',
        contactChannel: 'teams',
        categoryId: 'mesa-servicio-primer-nivel',
        serviceId: 'acceso-remoto',
        templateId: 'falla-conexion-vpn',
        fieldValues: {},
        description: 'De otra entidad.',
        priority: 'high',
      });
      const answers = [];
      for (const path of ['/api/tab/tickets/999999', '/api/tab/tickets/abc', '/api/tab/tickets/1e3', `/api/tab/tickets/${other.ticket.id}`, `/api/tab/tickets/${other.ticket.id}/take`]) {
        const r = await api(path, { user: USERS.supervisor, method: path.endsWith('take') ? 'POST' : 'GET', body: path.endsWith('take') ? {} : undefined });
        answers.push({ status: r.status, body: r.body });
      }
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
      expect(answers[0]).toEqual({ status: 404, body: { error: 'not_found', message: 'No encontramos ese caso.' } });
      const q = await api('/api/tab/queue', { user: USERS.supervisor });
      expect(q.body.items.map((i: any) => i.radicado)).not.toContain(other.ticket.radicado);
    });

    it('offers the mock-user sign-in only when TAB_DEV_SIGNIN is set', async () => {
      expect((await api('/api/tab/dev/users')).status).toBe(404);
      expect((await api('/api/tab/dev/token', { method: 'POST', body: { oid: USERS.supervisor.oid } })).status).toBe(404);
      const dev = await startHarness({ TAB_SSO_METADATA_URL: idp.metadataUrl, TAB_SSO_AUDIENCE: AUDIENCE, TAB_DEV_SIGNIN: 'true' });
      try {
        const users = await fetch(`${dev.url}/api/tab/dev/users`).then((r) => r.json());
        expect(users).toEqual(expect.arrayContaining([expect.objectContaining({ oid: USERS.supervisor.oid, name: 'Sofía Supervisora', roles: expect.arrayContaining(['supervisor']) })]));
        const { token } = await fetch(`${dev.url}/api/tab/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ oid: USERS.supervisor.oid }) }).then((r) => r.json() as Promise<{ token: string }>);
        const me = await fetch(`${dev.url}/api/tab/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
        expect(me).toMatchObject({ oid: USERS.supervisor.oid, supervisor: true });
        const unknown = await fetch(`${dev.url}/api/tab/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ oid: 'nobody' }) });
        expect(unknown.status).toBe(400);
      } finally {
        await dev.close();
      }
    });
  });

  describe('queue, take, assign, reply', () => {
    it('lists waiting and open tickets in arrival order, filters them, and answers 304 when nothing changed', async () => {
      const a = await fileTicket(h, USERS.employee, 'La VPN se cae cada rato en la casa.');
      clock.advance(1);
      const b = await fileTicket(h, USERS.secretary, 'FortiClient no conecta desde el hotel.');
      const q = await api('/api/tab/queue', { user: USERS.agent });
      expect(q.status).toBe(200);
      const rads = q.body.items.map((i: any) => i.radicado);
      expect(rads.indexOf(a.radicado)).toBeGreaterThanOrEqual(0);
      expect(rads.indexOf(a.radicado)).toBeLessThan(rads.indexOf(b.radicado));
      const row = q.body.items.find((i: any) => i.radicado === a.radicado);
      expect(row).toMatchObject({
        id: a.id,
        title: 'Falla de conexión a la VPN',
        service: 'Acceso remoto',
        statusLabel: 'Nuevo, en cola',
        priorityLabel: 'Alta',
        requester: 'Ana Empleada',
        assignee: null,
        canTake: true,
        canAssign: false,
        link: `#/case/${a.id}`,
        sla: { state: 'ok', label: 'En tiempo' },
      });
      expect(row.createdText).toMatch(/2026/);
      const en = await api('/api/tab/queue', { user: USERS.agent, lang: 'en-US' });
      expect(en.body.items.find((i: any) => i.radicado === a.radicado)).toMatchObject({ statusLabel: expect.stringMatching(/^New/), priorityLabel: 'High', sla: { label: 'On time' } });

      // Polling: the same version while nothing changed.
      const again = await api(`/api/tab/queue?since=${q.body.version}`, { user: USERS.agent });
      expect(again.status).toBe(304);

      const high = await api('/api/tab/queue?priority=high&status=new&assignee=none', { user: USERS.agent });
      expect(high.body.items.length).toBeGreaterThanOrEqual(2);
      expect(high.body.items.every((i: any) => i.priority === 'high' && i.status === 'new' && i.assignee === null)).toBe(true);
      const low = await api('/api/tab/queue?priority=low', { user: USERS.agent });
      expect(low.body.items.map((i: any) => i.radicado)).not.toContain(a.radicado);
      const old = await api('/api/tab/queue?age=48', { user: USERS.agent });
      expect(old.body.items.map((i: any) => i.radicado)).not.toContain(b.radicado);
      const cat = await api('/api/tab/queue?category=mesa-servicio-primer-nivel', { user: USERS.agent });
      expect(cat.body.items.map((i: any) => i.radicado)).toContain(a.radicado);

      for (const bad of ['status=closed', 'priority=urgent', 'sla=late', 'age=-1', 'category=nope', "assignee=x'or'1"]) {
        const r = await api(`/api/tab/queue?${bad}`, { user: USERS.agent });
        expect({ bad, status: r.status }).toEqual({ bad, status: 400 });
        expect(r.body.message).toMatch(/^La solicitud no es válida: el filtro /);
      }
    });

    it('takes a case as the card does: the requester is told, a second engineer is refused with who holds it', async () => {
      const t = await fileTicket(h, USERS.employee, 'No me deja entrar a la VPN con mi usuario nuevo.');
      await queueCard(h, t.radicado);
      // The channel card opens the case on the tab (a Teams deep link whose subPageId names it).
      const card = cardOf(await queueCard(h, t.radicado));
      const open = findAction(card, 'Abrir en la pestaña');
      expect(open.type).toBe('Action.OpenUrl');
      const link = new URL(open.url);
      expect(`${link.origin}${link.pathname}`).toBe(`https://teams.microsoft.com/l/entity/${TEAMS_APP}/mesa-de-ayuda`);
      expect(JSON.parse(link.searchParams.get('context')!)).toEqual({ subEntityId: `case:${t.id}` });
      const took = await api(`/api/tab/tickets/${t.id}/take`, { user: USERS.agent, method: 'POST', body: {} });
      expect(took.status).toBe(200);
      expect(took.body).toMatchObject({ ok: true, message: `Tomó el caso ${t.radicado}.`, ticket: { status: 'assigned', assignee: { name: 'Iván Ingeniero' }, canTake: false } });
      expect((await h.app.tickets.get(t.id))!.assignee?.oid).toBe(USERS.agent.oid);
      // The requester hears who attends the case, as after "Tomar" on the card.
      await until(() => h.connector.messagesTo(personalConversation(USERS.employee).id).some((r) => cardOrText(r).includes(t.radicado) && cardOrText(r).includes('Iván')), 10_000);

      const second = await api(`/api/tab/tickets/${t.id}/take`, { user: USERS.agent2, method: 'POST', body: {} });
      expect(second.status).toBe(409);
      expect(second.body.ok).toBe(false);
      expect(second.body.message).toContain('Iván Ingeniero');
      const mine = await api('/api/tab/mine', { user: USERS.agent });
      expect(mine.body.items.map((i: any) => i.radicado)).toContain(t.radicado);
      const hers = await api('/api/tab/mine', { user: USERS.agent2 });
      expect(hers.body.items.map((i: any) => i.radicado)).not.toContain(t.radicado);
      const assigned = await api('/api/tab/queue?assignee=me', { user: USERS.agent });
      expect(assigned.body.items.every((i: any) => i.assignee?.oid === USERS.agent.oid)).toBe(true);
      expect(assigned.body.items.map((i: any) => i.radicado)).toContain(t.radicado);
    });

    it('lets only a supervisor assign, and only to an engineer of the queue', async () => {
      const t = await fileTicket(h, USERS.employee, 'La VPN pide token y no llega el código.');
      const byEngineer = await api(`/api/tab/tickets/${t.id}/assign`, { user: USERS.agent, method: 'POST', body: { to: USERS.agent2.oid } });
      expect(byEngineer).toMatchObject({ status: 403, body: { message: 'Solo los supervisores asignan casos.' } });
      const page = await api(`/api/tab/tickets/${t.id}`, { user: USERS.supervisor });
      expect(page.body.assignees.map((e: any) => e.name).sort()).toEqual(['Iván Ingeniero', 'Laura Ingeniera', 'Sofía Supervisora']);
      const toStranger = await api(`/api/tab/tickets/${t.id}/assign`, { user: USERS.supervisor, method: 'POST', body: { to: USERS.stranger.oid } });
      expect(toStranger).toMatchObject({ status: 400, body: { ok: false, message: 'Elija en la lista el ingeniero al que quiere asignar el caso.' } });
      const garbage = await api(`/api/tab/tickets/${t.id}/assign`, { user: USERS.supervisor, method: 'POST', body: { to: { $ne: null } } });
      expect(garbage.status).toBe(400);
      const ok = await api(`/api/tab/tickets/${t.id}/assign`, { user: USERS.supervisor, method: 'POST', body: { to: USERS.agent2.oid } });
      expect(ok).toMatchObject({ status: 200, body: { ok: true, message: `El caso ${t.radicado} quedó asignado a Laura Ingeniera.`, ticket: { assignee: { oid: USERS.agent2.oid } } } });
      expect((await h.app.tickets.get(t.id))!.assignee?.oid).toBe(USERS.agent2.oid);
    });

    it("shows a case's fields, history and messages, and relays a reply to the requester's chat", async () => {
      const t = await fileTicket(h, USERS.employee, 'No conecta la VPN.\nDesde ayer en la tarde.');
      await api(`/api/tab/tickets/${t.id}/take`, { user: USERS.agent, method: 'POST', body: {} });
      const empty = await api(`/api/tab/tickets/${t.id}/reply`, { user: USERS.agent, method: 'POST', body: { text: '   ' } });
      expect(empty).toMatchObject({ status: 400, body: { ok: false, message: 'El mensaje está vacío.' } });
      const long = await api(`/api/tab/tickets/${t.id}/reply`, { user: USERS.agent, method: 'POST', body: { text: 'x'.repeat(4003) } });
      expect(long.status).toBe(400);
      expect(long.body.message).toMatch(/3/);
      const sent = await api(`/api/tab/tickets/${t.id}/reply`, { user: USERS.agent, method: 'POST', body: { text: '¿Puede reiniciar FortiClient y contarme qué error sale?' } });
      expect(sent).toMatchObject({ status: 200, body: { ok: true, message: 'Su mensaje se envió a Ana Empleada en su chat de Teams.' } });
      await until(() => h.connector.messagesTo(personalConversation(USERS.employee).id).some((r) => cardOrText(r).includes('reiniciar FortiClient')), 10_000);

      const page = await api(`/api/tab/tickets/${t.id}`, { user: USERS.agent });
      expect(page.status).toBe(200);
      expect(page.body.ticket).toMatchObject({ radicado: t.radicado, description: 'No conecta la VPN.\nDesde ayer en la tarde.', requester: { name: 'Ana Empleada', email: 'ana.empleada@entidad.gov.co' }, phone: '300 123 4567' });
      const history = page.body.history.map((e: any) => e.text);
      expect(history[0]).toBe('Caso creado');
      expect(history).toContain('Asignado a Iván Ingeniero');
      expect(page.body.messages).toEqual([expect.objectContaining({ from: 'Iván Ingeniero', direction: 'out', text: '¿Puede reiniciar FortiClient y contarme qué error sale?' })]);
      expect(page.body.canReply).toBe(true);
      const en = await api(`/api/tab/tickets/${t.id}`, { user: USERS.agent, lang: 'en' });
      expect(en.body.history[0].text).toBe('Case created');
    });

    it('filters by SLA state exactly as each row states it', async () => {
      const late = await fileTicket(h, USERS.secretary, 'La VPN no conecta en la sede norte.');
      clock.advance(60 * 24 * 3); // three days later: the 8-hour resolution target is missed
      await fileTicket(h, USERS.employee, 'Tampoco conecta la VPN hoy.');
      const all = await api('/api/tab/queue', { user: USERS.supervisor });
      const states = ['ok', 'warning', 'breached', 'paused', 'none'];
      let seen = 0;
      for (const s of states) {
        const r = await api(`/api/tab/queue?sla=${s}`, { user: USERS.supervisor });
        expect(r.status).toBe(200);
        expect(r.body.items.every((i: any) => i.sla.state === s)).toBe(true);
        expect(r.body.items.length).toBe(all.body.items.filter((i: any) => i.sla.state === s).length);
        seen += r.body.items.length;
      }
      expect(seen).toBe(all.body.items.length);
      const breached = await api('/api/tab/queue?sla=breached', { user: USERS.supervisor });
      expect(breached.body.items.map((i: any) => i.radicado)).toContain(late.radicado);
      expect(breached.body.items[0].sla.label).toBe('Vencido');
    });
  });

  describe('dashboard', () => {
    it("draws the supervisor's figures as series, and downloads them as CSV", async () => {
      const d = await api('/api/tab/dashboard?days=30', { user: USERS.supervisor });
      expect(d.status).toBe(200);
      expect(d.body.days).toBe(30);
      expect(d.body.createdResolved.labels).toHaveLength(30);
      const today = d.body.createdResolved.labels[29];
      expect(today).toBe(new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Bogota' }).format(clock.now()));
      const created = d.body.createdResolved.created.reduce((a: number, b: number) => a + b, 0);
      const tickets = (await h.app.services.reports.forMetrics(new Date(0))).filter((i) => i.ticket.createdAt <= clock.now());
      expect(created).toBe(tickets.length);
      expect(d.body.queueSize.open[29]).toBe(tickets.filter((i) => ['new', 'assigned', 'in_progress', 'waiting_user'].includes(i.ticket.status)).length);
      expect(d.body.slaByPriority.map((r: any) => r.name)).toContain('Alta');
      expect(d.body.slaByCategory[0]).toMatchObject({ name: 'Mesa de servicio primer nivel' });
      expect(d.body.engineerLoad.map((e: any) => e.name)).toEqual(expect.arrayContaining(['Iván Ingeniero', 'Laura Ingeniera']));
      expect(d.body.satisfaction.distribution).toHaveLength(5);
      expect(typeof d.body.medianFirstResponseText).toBe('string');

      const csv = await api('/api/tab/dashboard.csv?days=30', { user: USERS.supervisor });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
      expect(csv.headers.get('content-disposition')).toContain('tablero-30d.csv');
      expect(csv.body.split('\r\n')[0]).toBe('Día,Creados,Resueltos,Abiertos al final del día');
      expect(csv.body).toContain(`${today},`);
      expect((await api('/api/tab/dashboard?days=12', { user: USERS.supervisor })).status).toBe(400);
    });
    it('shows an open major incident: a banner over the queue, the mark on its master and linked cases, and the dashboard figure', async () => {
      const master = await fileTicket(h, USERS.employee, 'Nadie en el piso 3 puede conectarse a la VPN.');
      const child = await fileTicket(h, USERS.secretary, 'La VPN tampoco me conecta a mí.');
      const supervisor = { oid: USERS.supervisor.oid, name: USERS.supervisor.name, roles: ['supervisor' as const] };
      const agent = { oid: USERS.agent.oid, name: USERS.agent.name, roles: ['agent' as const] };
      const declared = await h.app.services.incidents.declare(master, supervisor, { title: 'La VPN no conecta para nadie', serviceIds: ['acceso-remoto'], statusText: 'Revisando con el proveedor.' });
      expect(declared.ok).toBe(true);
      const freshMaster = (await h.app.tickets.get(master.id))!;
      expect((await h.app.services.incidents.link((await h.app.tickets.get(child.id))!, freshMaster, agent)).ok).toBe(true);

      const q = await api('/api/tab/queue', { user: USERS.agent });
      expect(q.status).toBe(200);
      expect(q.body.incidents).toEqual([
        expect.objectContaining({ masterId: master.id, radicado: master.radicado, text: '🚨 Incidente mayor: La VPN no conecta para nadie', facts: '1 caso vinculado · Servicios: Acceso remoto', link: `#/case/${master.id}` }),
      ]);
      expect(q.body.incidents[0].latestText).toMatch(/^Última actualización \(.+\): Revisando con el proveedor\.$/);
      const row = q.body.items.find((i: any) => i.id === master.id);
      expect(row.incident).toEqual({ role: 'master', masterId: master.id, radicado: master.radicado, text: '🚨 Incidente mayor · 1 caso vinculado' });
      // The linked case left the queue (it waits on its master), and its page says which one.
      expect(q.body.items.map((i: any) => i.id)).not.toContain(child.id);
      const page = await api(`/api/tab/tickets/${child.id}`, { user: USERS.agent });
      expect(page.body.incident).toBeNull();
      expect(page.body.ticket.incident).toMatchObject({ role: 'linked', masterId: master.id, text: `Vinculado al incidente mayor ${master.radicado}: La VPN no conecta para nadie` });
      const masterPage = await api(`/api/tab/tickets/${master.id}`, { user: USERS.agent, lang: 'en-US' });
      expect(masterPage.body.incident).toMatchObject({ text: '🚨 Major incident: La VPN no conecta para nadie', facts: '1 linked ticket · Services: Remote access' });

      const d = await api('/api/tab/dashboard?days=30', { user: USERS.supervisor });
      expect(d.body.incidents).toMatchObject({ open: 1, declared: 1, resolved: 0, linked: 1, text: '1 abiertos · 1 declarados y 0 resueltos en el periodo' });
      const csv = await api('/api/tab/dashboard.csv?days=30', { user: USERS.supervisor });
      expect(csv.body).toContain('Incidentes mayores,1 abiertos · 1 declarados y 0 resueltos en el periodo');

      // Resolved, it leaves the banner.
      await h.app.services.tickets.take((await h.app.tickets.get(master.id))!, agent);
      await h.app.services.tickets.setStatus((await h.app.tickets.get(master.id))!, 'resolve', agent, 'El proveedor renovó el certificado.');
      await h.app.services.incidents.tick();
      const after = await api('/api/tab/queue', { user: USERS.agent });
      expect(after.body.incidents).toEqual([]);
      expect((await api('/api/tab/dashboard?days=30', { user: USERS.supervisor })).body.incidents).toMatchObject({ open: 0, declared: 1, resolved: 1 });
    });
});
});
