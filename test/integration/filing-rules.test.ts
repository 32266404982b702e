import { bogotaYear } from '../../src/domain/tickets/radicado';
import { createLogger } from '../../src/logger';
import {
  cardAction,
  cardText,
  findAction,
  invokeCard,
  message,
  press,
  startHarness,
  USERS,
  type Harness,
  type TestUser,
} from '../helpers/harness';
import { sql, sqlValue } from '../helpers/engine';
import { REMOTE_ACCESS_FORM } from '../helpers/desk';

const ticketCount = (h: Harness) => sqlValue<number>(h.app.storage, 'SELECT count(*) AS n FROM tickets');

/** All input values of a card, by id (what a person would see already filled in). */
function inputValues(card: any): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (n: any) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n && typeof n === 'object') {
      if (typeof n.type === 'string' && n.type.startsWith('Input.') && typeof n.id === 'string') out[n.id] = n.value ?? '';
      Object.values(n).forEach(walk);
    }
  };
  walk(card);
  return out;
}

// These tests file the same service again on purpose: they answer the duplicate check (#13) as
// its "Registrar uno nuevo de todos modos" button does. duplicates.test.ts covers the offer itself.
const REMOTE = { ...REMOTE_ACCESS_FORM, duplicateChoice: 'new' };

async function openForm(h: Harness, user: TestUser, templateId: string, locale = 'es-CO') {
  return invokeCard(await h.post(cardAction(h, user, 'catalog.form', { templateId }, locale)));
}

/** The "Guardar" action's data of a form card (templateId + submissionKey). */
function saveData(card: any, title = 'Guardar') {
  return findAction(card, title).data as { templateId: string; submissionKey: string };
}

async function categoriesCard(h: Harness, user: TestUser) {
  return invokeCard(await h.post(cardAction(h, user, 'catalog.categories')));
}

