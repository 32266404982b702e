/**
 * End-to-end: the real bot, the Microsoft 365 Agents Playground (real Adaptive Cards renderer) and
 * Debian's Chromium driven by playwright-core. People click buttons by their titles and fill inputs
 * by their labels, as they would in Teams.
 *
 * The Playground has one signed-in person per running instance (its config's currentUser) and no
 * user switcher, so — like two people at two computers — the employee and the support engineer each
 * get their own Playground. The support one listens on a fixed port, which is the serviceUrl the bot
 * remembers for the queue channel; "switching" from the supervisor to the engineer there means
 * restarting that Playground with another currentUser (the bot keeps the queue registration).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { App } from '../../src/app';
import {
  CHROMIUM,
  cards,
  choose,
  expectSeen,
  clickButton,
  configFor,
  freePort,
  launchChromium,
  openConversation,
  postInChannel,
  startLocaleProxy,
  shot,
  startBot,
  startPlayground,
  tempDir,
  typeMessage,
  type Playground,
} from './playground';

const hasChromium = fs.existsSync(CHROMIUM);
const inCi = !!process.env.CI;
if (!hasChromium && !inCi) {
  console.warn(`e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium). In CI this suite always runs.`);
}
const describeE2e = hasChromium || inCi ? describe : describe.skip;

const EMPLOYEE = '29:ana';
const SUPERVISOR = '29:sofia';
const ENGINEER = '29:ivan';
const CHANNEL = 'Soporte';
const ENGLISH_EMPLOYEE = '29:jorge';
/** Ana's manager in config/directory.json: he approves her shared-mailbox request. */
const MANAGER = '29:jorge';
/** Words of the Spanish interface that an English-speaking person must never see. */
const SPANISH_UI = /\b(Nueva solicitud|Mis casos|Ayuda|Guardar|Describa|Teléfono|Estado|Solicitante|Prioridad|Creado|Sin asignar|Su caso)\b/;

jest.setTimeout(120_000);

