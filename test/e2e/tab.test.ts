/**
 * End-to-end: the Teams tab's page (web/tab, built into dist/tab-page) in Debian's Chromium against the
 * real app, on this run's engine, with the stand-in identity provider and the local sign-in
 * (TAB_DEV_SIGNIN), as `npm run dev` serves it. People read the table, press Tomar and Asignar,
 * reply from a case page, read a chart's numbers on the dashboard; every page passes axe (no
 * serious or critical violation) in the default, dark and high-contrast themes.
 */
import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { buildTab, TAB_OUT } from '../../src/cli/build-tab';
import { startStandInIdp, type StandInIdp } from '../../src/tab/stand-in-idp';
import type { Ticket } from '../../src/domain/tickets/model';
import { fileTicket, registerQueue, until } from '../helpers/desk';
import { installPersonal, startHarness, TENANT, TestClock, USERS, type Harness, type TestUser } from '../helpers/harness';
import { CHROMIUM, launchChromium, shot, tempDir } from './playground';

const hasChromium = fs.existsSync(CHROMIUM);
const inCi = !!process.env.CI;
if (!hasChromium && !inCi) console.warn(`tab e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium). In CI this suite always runs.`);
const describeE2e = hasChromium || inCi ? describe : describe.skip;

const AUDIENCE = 'api://localhost/botid-00000000-0000-0000-0000-000000000000';
/** Words of the page's Spanish interface that an English reader must never see. */
const SPANISH_UI = /\b(Cola|Mis casos|Tablero|Tomar|Asignar|Solicitante|Prioridad|Antigüedad|Sin asignar|Filtros|Acciones|Estado)\b/;
/** And the other way round. */
const ENGLISH_UI = /\b(Queue|My cases|Dashboard|Take|Assign|Requester|Priority|Unassigned|Filters|Actions|Status|Loading)\b/;

jest.setTimeout(120_000);