describe('filing rules: profiles, crafted payloads, validation, idempotency, limits', () => {
  let h: Harness;
  let logLines: any[];

  beforeEach(async () => {
    logLines = [];
    const log = createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) });
    h = await startHarness({ TICKETS_PER_HOUR: '2' }, { log });
  });
  afterEach(async () => {
    await h.close();
  });

  it('shows "Cuentas de usuario" to a head of area and a secretary, but not to an employee', async () => {
    for (const user of [USERS.manager, USERS.secretary]) {
      let card = await categoriesCard(h, user);
      card = invokeCard(await press(h, user, card, 'Cuentas, contraseñas y permisos'));
      expect(cardText(card)).toContain('Cuentas de usuario');
      card = invokeCard(await press(h, user, card, 'Cuentas de usuario'));
      expect(cardText(card)).toContain('Creación de cuenta para nuevo funcionario');
    }
    let card = await categoriesCard(h, USERS.employee);
    card = invokeCard(await press(h, USERS.employee, card, 'Cuentas, contraseñas y permisos'));
    expect(cardText(card)).toContain('Contraseñas y desbloqueo');
    expect(cardText(card)).not.toContain('Cuentas de usuario');
    // "Ver todas las plantillas" of the category does not list them either.
    const all = invokeCard(await h.post(cardAction(h, USERS.employee, 'catalog.all', { categoryId: 'cuentas-y-accesos' })));
    expect(cardText(all)).toContain('Desbloqueo de cuenta de usuario');
    expect(cardText(all)).not.toContain('Creación de cuenta para nuevo funcionario');
    expect(cardText(all)).not.toContain('Permisos de carpeta compartida del área');
    // A crafted catalog.templates for the restricted service lists nothing restricted.
    const tpl = await h.post(cardAction(h, USERS.employee, 'catalog.templates', { serviceId: 'cuentas-usuario' }));
    expect(cardText(tpl.body)).not.toContain('Creación de cuenta para nuevo funcionario');
  });

  it('shows the "equipos-area" service only to heads of area and secretaries', async () => {
    const names = async (user: TestUser) => {
      const out: string[] = [];
      const cats = await categoriesCard(h, user);
      const json = JSON.stringify(cats);
      const ids = [...json.matchAll(/"categoryId":"([a-z0-9-]+)"/g)].map((m) => m[1]);
      for (const categoryId of new Set(ids)) {
        const card = invokeCard(await h.post(cardAction(h, user, 'catalog.services', { categoryId })));
        out.push(...[...JSON.stringify(card).matchAll(/"serviceId":"([a-z0-9-]+)"/g)].map((m) => m[1]));
      }
      return out;
    };
    const manager = await names(USERS.manager);
    const secretary = await names(USERS.secretary);
    const employee = await names(USERS.employee);
    expect(manager).toEqual(expect.arrayContaining(['equipos-area', 'cuentas-usuario']));
    expect(secretary).toEqual(expect.arrayContaining(['equipos-area', 'cuentas-usuario']));
    expect(employee).not.toContain('equipos-area');
    expect(employee).not.toContain('cuentas-usuario');
    expect(employee).toContain('acceso-remoto');
  });

  it('refuses a crafted catalog.form and ticket.submit for a restricted template, in clear Spanish, stores nothing and logs it', async () => {
    const form = await h.post(cardAction(h, USERS.employee, 'catalog.form', { templateId: 'cuenta-nuevo-funcionario' }));
    expect(form.status).toBe(200);
    expect(cardText(form.body)).not.toContain('Nombre');
    expect(cardText(form.body)).toMatch(/jefes de área|secretari/i);
    expect(JSON.stringify(form.body)).not.toContain('ticket.submit');

    const res = await h.post(
      cardAction(h, USERS.employee, 'ticket.submit', {
        templateId: 'cuenta-nuevo-funcionario',
        submissionKey: 'crafted-key-0001',
        fullName: 'Juan Nuevo',
        documentNumber: '1020304050',
        employmentType: 'planta',
        startDate: '2026-12-01',
        description: 'Cuenta para funcionario nuevo del área.',
        phone: '300 123 4567',
        contactChannel: 'teams',
      }),
    );
    expect(res.status).toBe(200);
    const text = cardText(res.body);
    expect(text).toMatch(/jefes de área|secretari/i);
    expect(text).not.toMatch(/MDA-\d{4}-\d{6}/);
    expect(await ticketCount(h)).toBe(0);
    const refused = logLines.filter((l) => l.msg === 'catalog template refused');
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused[refused.length - 1]).toMatchObject({ oid: USERS.employee.oid, templateId: 'cuenta-nuevo-funcionario', verdict: 'forbidden' });
    // The log never carries the form's personal data.
    expect(JSON.stringify(logLines)).not.toContain('300 123 4567');
  });

  it('lets a head of area file the restricted template', async () => {
    const form = await openForm(h, USERS.manager, 'cuenta-nuevo-funcionario');
    const res = await press(h, USERS.manager, form, 'Guardar', {
      fullName: 'Juan Nuevo',
      documentNumber: '1020304050',
      employmentType: 'planta',
      startDate: '2026-12-01',
      description: 'Cuenta para funcionario nuevo del área.',
      phone: '300 123 4567',
      contactChannel: 'teams',
    });
    expect(cardText(invokeCard(res))).toContain(`MDA-${bogotaYear(new Date())}-000001`);
    expect(await ticketCount(h)).toBe(1);
  });

  it('rejects a retired template and an unknown template, storing nothing', async () => {
    for (const templateId of ['acceso-citrix', 'no-existe', '../../etc/passwd', 42]) {
      const form = await h.post(cardAction(h, USERS.employee, 'catalog.form', { templateId }));
      expect(cardText(form.body)).toContain('no existe o ya no está disponible');
      const res = await h.post(cardAction(h, USERS.employee, 'ticket.submit', { ...REMOTE, templateId, submissionKey: 'crafted-key-0002' }));
      expect(res.status).toBe(200);
      expect(cardText(res.body)).toContain('No se registró ningún caso');
    }
    expect(await ticketCount(h)).toBe(0);
    expect(logLines.filter((l) => l.msg === 'catalog template refused' && l.verdict !== 'forbidden').length).toBeGreaterThanOrEqual(8);
  });

  it('ignores role claims in card data', async () => {
    const crafted = {
      templateId: 'cuenta-nuevo-funcionario',
      roles: ['area_manager', 'supervisor'],
      role: 'area_manager',
      user: { roles: ['secretary'], oid: USERS.manager.oid },
      oid: USERS.manager.oid,
      submissionKey: 'crafted-key-0003',
      fullName: 'Juan Nuevo',
      documentNumber: '1020304050',
      employmentType: 'planta',
      startDate: '2026-12-01',
      description: 'Cuenta para funcionario nuevo del área.',
      phone: '300 123 4567',
      contactChannel: 'teams',
    };
    const form = await h.post(cardAction(h, USERS.employee, 'catalog.form', crafted));
    expect(cardText(form.body)).toMatch(/jefes de área|secretari/i);
    const res = await h.post(cardAction(h, USERS.employee, 'ticket.submit', crafted));
    expect(cardText(res.body)).toMatch(/jefes de área|secretari/i);
    const services = invokeCard(await h.post(cardAction(h, USERS.employee, 'catalog.services', { categoryId: 'cuentas-y-accesos', roles: ['area_manager'] })));
    expect(cardText(services)).not.toContain('Cuentas de usuario');
    expect(await ticketCount(h)).toBe(0);
  });

  it('files with a phone from abroad, formatted with its country code and extension', async () => {
    const form = await openForm(h, USERS.employee, 'solicitud-acceso-remoto');
    const card = invokeCard(await press(h, USERS.employee, form, 'Guardar', { ...REMOTE, phone: '+1 (212) 555-1234 ext. 7' }));
    expect(cardText(card)).toMatch(/MDA-\d{4}-\d{6}/);
    const [ticket] = (await h.app.tickets.listByRequester(USERS.employee.oid, { limit: 1 })).items;
    expect(ticket.phone).toBe('+1 212 555 1234 ext. 7');
  });

  it('keeps a description over 4,000 characters whole and says how much to cut', async () => {
    const form = await openForm(h, USERS.employee, 'solicitud-acceso-remoto');
    const long = 'La VPN se desconecta cada diez minutos. '.repeat(125); // 5,000 characters
    const card = invokeCard(await press(h, USERS.employee, form, 'Guardar', { ...REMOTE, description: long }));
    const input = JSON.stringify(card).match(/\{[^{}]*"id":"description"[^{}]*\}/)![0];
    expect(JSON.parse(input).value).toBe(long.trim());
    expect(JSON.parse(input).maxLength).toBeGreaterThanOrEqual(long.trim().length);
    expect(cardText(card)).toContain(`Sobran ${long.trim().length - 4000} caracteres: el máximo es 4000`);
    expect(await ticketCount(h)).toBe(0);
  });

  it('re-renders the form with the values kept and the errors shown', async () => {
    const form = await openForm(h, USERS.employee, 'solicitud-acceso-remoto');
    let card = invokeCard(await press(h, USERS.employee, form, 'Guardar', { ...REMOTE, phone: '12345' }));
    let values = inputValues(card);
    expect(values.description).toBe(REMOTE.description);
    expect(values.phone).toBe('12345');
    expect(values.accessType).toBe('vpn');
    expect(cardText(card)).toContain('Escriba un celular (300 123 4567) o fijo (601 234 5678) de Colombia');
    expect(await ticketCount(h)).toBe(0);

    card = invokeCard(await press(h, USERS.employee, card, 'Guardar', { ...REMOTE, description: '' }));
    values = inputValues(card);
    expect(values.phone).toContain('300 123 4567'); // kept (normalised to +57)
    expect(values.accessType).toBe('vpn');
    expect(values.description).toBe('');
    expect(cardText(card)).not.toContain('Escriba un celular (300 123 4567) o fijo (601 234 5678) de Colombia');
    expect(cardText(card)).toMatch(/obligatori|describa/i);
    expect(await ticketCount(h)).toBe(0);

    // The same card, now valid, files it.
    card = invokeCard(await press(h, USERS.employee, card, 'Guardar', REMOTE));
    expect(cardText(card)).toMatch(/MDA-\d{4}-000001/);
  });

  it('files the same form once when submitted twice, sequentially and concurrently', async () => {
    const form = await openForm(h, USERS.employee, 'solicitud-acceso-remoto');
    const a = cardText(invokeCard(await press(h, USERS.employee, form, 'Guardar', REMOTE)));
    const b = cardText(invokeCard(await press(h, USERS.employee, form, 'Guardar', REMOTE)));
    const rad = /MDA-\d{4}-\d{6}/.exec(a)![0];
    expect(b).toContain(rad);
    expect(await ticketCount(h)).toBe(1);

    const form2 = await openForm(h, USERS.employee, 'solicitud-acceso-remoto');
    expect(saveData(form2).submissionKey).not.toBe(saveData(form).submissionKey);
    const [c, d] = await Promise.all([press(h, USERS.employee, form2, 'Guardar', REMOTE), press(h, USERS.employee, form2, 'Guardar', REMOTE)]);
    const rc = /MDA-\d{4}-\d{6}/.exec(cardText(invokeCard(c)))![0];
    const rd = /MDA-\d{4}-\d{6}/.exec(cardText(invokeCard(d)))![0];
    expect(rc).toBe(rd);
    expect(rc).not.toBe(rad);
    expect(await ticketCount(h)).toBe(2);
  });

  it("does not return another user's ticket for a submission key copied from their card", async () => {
    const form = await openForm(h, USERS.manager, 'solicitud-acceso-remoto');
    const mine = cardText(invokeCard(await press(h, USERS.manager, form, 'Guardar', REMOTE)));
    const rad = /MDA-\d{4}-\d{6}/.exec(mine)![0];
    const res = await press(h, USERS.employee, form, 'Guardar', { ...REMOTE, description: 'Otra cosa distinta, mi propio caso.' });
    const text = cardText(invokeCard(res));
    expect(text).not.toContain(rad);
    expect(text).not.toContain(USERS.manager.name);
    const rows = await sql<{ requester_oid: string }>(h.app.storage, 'SELECT requester_oid FROM tickets ORDER BY id');
    expect(rows.map((r) => r.requester_oid)).toEqual([USERS.manager.oid, USERS.employee.oid]);
  });

  it('answers in English for an en-US locale', async () => {
    await h.post(message(h, USERS.employee, 'new request', 'en-US'));
    await h.connector.waitFor(() => h.connector.sent.length >= 1);
    const cats = h.connector.sent[0].body.attachments[0].content;
    expect(cardText(cats)).toContain('Service catalog');
    const form = await openForm(h, USERS.employee, 'solicitud-acceso-remoto', 'en-US');
    const text = cardText(form);
    expect(text).not.toContain('Guardar');
    expect(text).not.toContain('Describa el problema');
    const save = findAction(form, 'Save');
    const res = await h.post(cardAction(h, USERS.employee, save.verb, { ...save.data, ...REMOTE, phone: '12345' }, 'en-US'));
    expect(cardText(invokeCard(res))).toMatch(/Colombian mobile .* or another country's number with its code/);
    const ok = await h.post(cardAction(h, USERS.employee, save.verb, { ...save.data, ...REMOTE }, 'en-US'));
    const done = cardText(invokeCard(ok));
    expect(done).toMatch(/MDA-\d{4}-000001/);
    expect(done).toContain('Remote access');
    const forbidden = await h.post(cardAction(h, USERS.employee, 'catalog.form', { templateId: 'cuenta-nuevo-funcionario' }, 'en-US'));
    expect(cardText(forbidden.body)).toMatch(/heads of area|secretar/i);
  });

  it('limits tickets per hour (TICKETS_PER_HOUR=2): the third gets a clear message and nothing is stored', async () => {
    for (let i = 0; i < 2; i++) {
      const form = await openForm(h, USERS.employee, 'solicitud-acceso-remoto');
      expect(cardText(invokeCard(await press(h, USERS.employee, form, 'Guardar', REMOTE)))).toMatch(/MDA-\d{4}-\d{6}/);
    }
    const form = await openForm(h, USERS.employee, 'solicitud-acceso-remoto');
    const res = await press(h, USERS.employee, form, 'Guardar', REMOTE);
    expect(res.status).toBe(200);
    expect(cardText(res.body)).toContain('muchas solicitudes en la última hora');
    expect(await ticketCount(h)).toBe(2);
    // Another person is not affected.
    const other = await openForm(h, USERS.manager, 'solicitud-acceso-remoto');
    expect(cardText(invokeCard(await press(h, USERS.manager, other, 'Guardar', REMOTE)))).toMatch(/MDA-\d{4}-000003/);
  });

  it('holds the hourly limit when several different forms arrive at the same moment', async () => {
    const forms = await Promise.all([0, 1, 2, 3].map(() => openForm(h, USERS.employee, 'solicitud-acceso-remoto')));
    const results = await Promise.all(forms.map((f) => press(h, USERS.employee, f, 'Guardar', REMOTE)));
    const filed = results.filter((r) => /MDA-\d{4}-\d{6}/.test(cardText(r.body)));
    const limited = results.filter((r) => cardText(r.body).includes('muchas solicitudes en la última hora'));
    expect(filed).toHaveLength(2);
    expect(limited).toHaveLength(2);
    expect(await ticketCount(h)).toBe(2);
  });

  it('still returns the ticket of an already-filed form after the limit is reached', async () => {
    const first = await openForm(h, USERS.employee, 'solicitud-acceso-remoto');
    const rad = /MDA-\d{4}-\d{6}/.exec(cardText(invokeCard(await press(h, USERS.employee, first, 'Guardar', REMOTE))))![0];
    const second = await openForm(h, USERS.employee, 'solicitud-acceso-remoto');
    await press(h, USERS.employee, second, 'Guardar', REMOTE);
    expect(await ticketCount(h)).toBe(2);
    const again = cardText(invokeCard(await press(h, USERS.employee, first, 'Guardar', REMOTE)));
    expect(again).toContain(rad);
  });
});
