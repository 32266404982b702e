/**
 * Issue 23 over HTTP, on the engine of the run: the knowledge base before "Guardar" (nothing typed
 * is lost), for a problem typed in the chat, "¿Le sirvió?", deflection counted honestly with an
 * injected clock, "Crear artículo" on a solved case and a supervisor's publishing, and the message
 * extension (search, select, "Crear radicado con este mensaje") with its permission rules.
 */
import { cardOrText, fileTicket, personalId, queueCard, registerQueue } from '../helpers/desk';
import {
  buttonTitles,
  cardAction,
  cardText,
  channelConversation,
  findAction,
  invoke as invokeActivity,
  invokeCard,
  message,
  press,
  startHarness,
  TENANT,
  TestClock,
  USERS,
  type Harness,
  type TestUser,
} from '../helpers/harness';

jest.setTimeout(60_000);

const VPN_FORM = { network: 'hogar', errorMessage: 'Error 809', description: 'La VPN no conecta desde la casa, se queda en conectando.', phone: '300 123 4567', contactChannel: 'teams' };

/** A message-extension invoke over HTTP; its invoke response's body. */
async function invoke(h: Harness, user: TestUser, name: string, value: unknown, locale = 'es-CO') {
  const res = await h.post(invokeActivity(h, user, name, value, locale));
  expect(res.status).toBe(200);
  return res.body;
}

async function count(h: Harness, user: TestUser) {
  return (await h.app.tickets.listByRequester(user.oid, { limit: 100 })).total;
}

const buttons = buttonTitles;