describeE2e('The Teams tab in a browser', () => {
  let idp: StandInIdp;
  let h: Harness;
  let browser: BrowserContext;
  const clock = new TestClock('2026-12-01T14:00:00Z'); // Tuesday 9:00 in Bogotá
  const seeded: Ticket[] = [];
  /** Script errors of any page: the page must never throw. */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const built = buildTab();
    idp = await startStandInIdp({ audience: AUDIENCE, tenantId: TENANT });
    h = await startHarness(
      { TAB_SSO_METADATA_URL: idp.metadataUrl, TAB_SSO_AUDIENCE: AUDIENCE, TAB_DEV_SIGNIN: 'true', ALLOWED_TENANT_IDS: TENANT },
      { clock },
    );
    await registerQueue(h);
    for (const u of [USERS.employee, USERS.secretary]) await h.post(installPersonal(h, u));
    // One case solved by Laura two days ago, one left waiting since then (overdue by now), three of today.
    const solved = await fileTicket(h, USERS.secretary, 'La VPN no conecta desde la sede norte.');
    const laura = { oid: USERS.agent2.oid, name: USERS.agent2.name, roles: ['agent' as const] };
    const took = await h.app.services.tickets.take(solved, laura);
    clock.advance(50);
    await h.app.services.tickets.setStatus(took.ticket, 'resolve', laura, 'Se renovó el certificado de la VPN.');
    seeded.push(await fileTicket(h, USERS.employee, 'La VPN se cae cada rato desde la casa.'));
    clock.advance(60 * 24 * 2);
    seeded.push(await fileTicket(h, USERS.secretary, 'FortiClient no conecta desde el hotel.'));
    clock.advance(25);
    seeded.push(await fileTicket(h, USERS.employee, 'No me llega el código del token de la VPN.'));
    clock.advance(20);
    seeded.push(await fileTicket(h, USERS.secretary, 'La VPN pide usuario y contraseña a cada rato.'));
    clock.advance(15);
    await built;
    browser = await launchChromium(tempDir());
    browser.on('page', (p) => p.on('pageerror', (err) => pageErrors.push(`${p.url()}: ${err.message}`)));
  });

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await idp?.close();
  });

  it('is built into dist/tab-page: the page, its bundle, its stylesheet and the configuration page', () => {
    for (const f of ['index.html', 'config.html', 'app.js', 'config.js', 'styles.css']) expect(fs.existsSync(path.join(TAB_OUT, f))).toBe(true);
  });

  /** A fresh browser tab signed in as `user` (?as=, the local sign-in), on `hash`. */
  async function open(user: TestUser, hash = '#/queue', query: Record<string, string> = {}): Promise<Page> {
    const page = await browser.newPage();
    const params = new URLSearchParams({ as: user.oid, lang: 'es', ...query });
    await page.goto(`${h.url}/tab/?${params}${hash}`);
    await ready(page);
    return page;
  }

  /** Waits until the view has drawn its data (the router marks it busy until then), with this title. */
  async function ready(page: Page, title?: string | RegExp): Promise<void> {
    await page.locator('#view:not([aria-busy]) #view-title', title ? { hasText: title } : {}).waitFor();
  }

  const rowOf = (page: Page, radicado: string): Locator => page.locator('table.tickets tbody tr').filter({ has: page.getByRole('rowheader', { name: radicado, exact: true }) });
  const status = (page: Page) => page.getByRole('status').first();

  async function api(user: TestUser, p: string): Promise<any> {
    const token = await idp.sign({ oid: user.oid, name: user.name, email: user.email });
    const res = await fetch(`${h.url}/api/tab/${p}`, { headers: { authorization: `Bearer ${token}`, 'accept-language': 'es' } });
    expect(res.status).toBe(200);
    return res.json();
  }

  async function noSeriousViolations(page: Page, where: string): Promise<void> {
    const result = await new AxeBuilder({ page: page as any }).analyze();
    const bad = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
    expect({ where, violations: bad }).toEqual({ where, violations: [] });
  }

  it('shows an engineer the queue oldest first, and "Tomar" assigns the oldest case to him', async () => {
    const page = await open(USERS.agent);
    expect(await page.locator('#view-title').innerText()).toBe('Cola de soporte');
    const nav = page.getByRole('navigation', { name: 'Secciones' });
    expect(await nav.getByRole('link').allInnerTexts()).toEqual(['Cola', 'Mis casos']);
    expect(await nav.getByRole('link', { name: 'Cola' }).getAttribute('aria-current')).toBe('page');

    const table = page.getByRole('table', { name: /Casos en espera y abiertos/ });
    const radicados = await table.getByRole('rowheader').allInnerTexts();
    expect(radicados).toEqual(seeded.map((t) => t.radicado));
    const oldest = rowOf(page, seeded[0].radicado);
    // The SLA says it in words (the colour only helps): two days later the oldest is overdue.
    expect(await oldest.locator('.sla').innerText()).toBe('Vencido');
    expect(await rowOf(page, seeded[1].radicado).locator('.sla').innerText()).toBe('En tiempo');
    expect(await oldest.locator('[data-col=assignee]').innerText()).toBe('Sin asignar');
    expect(await page.locator('#queue-summary').innerText()).toBe('4 casos');

    // The filters ask the server: "Antigüedad mínima" 24 h leave the oldest alone.
    await page.getByLabel('Antigüedad mínima (horas)').fill('24');
    await page.getByLabel('Antigüedad mínima (horas)').press('Enter');
    await until(async () => (await page.locator('table.tickets tbody tr').count()) === 1);
    expect(await page.getByRole('rowheader').allInnerTexts()).toEqual([seeded[0].radicado]);
    await page.getByRole('button', { name: 'Quitar filtros' }).click();
    await until(async () => (await page.locator('table.tickets tbody tr').count()) === 4);

    await oldest.getByRole('button', { name: /^Tomar/ }).click();
    await page.getByText(`Tomó el caso ${seeded[0].radicado}.`).waitFor();
    expect(await status(page).innerText()).toBe(`Tomó el caso ${seeded[0].radicado}.`);
    await oldest.locator('[data-col=assignee]', { hasText: 'Iván Ingeniero' }).waitFor();
    expect(await oldest.getByRole('button', { name: /^Tomar/ }).count()).toBe(0);
    expect((await h.app.tickets.get(seeded[0].id))!.assignee?.oid).toBe(USERS.agent.oid);

    await page.getByLabel('Asignado', { exact: true }).selectOption({ label: 'A mí' });
    await until(async () => (await page.locator('table.tickets tbody tr').count()) === 1);
    expect(await page.getByRole('rowheader').allInnerTexts()).toEqual([seeded[0].radicado]);
    await page.getByLabel('Asignado', { exact: true }).selectOption({ label: 'Todos' });
    await until(async () => (await page.locator('table.tickets tbody tr').count()) === 4);
    await shot(page, 'tab-queue', 'tab-queue.png');
    expect(await page.locator('body').innerText()).not.toMatch(ENGLISH_UI);

    await page.getByRole('link', { name: 'Mis casos' }).click();
    await ready(page, 'Mis casos abiertos');
    expect(await page.getByRole('rowheader').allInnerTexts()).toEqual([seeded[0].radicado]);
    await page.close();
  });

  it('opens a case from the queue and replies to the requester; an empty reply is refused and keeps the text', async () => {
    const page = await open(USERS.agent);
    await page.getByRole('link', { name: seeded[0].radicado, exact: true }).click();
    await ready(page, seeded[0].radicado);
    expect(await page.locator('#view-title').innerText()).toBe(`${seeded[0].radicado} Falla de conexión a la VPN`);
    const details = page.getByRole('region', { name: 'Datos del caso' });
    const value = async (label: string) => details.locator('dt', { hasText: label }).locator('xpath=following-sibling::dd[1]').innerText();
    expect(await value('Asignado a')).toBe('Iván Ingeniero');
    expect(await value('Prioridad')).toBe('Alta');
    expect(await page.getByRole('region', { name: 'Descripción' }).innerText()).toContain('La VPN se cae cada rato desde la casa.');
    expect(await page.getByRole('region', { name: 'Historial' }).innerText()).toContain('Caso creado');

    const box = page.getByLabel('Responder al solicitante');
    await box.fill('   ');
    await page.getByRole('button', { name: 'Enviar respuesta' }).click();
    await page.getByText('El mensaje está vacío.').waitFor();
    expect(await box.inputValue()).toBe('   ');

    await box.fill('Buenos días, Ana. ¿Puede reiniciar FortiClient y contarme qué error sale?');
    await page.getByRole('button', { name: 'Enviar respuesta' }).click();
    await page.getByText('Su mensaje se envió a Ana Empleada en su chat de Teams.').waitFor();
    const thread = page.locator('#case-messages');
    expect(await thread.innerText()).toContain('¿Puede reiniciar FortiClient y contarme qué error sale?');
    expect(await thread.innerText()).toContain('Al solicitante');
    expect(await page.getByLabel('Responder al solicitante').inputValue()).toBe('');
    await shot(page, 'tab-case');
    expect(await page.locator('body').innerText()).not.toMatch(ENGLISH_UI);

    await page.goto(`${h.url}/tab/?as=${USERS.agent.oid}&lang=es#/case/999999`);
    await ready(page, 'No encontramos ese caso.');
    await page.close();
  });

  it('lets a supervisor assign a case through the dialog, and shows her the dashboard with the API\'s numbers', async () => {
    const page = await open(USERS.supervisor);
    const nav = page.getByRole('navigation', { name: 'Secciones' });
    expect(await nav.getByRole('link').allInnerTexts()).toEqual(['Cola', 'Mis casos', 'Tablero']);

    const row = rowOf(page, seeded[1].radicado);
    await row.getByRole('button', { name: /^Asignar/ }).click();
    const dialog = page.getByRole('dialog', { name: `Asignar ${seeded[1].radicado}` });
    await dialog.waitFor();
    const options = await dialog.getByLabel('Ingeniero').locator('option').allInnerTexts();
    expect(options).toEqual(expect.arrayContaining(['Iván Ingeniero', 'Laura Ingeniera']));
    await dialog.getByLabel('Ingeniero').selectOption({ label: 'Laura Ingeniera' });
    await dialog.getByRole('button', { name: 'Asignar', exact: true }).click();
    await page.getByText(`El caso ${seeded[1].radicado} quedó asignado a Laura Ingeniera.`).waitFor();
    await row.locator('[data-col=assignee]', { hasText: 'Laura Ingeniera' }).waitFor();
    expect(await dialog.count()).toBe(0);
    expect((await h.app.tickets.get(seeded[1].id))!.assignee?.oid).toBe(USERS.agent2.oid);

    await nav.getByRole('link', { name: 'Tablero' }).click();
    await ready(page, 'Tablero');
    await page.locator('table[data-chart="engineer-load"]').waitFor({ state: 'attached' });
    const d = await api(USERS.supervisor, 'dashboard?days=30');
    expect(await nav.getByRole('link', { name: 'Tablero' }).getAttribute('aria-current')).toBe('page');
    const figures = await page.locator('.figures').innerText();
    expect(figures).toContain('Mediana de primera respuesta');
    expect(figures).toContain(d.medianFirstResponseText);
    expect(figures).toContain(d.medianResolutionText);
    await shot(page, 'tab-dashboard', 'tab-dashboard.png');

    // The data under the chart: hidden until "Ver los datos" is opened, then the API's numbers.
    const created = page.getByRole('region', { name: 'Casos creados y resueltos por día' });
    expect(await created.getByRole('img').getAttribute('aria-label')).toContain('5 creados y 1 resueltos');
    const table = created.locator('table[data-chart="created-resolved"]');
    expect(await table.isVisible()).toBe(false);
    await created.getByText('Ver los datos').click();
    expect(await table.isVisible()).toBe(true);
    const rows = await table.locator('tbody tr').evaluateAll((trs: any[]) =>
      trs.map((tr: any) => [tr.querySelector('time')!.getAttribute('datetime'), ...Array.from(tr.querySelectorAll('td')).map((td: any) => Number(td.textContent))]),
    );
    expect(rows).toEqual(d.createdResolved.labels.map((l: string, i: number) => [l, d.createdResolved.created[i], d.createdResolved.resolved[i]]));
    expect(rows.reduce((n, r) => n + (r[1] as number), 0)).toBe(5);

    const load = page.getByRole('region', { name: 'Carga por ingeniero' });
    await load.getByText('Ver los datos').click();
    const loadRows = await load.locator('tbody tr').evaluateAll((trs: any[]) => trs.map((tr: any) => Array.from(tr.children).map((c: any) => c.textContent)));
    expect(loadRows).toEqual(d.engineerLoad.map((e: any) => [e.name, String(e.open), String(e.resolved)]));
    expect(loadRows).toEqual(expect.arrayContaining([['Laura Ingeniera', '1', '1'], ['Iván Ingeniero', '1', '0']]));
    for (const name of ['created-resolved', 'queue-size', 'sla-category', 'sla-priority', 'satisfaction', 'engineer-load']) {
      expect(await page.locator(`table[data-chart="${name}"]`).count()).toBe(1);
    }
    expect(await page.locator('canvas[role=img]').count()).toBe(6);

    // "Descargar CSV" saves the server's CSV.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Descargar CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('tablero-30d.csv');
    const file = await download.path();
    expect(fs.readFileSync(file!, 'utf8').split('\r\n')[0]).toBe('Día,Creados,Resueltos,Abiertos al final del día');
    expect(await page.getByText('Se descargó el archivo tablero-30d.csv.').isVisible()).toBe(true);
    expect(await page.locator('body').innerText()).not.toMatch(ENGLISH_UI);
    await page.close();
  });

  it('speaks English with lang=en, tells an employee the tab is for the support team, and offers the test people to sign in', async () => {
    const en = await open(USERS.agent, '#/queue', { lang: 'en' });
    expect(await en.locator('html').getAttribute('lang')).toBe('en');
    expect(await en.getByRole('navigation', { name: 'Sections' }).getByRole('link').allInnerTexts()).toEqual(['Queue', 'My cases']);
    expect(await en.locator('#view-title').innerText()).toBe('Support queue');
    await en.getByRole('table', { name: /oldest first/ }).waitFor();
    expect(await en.getByRole('columnheader').allInnerTexts()).toEqual(['Case number', 'Request', 'Requester', 'Status', 'Priority', 'SLA', 'Age', 'Assignee', 'Actions']);
    expect(await en.locator('body').innerText()).not.toMatch(SPANISH_UI);
    await en.close();

    const employee = await open(USERS.employee);
    await employee.getByText('Esta pestaña es para el equipo de soporte.', { exact: false }).waitFor();
    expect(await employee.getByRole('navigation').isVisible()).toBe(false);
    expect(await employee.getByRole('table').count()).toBe(0);
    await employee.close();

    const picker = await browser.newPage();
    await picker.goto(`${h.url}/tab/?lang=es`);
    await picker.getByRole('heading', { name: 'Entrar como…' }).waitFor();
    await picker.getByRole('button', { name: /^Laura Ingeniera/ }).click();
    await ready(picker, 'Cola de soporte');
    expect(await picker.locator('.who-name').innerText()).toBe('Laura Ingeniera');
    // The token stays for this browser tab: a reload does not ask again; a stale one is renewed after the 401.
    await picker.reload();
    await ready(picker, 'Cola de soporte');
    const stale = await idp.sign({ oid: USERS.agent2.oid, name: USERS.agent2.name, expiresIn: -600 });
    await picker.evaluate(`sessionStorage.setItem('mesa-tab-dev-session', JSON.stringify({ oid: '${USERS.agent2.oid}', token: '${stale}' }))`);
    await picker.reload();
    await ready(picker, 'Cola de soporte');
    expect(await picker.locator('.who-name').innerText()).toBe('Laura Ingeniera');
    expect(await picker.evaluate(`JSON.parse(sessionStorage.getItem('mesa-tab-dev-session')).token`)).not.toBe(stale);
    await picker.close();

    // Without the local sign-in (a deployment), a browser outside Teams is told where to open the tab.
    const deployed = await startHarness({ TAB_SSO_METADATA_URL: idp.metadataUrl, TAB_SSO_AUDIENCE: AUDIENCE });
    try {
      const outside = await browser.newPage();
      await outside.goto(`${deployed.url}/tab/?lang=es&as=${USERS.agent.oid}`);
      await outside.getByText('Abra esta pestaña desde Microsoft Teams.').waitFor();
      expect(await outside.getByRole('table').count()).toBe(0);
      await outside.goto(`${deployed.url}/tab/?lang=en`);
      await outside.getByText('Open this tab from Microsoft Teams.').waitFor();
      await outside.close();
    } finally {
      await deployed.close();
    }

    // The channel tab's configuration page explains itself in the reader's language.
    const config = await browser.newPage();
    await config.goto(`${h.url}/tab/config`);
    await config.getByRole('heading', { name: 'Mesa de Ayuda: cola de soporte' }).waitFor();
    expect(await config.getByRole('heading', { name: 'Mesa de Ayuda: support queue' }).count()).toBe(0);
    await config.goto(`${h.url}/tab/config?lang=en`);
    await config.getByRole('heading', { name: 'Mesa de Ayuda: support queue' }).waitFor();
    expect(await config.locator('html').getAttribute('lang')).toBe('en');
    await config.close();
  });

  it('passes axe (no serious or critical violation) on the queue, a case and the dashboard, in the default, dark and high-contrast themes; meanwhile an open queue shows a new case by itself', async () => {
    // An engineer keeps the queue open while the supervisor looks around: the page polls every 15 s.
    const watcher = await open(USERS.agent2);
    await watcher.evaluate('window.__notReloaded = true');
    const fresh = await fileTicket(h, USERS.employee, 'La VPN se desconecta al abrir el correo.');
    for (const theme of ['default', 'dark', 'contrast']) {
      const page = await open(USERS.supervisor, '#/queue', { theme });
      expect(await page.locator('html').getAttribute('data-theme')).toBe(theme);
      await page.locator('table.tickets').waitFor();
      await noSeriousViolations(page, `queue (${theme})`);
      if (theme !== 'default') await shot(page, `tab-${theme}`);

      await page.getByRole('link', { name: seeded[0].radicado, exact: true }).click();
      await ready(page, seeded[0].radicado);
      await noSeriousViolations(page, `case (${theme})`);

      await page.getByRole('link', { name: 'Tablero' }).click();
      await page.locator('table[data-chart="engineer-load"]').waitFor({ state: 'attached' });
      for (const s of await page.getByText('Ver los datos').all()) await s.click();
      await noSeriousViolations(page, `dashboard (${theme})`);
      await page.close();
    }
    await rowOf(watcher, fresh.radicado).waitFor({ timeout: 20_000 });
    expect(await watcher.getByRole('rowheader').allInnerTexts()).toEqual([...seeded.map((t) => t.radicado), fresh.radicado]);
    expect(await watcher.evaluate('window.__notReloaded')).toBe(true);
    await watcher.close();
  });

  it('works from the keyboard alone: the skip link, then Tab to "Tomar" and Enter takes the case', async () => {
    const page = await open(USERS.agent);
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.textContent')).toBe('Saltar al contenido');
    await page.keyboard.press('Enter');
    expect(await page.evaluate<boolean>("!!(document.activeElement && document.activeElement.closest('main'))")).toBe(true);
    // Tab on until a "Tomar" button has the focus (each row's actions come after its link).
    let label = '';
    for (let i = 0; i < 80 && !/^Tomar/.test(label); i++) {
      await page.keyboard.press('Tab');
      label = await page.evaluate<string>("(document.activeElement && (document.activeElement.getAttribute('aria-label') || document.activeElement.textContent)) || ''");
    }
    expect(label).toMatch(/^Tomar/);
    const radicado = await page.evaluate<string>("((document.activeElement && document.activeElement.closest('tr') && document.activeElement.closest('tr').querySelector('th')) || { textContent: '' }).textContent.trim()");
    expect(radicado).toMatch(/^MDA-2026-\d{6}$/);
    await page.keyboard.press('Enter');
    await page.getByText(`Tomó el caso ${radicado}.`).waitFor();
    await rowOf(page, radicado).locator('[data-col=assignee]', { hasText: 'Iván Ingeniero' }).waitFor();
    await page.close();
  });
  it('shows an open major incident as a banner over the queue that opens its master case, and marks the master row', async () => {
    const master = await fileTicket(h, USERS.employee, 'Nadie en el piso 3 puede conectarse a la VPN.');
    const child = await fileTicket(h, USERS.secretary, 'La VPN tampoco me conecta a mí.');
    const supervisor = { oid: USERS.supervisor.oid, name: USERS.supervisor.name, roles: ['supervisor' as const] };
    expect((await h.app.services.incidents.declare(master, supervisor, { title: 'La VPN no conecta para nadie', serviceIds: ['acceso-remoto'], statusText: 'Revisando con el proveedor.' })).ok).toBe(true);
    expect((await h.app.services.incidents.link((await h.app.tickets.get(child.id))!, (await h.app.tickets.get(master.id))!, supervisor)).ok).toBe(true);

    const page = await open(USERS.agent);
    const banner = page.locator('#queue-incidents .incident');
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/🚨 Incidente mayor: La VPN no conecta para nadie\s+\(MDA-2026-\d{6}\)\s+1 caso vinculado · Servicios: Acceso remoto\s+Última actualización \(.+\): Revisando con el proveedor\./);
    expect(await rowOf(page, master.radicado).locator('[data-col=incident]').innerText()).toBe('🚨 Incidente mayor · 1 caso vinculado');
    await noSeriousViolations(page, 'queue with a major incident');
    await banner.getByRole('link', { name: '🚨 Incidente mayor: La VPN no conecta para nadie' }).click();
    await ready(page, master.radicado);
    expect(await page.locator('main .incident').innerText()).toContain('1 caso vinculado · Servicios: Acceso remoto');
    await page.close();
  });
});