describeE2e('Mesa de Ayuda in the Agents Playground', () => {
  let dir: string;
  let app: App;
  let botUrl: string;
  let proxy: { url: string; close(): Promise<void> } | undefined;
  let supportPort: number;
  let employeePg: Playground | undefined;
  let supportPg: Playground | undefined;
  let browser: BrowserContext | undefined;
  let employee: Page;
  let support: Page;
  let radicado = '';
  let botDirect = '';

  const log = (name: string) => path.join(dir, `${name}.log`);

  /** A fresh page for a Playground, waiting for the bot's welcome (the install handshake). */
  async function open(pg: Playground): Promise<Page> {
    const page = await browser!.newPage();
    await page.goto(pg.url);
    await page.locator('[data-lexical-editor]').first().waitFor({ timeout: 30_000 });
    return page;
  }

  beforeAll(async () => {
    dir = tempDir();
    const bot = await startBot(dir);
    app = bot.app;
    proxy = await startLocaleProxy(bot.url);
    botUrl = proxy.url;
    supportPort = await freePort();
    browser = await launchChromium(path.join(dir, 'chromium-profile'));

    // The supervisor registers the support channel as the queue.
    supportPg = await startPlayground({ botUrl, port: supportPort, configPath: configFor(SUPERVISOR, dir), logFile: log('pg-supervisor') });
    const sup = await open(supportPg);
    await openConversation(sup, CHANNEL);
    await postInChannel(sup, 'Mesa de Ayuda', 'registrar cola');
    await sup.getByText(/quedó registrado como cola de soporte/).last().waitFor({ timeout: 30_000 });
    await shot(sup, '00-supervisor-registers-queue');
    await sup.close();
    await supportPg.stop();

    botDirect = bot.url;
    // The engineer signs in on the same support "computer" (same serviceUrl), the employee on another.
    supportPg = await startPlayground({ botUrl, port: supportPort, configPath: configFor(ENGINEER, dir), logFile: log('pg-engineer') });
    employeePg = await startPlayground({ botUrl, port: await freePort(), configPath: configFor(EMPLOYEE, dir), logFile: log('pg-employee') });
    support = await open(supportPg);
    employee = await open(employeePg);
  }, 150_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await employeePg?.stop();
    await supportPg?.stop();
    await proxy?.close();
    await app?.stop();
  });

  /** Walks the catalog from the welcome card ("Nueva solicitud") through the given buttons to a template's form. */
  async function openForm(page: Page, steps: string[]) {
    // Earlier forms stay in the chat (one may show "Este campo es obligatorio"): the new one is the
    // form after them, waited for by count so that typing never lands on an older one.
    const forms = cards(page).filter({ has: page.getByLabel(/Describa el problema/) });
    const before = await forms.count();
    await clickButton(page, 'Nueva solicitud');
    for (const step of steps) await clickButton(page, step);
    // Each step replaces its card in place, so the form may sit above newer messages: find it by its fields.
    const form = forms.nth(before);
    await expectSeen(page, form, 'new-form', 20_000);
    return form;
  }

  /** Ana, in her chat: "Falla de conexión a la VPN" from the catalog, described, "Guardar". */
  async function saveVpnFailure(description: string) {
    await openConversation(employee, 'Personal Chat');
    // "ayuda" answers with a new help card: wait for it, so "Nueva solicitud" is pressed on that one.
    const helps = cards(employee).filter({ hasText: '¿Cómo le ayudo?' });
    const helpsBefore = await helps.count();
    await typeMessage(employee, 'ayuda');
    await expectSeen(employee, helps.nth(helpsBefore), 'help-card');
    const form = await openForm(employee, ['Mesa de servicio primer nivel', 'Acceso remoto', 'Falla de conexión a la VPN']);
    await form.getByLabel(/Describa el problema/).fill(description);
    await form.getByLabel(/Teléfono de contacto/).fill('300 123 4567');
    await clickButton(employee, 'Guardar', form);
  }

  const openRemoteAccessForm = (page: Page) =>
    openForm(page, ['Mesa de servicio primer nivel', 'Acceso remoto', 'Ver todas las plantillas', 'Solicitud de acceso remoto (VPN / escritorio remoto)']);

  it('lets an employee file a request from the catalog, get a radicado and ask for its status', async () => {
    await shot(employee, '01-employee-welcome');
    const form = await openRemoteAccessForm(employee);
    await choose(employee, form, /Tipo de acceso/, 'VPN');
    // "Fecha desde…" opens with today's date (the catalog's "default": "today"): nothing to pick.
    await form.getByLabel(/Describa el problema/).fill('Necesito VPN para trabajar desde casa esta semana.');
    await form.getByLabel(/Teléfono de contacto/).fill('300 123 4567');
    await shot(employee, '02-employee-form');
    await clickButton(employee, 'Guardar', form);

    // The first case of the year in a fresh database (the welcome card shows an example number).
    const year = new Intl.DateTimeFormat('en', { timeZone: 'America/Bogota', year: 'numeric' }).format(new Date());
    radicado = `MDA-${year}-000001`;
    await employee.getByText(radicado, { exact: true }).last().waitFor({ timeout: 30_000 });
    await shot(employee, '03-employee-radicado', 'employee.png');

    await typeMessage(employee, `estado del radicado ${radicado}`);
    await employee.getByText(/Estado/).last().waitFor({ timeout: 30_000 });
    await expect(cards(employee).last().innerText()).resolves.toContain(radicado);
    await shot(employee, '04-employee-status');
  });

  it('delivers the case to the support channel, where an engineer takes it and replies to the employee', async () => {
    expect(radicado).not.toBe('');
    await openConversation(support, CHANNEL);
    const card = cards(support).filter({ hasText: radicado }).last();
    await card.waitFor({ timeout: 30_000 });
    await card.scrollIntoViewIfNeeded();
    await shot(support, '05-support-queue-card');

    await clickButton(support, 'Tomar', card);
    const taken = cards(support).filter({ hasText: radicado }).last();
    const reply = taken.getByLabel(/Escriba su respuesta/);
    await reply.waitFor({ timeout: 30_000 });
    await reply.fill('Hola Ana, ya creamos su usuario de VPN. ¿Puede probar ahora?');
    await clickButton(support, 'Responder', taken);
    await taken.getByText(/Iván Ingeniero/).first().waitFor({ timeout: 30_000 });
    await taken.scrollIntoViewIfNeeded();
    await shot(support, '06-support-replied', 'support.png');

    await openConversation(employee, 'Personal Chat');
    await employee.getByText(/ya creamos su usuario de VPN/).last().waitFor({ timeout: 30_000 });
    await shot(employee, '07-employee-sees-reply');
  });

  it('lets the engineer resolve the case with a note, and the employee reopen it with a reason', async () => {
    expect(radicado).not.toBe('');
    await openConversation(support, CHANNEL);
    const card = cards(support).filter({ hasText: radicado }).last();
    const note = card.getByLabel(/Nota de solución/);
    await note.waitFor({ timeout: 30_000 });
    // Typed key by key, as a person does: the Playground's renderer misses a programmatic fill of
    // this second box (the value shows but is not sent), which no person would do.
    await note.click();
    await note.pressSequentially('Se creó el usuario de VPN y se probó la conexión con Ana.');
    await clickButton(support, 'Resolver', card);
    const resolved = cards(support).filter({ hasText: radicado }).last();
    // The card updated in place: its state, and the note as the solution (not only in the box).
    await resolved.getByText('Resuelto', { exact: true }).first().waitFor({ timeout: 30_000 });
    await expect(resolved.innerText()).resolves.toMatch(/Solución:\s*Se creó el usuario de VPN/);
    await resolved.scrollIntoViewIfNeeded();
    await shot(support, '09-support-resolved-with-note');

    await openConversation(employee, 'Personal Chat');
    await typeMessage(employee, `estado del radicado ${radicado}`);
    const status = cards(employee).filter({ hasText: radicado }).filter({ has: employee.getByRole('button', { name: 'Reabrir', exact: true }) }).last();
    await status.waitFor({ timeout: 30_000 });
    await clickButton(employee, 'Reabrir', status);
    const ask = cards(employee).filter({ has: employee.getByLabel(/Motivo/) }).last();
    await ask.waitFor({ timeout: 30_000 });
    await ask.getByLabel(/Motivo/).click();
    await ask.getByLabel(/Motivo/).pressSequentially('La VPN se desconecta cada cinco minutos.');
    await shot(employee, '10-employee-reopen-reason');
    await clickButton(employee, 'Reabrir', ask);
    await employee.getByText(/fue reabierto\. Le avisamos a Iván Ingeniero/).last().waitFor({ timeout: 30_000 });
    await shot(employee, '11-employee-reopened');

    // The engineer is told in his chat, with the reason, and the channel card is open again.
    await openConversation(support, 'Personal Chat');
    await support.getByText(/se desconecta cada cinco minutos/).last().waitFor({ timeout: 30_000 });
    await shot(support, '12-engineer-told-of-reopen');
    await openConversation(support, CHANNEL);
    const reopened = cards(support).filter({ hasText: radicado }).filter({ has: support.getByLabel(/Nota de solución/) }).last();
    await reopened.waitFor({ timeout: 30_000 });
    await shot(support, '13-support-card-open-again');
  });

  it('speaks English to a person whose Teams is in English, on every card from the welcome to the status', async () => {
    // Straight to the bot: the Playground sends en-US, as Teams in English does.
    const englishPg = await startPlayground({ botUrl: botDirect, port: await freePort(), configPath: configFor(ENGLISH_EMPLOYEE, dir), logFile: log('pg-english') });
    try {
      const page = await open(englishPg);
      await expectSeen(page, page.getByText(/IT Service Desk|Service Desk/).first(), 'english-welcome');
      await clickButton(page, 'New request');
      await clickButton(page, 'First-level service desk');
      await clickButton(page, 'Remote access');
      await clickButton(page, 'See all templates');
      const templates = await cards(page).last().innerText();
      const title = templates.split('\n').find((l) => /remote access/i.test(l) && /request/i.test(l));
      expect(title).toBeTruthy();
      await clickButton(page, title!.trim());
      const form = cards(page).filter({ has: page.getByLabel(/Describe the problem/) }).last();
      await form.waitFor({ timeout: 20_000 });
      await choose(page, form, /Type of access/, 'VPN');
      await form.getByLabel(/Describe the problem/).fill('I need VPN to work from home this week.');
      await form.getByLabel(/Contact phone/).fill('300 765 4321');
      await shot(page, '20-english-form');
      expect(await form.innerText()).not.toMatch(SPANISH_UI);
      await clickButton(page, 'Save', form);
      const created = cards(page).filter({ hasText: /MDA-\d{4}-\d{6}/ }).last();
      await created.waitFor({ timeout: 30_000 });
      const own = /MDA-\d{4}-\d{6}/.exec(await created.innerText())![0];
      await shot(page, '21-english-radicado');
      expect(await created.innerText()).not.toMatch(SPANISH_UI);
      await typeMessage(page, `status of radicado ${own}`);
      const status = cards(page).filter({ hasText: own }).filter({ hasText: /Status|Assigned to|Assignment/ }).last();
      await status.waitFor({ timeout: 30_000 });
      await shot(page, '22-english-status');
      expect(await status.innerText()).not.toMatch(SPANISH_UI);
      await page.close();
    } finally {
      await englishPg.stop();
    }
  });

  it('keeps the typed phone when the form is saved without a description', async () => {
    await openConversation(employee, 'Personal Chat');
    const form = await openRemoteAccessForm(employee);
    await choose(employee, form, /Tipo de acceso/, 'Escritorio remoto');
    await form.getByLabel(/Teléfono de contacto/).fill('601 234 5678 ext. 123');
    await clickButton(employee, 'Guardar', form);

    // The same card, re-rendered in place with the error and the typed values.
    await form.getByText(/obligatori|requerid|revise|falta/i).first().waitFor({ timeout: 20_000 });
    await expect(form.getByLabel(/Teléfono de contacto/).inputValue()).resolves.toBe('601 234 5678 ext. 123');
    await shot(employee, '08-employee-validation-error');
  });

  it("asks the manager to approve a shared-mailbox request in his chat, refuses a rejection without a reason, and tells the employee once he approves", async () => {
    // Jorge has the app open in his own Teams (Spanish, through the locale proxy). He checks what
    // waits for him first: nothing yet. That message is also where the bot learns his personal chat.
    const managerPg = await startPlayground({ botUrl, port: await freePort(), configPath: configFor(MANAGER, dir), logFile: log('pg-manager') });
    try {
      const manager = await open(managerPg);
      await typeMessage(manager, 'mis aprobaciones');
      await manager.getByText('No tiene solicitudes esperando su aprobación.').last().waitFor({ timeout: 30_000 });
      await shot(manager, '30-manager-nothing-to-approve');

      // Ana files the request from the catalog, filling every input by its label.
      await openConversation(employee, 'Personal Chat');
      // Her earlier cards were replaced in place by forms and statuses: she asks in words.
      await typeMessage(employee, 'nueva solicitud');
      await clickButton(employee, 'Correo y colaboración');
      await clickButton(employee, 'Buzones compartidos');
      await clickButton(employee, 'Pedir acceso para mí a un buzón compartido');
      const form = cards(employee).filter({ has: employee.getByLabel(/Dirección del buzón compartido/) }).last();
      await form.waitFor({ timeout: 20_000 });
      await form.getByLabel(/Dirección del buzón compartido/).fill('pqrs@entidad.gov.co');
      await choose(employee, form, /Tipo de acceso/, 'Leer y enviar como el buzón');
      await form.getByLabel(/¿Para qué lo necesita\?/).fill('Reemplazo a Carlos en las PQRS durante sus vacaciones.');
      await form.getByLabel(/Describa/).fill('Necesito acceso al buzón de PQRS desde el lunes.');
      await form.getByLabel(/Teléfono de contacto/).fill('300 123 4567');
      await shot(employee, '31-employee-mailbox-form');
      await clickButton(employee, 'Guardar', form);
      const filed = cards(employee).filter({ hasText: 'Pendiente de aprobación de Jorge Jefe de Área.' }).last();
      await filed.waitFor({ timeout: 30_000 });
      const own = /MDA-\d{4}-\d{6}/.exec(await filed.innerText())![0];
      await filed.scrollIntoViewIfNeeded();
      await shot(employee, '32-employee-pending-approval');

      // The approval card arrives in Jorge's chat by itself (the bot knows his chat from his message).
      const request = cards(manager).filter({ hasText: `Solicitud para aprobar: ${own}` }).last();
      await request.waitFor({ timeout: 30_000 });
      const text = await request.innerText();
      expect(text).toContain('Ana Empleada pide su aprobación.');
      expect(text).toContain('pqrs@entidad.gov.co');
      expect(text).toContain('Leer y enviar como el buzón');
      expect(text).toContain('Reemplazo a Carlos en las PQRS');
      await request.getByLabel(/Motivo \(obligatorio para rechazar\)/).waitFor({ timeout: 20_000 });
      await request.scrollIntoViewIfNeeded();
      await shot(manager, '33-manager-approval-card');

      // "Rechazar" with no reason: the same card, the reason asked for, the buttons still there.
      await clickButton(manager, 'Rechazar', request);
      const refused = cards(manager).filter({ hasText: /Para rechazar, escriba el motivo/ }).last();
      await refused.waitFor({ timeout: 30_000 });
      await expect(refused.getByRole('button', { name: 'Aprobar', exact: true }).count()).resolves.toBe(1);
      await expect(refused.getByRole('button', { name: 'Rechazar', exact: true }).count()).resolves.toBe(1);
      await refused.scrollIntoViewIfNeeded();
      await shot(manager, '34-manager-reject-needs-reason');

      // "Aprobar": the card says what he decided and offers no more decisions.
      await clickButton(manager, 'Aprobar', refused);
      const decided = cards(manager).filter({ hasText: `Solicitud para aprobar: ${own}` }).filter({ hasText: /Usted aprobó la solicitud/ }).last();
      await decided.waitFor({ timeout: 30_000 });
      await expect(decided.innerText()).resolves.toMatch(/Aprobada por Jorge Jefe de Área el /);
      await expect(decided.getByRole('button', { name: 'Aprobar', exact: true }).count()).resolves.toBe(0);
      await expect(decided.getByRole('button', { name: 'Rechazar', exact: true }).count()).resolves.toBe(0);
      await expect(decided.getByLabel(/Motivo/).count()).resolves.toBe(0);
      await decided.scrollIntoViewIfNeeded();
      await shot(manager, '35-manager-approved', 'approver.png');

      // Ana is told in her chat, and the case is now in the support channel's queue.
      await employee.getByText(`Su solicitud ${own} fue aprobada por Jorge Jefe de Área. Ya está en la cola de soporte.`).last().waitFor({ timeout: 30_000 });
      await shot(employee, '36-employee-told-approved');
      await openConversation(support, CHANNEL);
      const queued = cards(support).filter({ hasText: own }).last();
      await queued.waitFor({ timeout: 30_000 });
      await queued.scrollIntoViewIfNeeded();
      await shot(support, '37-support-queue-card-after-approval');

      // Nothing waits for Jorge any more.
      await typeMessage(manager, 'mis aprobaciones');
      await manager.getByText('No tiene solicitudes esperando su aprobación.').nth(1).waitFor({ timeout: 30_000 });
      await manager.close();
    } finally {
      await managerPg.stop();
    }
  });

  it('shows the knowledge base\'s article before "Guardar" files a VPN failure, and files it with what was typed when the article does not help', async () => {
    await saveVpnFailure('La VPN no conecta desde la casa, FortiClient se queda en conectando.');

    const offer = cards(employee).filter({ hasText: '¿Esto resuelve su caso?' }).last();
    await expectSeen(employee, offer, 'article-offer');
    await expect(offer.innerText()).resolves.toContain('La VPN no conecta (FortiClient)');
    // The best article first; its text opens in place.
    await offer.getByRole('button', { name: 'Leer el artículo', exact: true }).first().click();
    await offer.getByText(/Verifique que tiene internet/).first().waitFor({ timeout: 20_000 });
    await offer.scrollIntoViewIfNeeded();
    await shot(employee, '40-employee-article-before-save', 'knowledge.png');
    expect(await offer.innerText()).not.toContain('${');

    await clickButton(employee, 'No, registrar la solicitud', offer);
    // Ana's remote-access request of the first test is still open: the duplicate check asks next, with her text kept.
    const duplicate = cards(employee).filter({ hasText: 'Ya tiene un caso abierto parecido' }).last();
    await expectSeen(employee, duplicate, 'duplicate-check');
    await expect(duplicate.getByLabel(/Su texto|Lo que escribió|texto/i).first().inputValue()).resolves.toContain('FortiClient se queda en conectando');
    await shot(employee, '41-employee-duplicate-after-article');
    await clickButton(employee, 'Registrar uno nuevo de todos modos', duplicate);
    const filed = cards(employee).filter({ hasText: /MDA-\d{4}-\d{6}/ }).filter({ hasText: /Falla de conexión a la VPN/ }).last();
    await filed.waitFor({ timeout: 30_000 });
    await shot(employee, '42-employee-filed-after-article');
  });
  it('lets a supervisor declare a major incident from a case in the channel, and offers it to the next person who files for that service', async () => {
    // The supervisor takes the support "computer" (one Playground per person, same serviceUrl).
    await support.close();
    await supportPg!.stop();
    supportPg = await startPlayground({ botUrl, port: supportPort, configPath: configFor(SUPERVISOR, dir), logFile: log('pg-supervisor-2') });
    const sup = await open(supportPg);
    await openConversation(sup, CHANNEL);
    // In the support channel: "incidente mayor <título>" opens the declaration form.
    await postInChannel(sup, 'Mesa de Ayuda', 'incidente mayor La VPN no conecta para nadie');
    const form = cards(sup).filter({ has: sup.getByLabel(/Título \(lo que verán los afectados\)/) }).last();
    await form.waitFor({ timeout: 30_000 }).catch(async (err) => {
      await shot(sup, 'failed-declare-form').catch(() => undefined);
      throw err;
    });
    await expect(form.getByLabel(/Título \(lo que verán los afectados\)/).inputValue()).resolves.toBe('La VPN no conecta para nadie');
    await form.getByText('Acceso remoto', { exact: true }).first().click();
    await form.getByLabel(/Estado actual/).fill('Estamos revisando con el proveedor.');
    await form.scrollIntoViewIfNeeded();
    await shot(sup, '50-supervisor-declare-incident');
    await clickButton(sup, 'Declarar', form);
    await sup.getByText(/Incidente mayor declarado: «La VPN no conecta para nadie»/).last().waitFor({ timeout: 30_000 });
    // Its master case is posted in the queue channel, with the banner and "Actualizar estado".
    const master = cards(sup).filter({ hasText: '🚨 Incidente mayor: La VPN no conecta para nadie' }).last();
    await master.waitFor({ timeout: 30_000 });
    await expect(master.innerText()).resolves.toContain('Estamos revisando con el proveedor.');
    await master.getByRole('button', { name: 'Actualizar estado', exact: true }).waitFor({ timeout: 20_000 });
    await master.scrollIntoViewIfNeeded();
    await shot(sup, '51-supervisor-master-card', 'incident.png');
    expect(await master.innerText()).not.toContain('${');
    await sup.close();

    // Ana files another VPN failure: the known outage comes first.
    await saveVpnFailure('Tampoco me conecta la VPN en el portátil.');
    const known = cards(employee).filter({ hasText: 'Ya conocemos esta falla' }).last();
    await expectSeen(employee, known, 'known-outage');
    await shot(employee, '52-employee-known-outage');
    await clickButton(employee, 'Sí, me afecta: vincular mi caso', known);
    const linked = cards(employee).filter({ hasText: /Vinculado al incidente mayor MDA-\d{4}-\d{6}: La VPN no conecta para nadie/ }).last();
    await linked.waitFor({ timeout: 30_000 });
    await shot(employee, '53-employee-linked');
  });
});