describe('the knowledge base', () => {
  let h: Harness;
  const clock = new TestClock('2026-11-02T14:00:00Z'); // a Monday, 9:00 in Bogotá

  beforeAll(async () => {
    h = await startHarness({ TICKETS_PER_HOUR: '1000', LOOKUPS_PER_MINUTE: '1000' }, { clock });
    await registerQueue(h);
  });
  afterAll(() => h?.close());

  it('ships the sample articles, validated and searchable', () => {
    expect(h.app.services.knowledge.publishedCount).toBeGreaterThanOrEqual(12);
    expect(h.app.services.knowledge.search('no me conecta la vpn', { locale: 'es' })[0].article.id).toBe('vpn-no-conecta');
  });

  it('offers the best articles before "Guardar" files anything, and "No, registrar la solicitud" files what was typed', async () => {
    const form = invokeCard(await h.post(cardAction(h, USERS.employee, 'catalog.form', { templateId: 'falla-conexion-vpn' })));
    const before = await count(h, USERS.employee);
    const offer = invokeCard(await press(h, USERS.employee, form, 'Guardar', VPN_FORM));
    const text = cardText(offer);
    expect(text.startsWith('¿Esto resuelve su caso?')).toBe(true);
    expect(text).toContain('La VPN no conecta (FortiClient)'.replace(/[()]/g, (c) => `\\${c}`));
    expect(text).toContain('Lo que escribió se conserva');
    const titles = buttons(offer);
    expect(titles).toContain('Sí, ya no necesito ayuda');
    expect(titles[titles.length - 1]).toBe('No, registrar la solicitud');
    // One to three articles, each with its text, read in place.
    const read = titles.filter((t) => t === 'Leer el artículo').length;
    expect(read).toBeGreaterThanOrEqual(1);
    expect(read).toBeLessThanOrEqual(3);
    expect(await count(h, USERS.employee)).toBe(before);

    const filed = invokeCard(await press(h, USERS.employee, offer, 'No, registrar la solicitud'));
    const radicado = /MDA-\d{4}-\d{6}/.exec(cardText(filed))![0];
    const ticket = (await h.app.tickets.getByRadicado(radicado))!;
    expect(ticket).toMatchObject({ templateId: 'falla-conexion-vpn', description: VPN_FORM.description, phone: '+57 300 123 4567' });
    expect(ticket.fieldValues).toEqual({ network: 'hogar', errorMessage: 'Error 809' });
    // "No" to "¿Esto resuelve su caso?": the articles shown did not help (counted once, with the case).
    const shown = titles.filter((t) => t === 'Leer el artículo').length;
    const notHelpful = (await h.app.services.knowledge.deflection(new Date(0), clock.now())).topArticles.reduce((n, a) => n + a.notHelpful, 0);
    expect(notHelpful).toBe(shown);
    // The typed values travel once, on that button, not on every article's: the card stays small.
    expect(JSON.stringify(offer).split(VPN_FORM.description).length - 1).toBe(2); // the button and its fallback
    // Pressed again (a retry, a second click): the same radicado, no second ticket, no second offer.
    expect(cardText(invokeCard(await press(h, USERS.employee, offer, 'No, registrar la solicitud')))).toContain(radicado);
    expect(cardText(invokeCard(await press(h, USERS.employee, form, 'Guardar', VPN_FORM)))).toContain(radicado);
    expect(await count(h, USERS.employee)).toBe(before + 1);
    expect((await h.app.services.knowledge.deflection(new Date(0), clock.now())).topArticles.reduce((n, a) => n + a.notHelpful, 0)).toBe(shown);
  });

  it('files a pure request (no article can answer it) at once', async () => {
    const form = invokeCard(await h.post(cardAction(h, USERS.manager, 'catalog.form', { templateId: 'solicitud-acceso-remoto' })));
    const done = invokeCard(await press(h, USERS.manager, form, 'Guardar', { accessType: 'vpn', startDate: '2026-11-03', description: 'Necesito VPN para trabajar desde casa.', phone: '300 123 4567', contactChannel: 'teams' }));
    expect(cardText(done)).toMatch(/MDA-\d{4}-\d{6}/);
  });

  it('"Sí, ya no necesito ayuda" files nothing and counts as deflection only if no case for the service follows within 7 days', async () => {
    const kb = h.app.services.knowledge;
    const start = clock.now();
    // Ana is answered by the article on the VPN form (the form's service: acceso-remoto)...
    const form = invokeCard(await h.post(cardAction(h, USERS.stranger, 'catalog.form', { templateId: 'falla-conexion-vpn' })));
    const offer = invokeCard(await press(h, USERS.stranger, form, 'Guardar', VPN_FORM));
    const done = invokeCard(await press(h, USERS.stranger, offer, 'Sí, ya no necesito ayuda'));
    expect(cardText(done)).toContain('No registramos ningún caso');
    expect(buttons(done)).toEqual(expect.arrayContaining(['Nueva solicitud', 'Mis casos']));
    expect(await count(h, USERS.stranger)).toBe(0);
    // ...and Sara by the same article in the chat, who files a VPN case two days later anyway.
    const chat = await ask(h, USERS.secretary, 'no me conecta la vpn desde la casa');
    expect(cardText(chat).startsWith('Esto podría ayudarle')).toBe(true);
    const solved = findAction(chat, 'Sí, ya no necesito ayuda');
    await h.post(cardAction(h, USERS.secretary, solved.verb, solved.data));

    let r = await kb.deflection(start, clock.now());
    expect(r).toMatchObject({ answers: 2, deflected: 0, pending: 2, rate: null });
    clock.advance(2 * 24 * 60);
    await fileTicket(h, USERS.secretary, 'Sigue sin conectar la VPN.');
    // A case for another service does not count against the article.
    clock.advance(60);
    await h.app.services.tickets.file({
      submissionKey: 'kb-other-service-0001', requester: { oid: USERS.stranger.oid, tenantId: TENANT, name: USERS.stranger.name }, locale: 'es', phone: '300 123 4567', contactChannel: 'teams',
      categoryId: 'mesa-servicio-primer-nivel', serviceId: 'impresoras', templateId: 'falla-impresora', fieldValues: {}, description: 'La impresora no imprime.', priority: 'medium',
    });
    r = await kb.deflection(start, clock.now());
    expect(r).toMatchObject({ answers: 2, deflected: 0, pending: 1 });
    expect(r.filedAnyway).toEqual([{ articleId: 'vpn-no-conecta', title: 'La VPN no conecta (FortiClient)', count: 1 }]);
    clock.advance(6 * 24 * 60);
    r = await kb.deflection(start, clock.now());
    expect(r).toMatchObject({ answers: 2, deflected: 1, pending: 0, rate: 50 });
    expect(r.topArticles[0]).toMatchObject({ articleId: 'vpn-no-conecta', answered: 2, helpful: 2 });

    // The supervisor reads it on the metrics card.
    await h.post(message(h, USERS.supervisor, 'indicadores'));
    await h.connector.waitFor(() => h.connector.messagesTo(personalId(USERS.supervisor)).some((m) => cardOrText(m).includes('Base de conocimiento')));
    const metrics = cardOrText(h.connector.messagesTo(personalId(USERS.supervisor)).filter((m) => cardOrText(m).includes('Base de conocimiento')).pop()!);
    expect(metrics).toContain('Casos evitados');
    expect(metrics).toContain('50 % (1 de 2; 0 aún dentro de los 7 días)');
    expect(metrics).toContain('Leyeron el artículo y registraron igual');
  });

  it('a problem typed in the chat gets articles first; "No me sirvió" leaves the templates; searches with no result are counted', async () => {
    const card = await ask(h, USERS.employee, 'se me borró un archivo de onedrive');
    const text = cardText(card);
    expect(text.indexOf('Recuperar')).toBeLessThan(text.indexOf('Si no le sirven, registre su solicitud'));
    const notHelpful = findAction(card, 'No me sirvió');
    const after = invokeCard(await h.post(cardAction(h, USERS.employee, notHelpful.verb, notHelpful.data)));
    expect(cardText(after)).toContain('Estas opciones del catálogo se parecen a lo que me cuenta');
    expect(buttons(after)).toContain('Recuperar archivo borrado de OneDrive o SharePoint');
    expect(buttons(after)).not.toContain('No me sirvió');

    await ask(h, USERS.employee, 'necesito un escritorio y una silla para el puesto nuevo del área');
    const r = await h.app.services.knowledge.deflection(new Date(0), clock.now());
    expect(r.noResult).toEqual(expect.arrayContaining([{ query: 'necesito un escritorio y una silla para el puesto nuevo del área', count: 1 }]));
  });

  it('"Crear artículo" on a solved case drafts it without personal data; a supervisor publishes it and it is found', async () => {
    const ticket = await fileTicket(h, USERS.employee, 'Soy Ana Empleada (ana.empleada@entidad.gov.co, 310 555 1234, cédula 52.123.456). El token de la VPN dice "usuario bloqueado".');
    await queueCard(h, ticket.radicado);
    const agent = { oid: USERS.agent.oid, name: USERS.agent.name, roles: ['agent' as const] };
    expect((await h.app.services.tickets.take(ticket, agent)).ok).toBe(true);
    const taken = (await h.app.tickets.get(ticket.id))!;
    expect((await h.app.services.tickets.setStatus(taken, 'resolve', agent, 'Se desbloqueó el token en la consola de FortiAuthenticator y se sincronizó.')).ok).toBe(true);
    const solved = (await h.app.tickets.get(ticket.id))!;
    expect(solved.status).toBe('resolved');

    // Before: an open case offers no "Crear artículo"; crafted, it is refused on the card, which keeps its buttons.
    const card = invokeCard(await h.post(cardAction(h, USERS.agent, 'queue.refresh', { ticketId: ticket.id }, 'es-CO', channelConversation())));
    expect(buttons(card)).toContain('Crear artículo');
    const after = invokeCard(await press(h, USERS.agent, card, 'Crear artículo', {}, channelConversation()));
    expect(buttons(after)).toContain('Crear artículo');
    await h.connector.waitFor(() => h.connector.sent.some((r) => cardOrText(r).includes('Borrador «Falla de conexión a la VPN» creado')));
    // A stranger's crafted press: exactly the missing-ticket answer, and no second draft.
    const stranger = await h.post(cardAction(h, USERS.stranger, 'kb.draft', { ticketId: ticket.id }));
    const missing = await h.post(cardAction(h, USERS.stranger, 'kb.draft', { ticketId: 999_999 }));
    expect(stranger.body).toEqual(missing.body);

    const drafts = await h.app.services.knowledge.drafts();
    const draft = drafts.find((d) => d.fromRadicado === ticket.radicado)!;
    expect(drafts.filter((d) => d.fromRadicado === ticket.radicado)).toHaveLength(1);
    expect(draft.body).toContain('FortiAuthenticator');
    for (const personal of ['Ana', 'Empleada', 'ana.empleada@entidad.gov.co', '310 555 1234', '52.123.456', ticket.radicado]) expect(draft.body).not.toContain(personal);
    expect(draft.body).toContain('[dato personal]');

    // A draft is not searchable, and for an employee it does not exist.
    expect(h.app.services.knowledge.search('token fortiauthenticator bloqueado').map((x) => x.article.id)).not.toContain(draft.id);
    const asEmployee = await h.post(cardAction(h, USERS.employee, 'kb.show', { articleId: draft.id }));
    const unknown = await h.post(cardAction(h, USERS.employee, 'kb.show', { articleId: 'no-existe-este-articulo' }));
    expect(asEmployee.body).toEqual(unknown.body);

    // The supervisor reviews it ("borradores"), fixes the title, publishes.
    await h.post(message(h, USERS.supervisor, 'borradores'));
    await h.connector.waitFor(() => h.connector.messagesTo(personalId(USERS.supervisor)).some((m) => cardOrText(m).includes('Borradores de artículos')));
    const list = h.connector.messagesTo(personalId(USERS.supervisor)).filter((m) => cardOrText(m).includes('Borradores de artículos')).pop()!.body.attachments[0].content;
    const review = invokeCard(await press(h, USERS.supervisor, list, 'Revisar'));
    expect(cardText(review)).toContain('Revise que no queden datos personales');
    const tooShort = invokeCard(await press(h, USERS.supervisor, review, 'Publicar', { title: 'VPN', body: 'corto' }));
    expect(buttons(tooShort)).toEqual(expect.arrayContaining(['Publicar', 'Descartar']));
    expect((await h.app.services.knowledge.get(draft.id))!.state).toBe('draft');
    const published = invokeCard(await press(h, USERS.supervisor, review, 'Publicar', { title: 'El token de la VPN dice usuario bloqueado', body: `${draft.body}\n\nSi vuelve a pasar, pida el desbloqueo del token.` }));
    expect(cardText(published)).toContain('Publicado: «El token de la VPN dice usuario bloqueado»');
    expect(h.app.services.knowledge.search('el token de la vpn dice usuario bloqueado')[0].article.id).toBe(draft.id);
    const versions = await h.app.storage.knowledge.versions(draft.id);
    expect(versions.map((v) => [v.version, v.state])).toEqual([[1, 'draft'], [2, 'published']]);
    expect(versions[1].title).toBe('El token de la VPN dice usuario bloqueado');
    // Published twice (two supervisors at once): the second is told, nothing changes.
    const again = invokeCard(await press(h, USERS.supervisor, review, 'Publicar', { title: 'Otro título', body: 'Otro texto del artículo, más largo.' }));
    expect(cardText(again)).toContain('Ese borrador ya no está pendiente');
    expect((await h.app.services.knowledge.get(draft.id))!.version).toBe(2);
  });

  describe('the message extension', () => {
    it('searches articles and the caller\'s own radicados; a ticket card shows only the radicado, service and state', async () => {
      const mine = await fileTicket(h, USERS.employee, 'La impresora del tercer piso no imprime nada.');
      const theirs = await fileTicket(h, USERS.manager, 'Mi teléfono no tiene tono.');
      const body = await invoke(h, USERS.employee, 'composeExtension/query', { commandId: 'buscar', parameters: [{ name: 'q', value: 'impresora' }] });
      const items = body.composeExtension.attachments;
      expect(body.composeExtension.type).toBe('result');
      const previews = items.map((a: any) => a.preview.content.title);
      expect(previews[0]).toBe('La impresora no imprime o el escaneo no llega al correo');
      expect(previews).toContain(mine.radicado);
      const ticketItem = items.find((a: any) => a.preview.content.title === mine.radicado);
      const inserted = JSON.stringify(ticketItem.content);
      expect(inserted).toContain('Acceso remoto › Falla de conexión a la VPN');
      expect(inserted).not.toContain('tercer piso');
      expect(inserted).not.toContain('300 123 4567');

      // Someone else's radicado, typed whole: nothing (as for one that does not exist).
      const other = await invoke(h, USERS.employee, 'composeExtension/query', { commandId: 'buscar', parameters: [{ name: 'q', value: theirs.radicado }] });
      const none = await invoke(h, USERS.employee, 'composeExtension/query', { commandId: 'buscar', parameters: [{ name: 'q', value: 'MDA-2026-999999' }] });
      expect(other).toEqual(JSON.parse(JSON.stringify(none).replace('MDA-2026-999999', theirs.radicado)));
      expect(JSON.stringify(other)).not.toContain('teléfono');
      // Select item: an article; a crafted ticket id of someone else is refused like a missing one.
      const article = await invoke(h, USERS.employee, 'composeExtension/selectItem', { kind: 'article', id: 'impresora-no-imprime' });
      const inserted2 = article.composeExtension.attachments[0].content;
      expect(cardText(inserted2)).toContain('La impresora no imprime');
      // "¿Le sirvió?" on the inserted article too: a reader's answer keeps the article, with the thanks.
      expect(cardText(inserted2)).toContain('¿Le sirvió?');
      const thanks = invokeCard(await press(h, USERS.manager, inserted2, 'Sí, ya no necesito ayuda'));
      expect(cardText(thanks)).toContain('¡Gracias! Nos alegra que le sirviera.');
      expect(cardText(thanks)).toContain('La impresora no imprime');
      expect(buttons(thanks)).toEqual([]);
      const crafted = await invoke(h, USERS.employee, 'composeExtension/selectItem', { kind: 'ticket', id: theirs.id });
      const missing = await invoke(h, USERS.employee, 'composeExtension/selectItem', { kind: 'ticket', id: 999_999 });
      expect(crafted).toEqual(missing);
      const own = await invoke(h, USERS.employee, 'composeExtension/selectItem', { kind: 'ticket', id: mine.id });
      expect(JSON.stringify(own)).toContain(mine.radicado);
      // In English, by the Teams locale.
      const en = await invoke(h, USERS.employee, 'composeExtension/query', { commandId: 'buscar', parameters: [{ name: 'q', value: 'forgot my password' }] }, 'en-US');
      expect(en.composeExtension.attachments[0].preview.content.title).toBe('Reset your password with self-service (aka.ms/sspr)');
    });

    it('"Crear radicado con este mensaje" opens a dialog with the message text, then the form, then files it', async () => {
      const before = await count(h, USERS.secretary);
      const payload = { commandId: 'crearRadicado', commandContext: 'message', messagePayload: { body: { contentType: 'html', content: '<p>Hola, el correo de Outlook no me sincroniza desde ayer&nbsp;en el portátil.</p>' } } };
      const first = await invoke(h, USERS.secretary, 'composeExtension/fetchTask', payload);
      const dialog = first.task.value.card.content;
      expect(first.task.type).toBe('continue');
      expect(cardText(dialog)).toContain('Crear radicado con este mensaje');
      // Dialogs take Action.Submit: no Action.Execute left.
      expect(JSON.stringify(dialog)).not.toContain('Action.Execute');
      const choose = findAction(dialog, 'Falla del correo (Outlook)');
      expect(choose.data.description).toBe('Hola, el correo de Outlook no me sincroniza desde ayer en el portátil.');
      const formBody = await invoke(h, USERS.secretary, 'composeExtension/submitAction', { commandId: 'crearRadicado', data: choose.data });
      const form = formBody.task.value.card.content;
      expect(cardText(form)).toContain('Nueva solicitud: Falla del correo \\(Outlook\\)');
      const save = findAction(form, 'Guardar');
      expect(save.type).toBe('Action.Submit');
      const inputs = { client: 'outlook-escritorio', description: choose.data.description, phone: '300 123 4567', contactChannel: 'teams' };
      let step = (await invoke(h, USERS.secretary, 'composeExtension/submitAction', { commandId: 'crearRadicado', data: { ...save.data, ...inputs } })).task.value.card.content;
      if (cardText(step).startsWith('¿Esto resuelve su caso?')) {
        const file = findAction(step, 'No, registrar la solicitud');
        step = (await invoke(h, USERS.secretary, 'composeExtension/submitAction', { commandId: 'crearRadicado', data: file.data })).task.value.card.content;
      }
      const radicado = /MDA-\d{4}-\d{6}/.exec(cardText(step))?.[0];
      expect({ radicado, card: radicado ? '' : cardText(step) }).toEqual({ radicado: expect.stringMatching(/^MDA-/), card: '' });
      expect(await count(h, USERS.secretary)).toBe(before + 1);
      expect((await h.app.tickets.getByRadicado(radicado!))!.requester.oid).toBe(USERS.secretary.oid);
      // A crafted verb in the dialog goes through the same gate: a supervisor-only verb is refused.
      const refused = await invoke(h, USERS.secretary, 'composeExtension/submitAction', { commandId: 'crearRadicado', data: { verb: 'kb.drafts' } });
      expect(cardText(refused.task.value.card.content)).toMatch(/Solo un supervisor/);
    });
  });
});

/** Sends a text message in the personal chat and returns the card the bot answered with. */
async function ask(h: Harness, user: TestUser, text: string): Promise<any> {
  const activity = message(h, user, text);
  const isReply = (r: any) => r.body?.replyToId === activity.id;
  expect((await h.post(activity)).status).toBeLessThan(300);
  await h.connector.waitFor(() => h.connector.sent.some(isReply));
  return h.connector.sent.find(isReply)!.body.attachments?.[0]?.content;
}

