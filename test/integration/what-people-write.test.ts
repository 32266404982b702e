/**
 * Issue 19 over HTTP: what the bot answers when people write in their own words — a problem becomes
 * catalog options whose form opens with the text; a status question without a number answers the
 * requester's open case(s); unknown text says what the bot can do, with buttons.
 */
import { cardOrText, fileTicket, messagesWith, personalId, queueCard, registerQueue, threadId, waitForMessage } from '../helpers/desk';
import {
  buttonTitles,
  cardAction,
  cardText,
  channelMessage,
  findAction,
  invokeCard,
  message,
  startHarness,
  TEAM,
  USERS,
  type Harness,
  type TestUser,
} from '../helpers/harness';

jest.setTimeout(60_000);

/** Sends a text message in the personal chat and returns the card (or text) the bot answered with. */
async function ask(h: Harness, user: TestUser, text: string, locale = 'es-CO'): Promise<any> {
  const activity = message(h, user, text, locale);
  const isReply = (r: any) => r.body?.replyToId === activity.id;
  const res = await h.post(activity);
  expect(res.status).toBeLessThan(300);
  await h.connector.waitFor(() => h.connector.sent.some(isReply));
  const reply = h.connector.sent.find(isReply)!;
  return reply.body.attachments?.[0]?.content ?? { text: reply.body.text };
}

/** Presses a button of a card in the given language and returns the card that replaces it. */
async function pressIn(h: Harness, user: TestUser, card: any, title: string, locale: string, inputs: Record<string, string> = {}) {
  const action = findAction(card, title);
  return invokeCard(await h.post(cardAction(h, user, action.verb, { ...(action.data ?? {}), ...inputs }, locale)));
}

/** The buttons of the knowledge base's articles on a card (read, and "¿Le sirvió?"). */
const ARTICLE_BUTTONS = new Set(['Leer el artículo', 'Sí, ya no necesito ayuda', 'No me sirvió', 'Read the article', "Yes, I don't need help anymore", 'It did not help']);

/** The value of a form input, as the person sees it typed in the box. */
function inputValue(card: any, id: string): string | undefined {
  let found: string | undefined;
  const walk = (n: any) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n && typeof n === 'object') {
      if (n.id === id && typeof n.type === 'string' && n.type.startsWith('Input.')) found = n.value ?? '';
      Object.values(n).forEach(walk);
    }
  };
  walk(card);
  return found;
}

const ticketCount = async (h: Harness, u: TestUser) => (await h.app.tickets.listByRequester(u.oid, { limit: 1 })).total;

describe('what people write (issue 19)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ TICKETS_PER_HOUR: '100' });
  });
  afterEach(async () => {
    await h?.close();
  });

  describe('a problem described directly', () => {
    it('"no me funciona la impresora" offers the printer article first, then the printer templates; the chosen form opens with the text, and only "Guardar" files it', async () => {
      const offer = await ask(h, USERS.employee, 'Buenas tardes, no me funciona la impresora del piso 3');
      const seen = cardText(offer);
      // Articles first: the knowledge base may solve it now.
      expect(seen.startsWith('Esto podría ayudarle')).toBe(true);
      expect(seen.indexOf('La impresora no imprime o el escaneo no llega al correo')).toBeGreaterThan(0);
      expect(seen.indexOf('La impresora no imprime o el escaneo no llega al correo')).toBeLessThan(seen.indexOf('Si no le sirven, registre su solicitud'));
      expect(seen).toContain('Nada se registra hasta que pulse "Guardar"');
      const all = buttonTitles(offer);
      expect(all.slice(0, 3)).toEqual(['Leer el artículo', 'Sí, ya no necesito ayuda', 'No me sirvió']);
      const titles = all.filter((t) => !ARTICLE_BUTTONS.has(t));
      expect(titles[0]).toBe('Falla de impresora o escáner');
      expect(titles.length).toBeGreaterThanOrEqual(2);
      expect(titles.length).toBeLessThanOrEqual(4); // two or three templates and "Otra opción del catálogo"
      expect(titles[titles.length - 1]).toBe('Otra opción del catálogo');
      expect(await ticketCount(h, USERS.employee)).toBe(0);

      const form = await pressIn(h, USERS.employee, offer, 'Falla de impresora o escáner', 'es-CO');
      expect(cardText(form)).toContain('Nueva solicitud: Falla de impresora o escáner');
      expect(inputValue(form, 'description')).toBe('Buenas tardes, no me funciona la impresora del piso 3');
      findAction(form, 'Guardar');
      expect(await ticketCount(h, USERS.employee)).toBe(0);

      const typed = { printer: 'Piso 3, impresora de Contratos', problem: 'no-imprime', description: inputValue(form, 'description')!, phone: '300 123 4567', contactChannel: 'teams' };
      // "Guardar" shows the articles for what was typed once more, before filing; nothing is filed yet.
      const before = await pressIn(h, USERS.employee, form, 'Guardar', 'es-CO', typed);
      expect(cardText(before)).toContain('¿Esto resuelve su caso?');
      expect(await ticketCount(h, USERS.employee)).toBe(0);
      const saved = await pressIn(h, USERS.employee, before, 'No, registrar la solicitud', 'es-CO');
      const radicado = /MDA-\d{4}-\d{6}/.exec(cardText(saved))?.[0];
      expect(radicado).toBeTruthy();
      const ticket = (await h.app.tickets.getByRadicado(radicado!))!;
      expect(ticket.templateId).toBe('falla-impresora');
      expect(ticket.description).toBe('Buenas tardes, no me funciona la impresora del piso 3');
      expect(ticket.fieldValues).toMatchObject({ printer: 'Piso 3, impresora de Contratos', problem: 'no-imprime' });
      expect(await ticketCount(h, USERS.employee)).toBe(1);
    });

    it('answers in English, and "Another catalog option" opens the catalog', async () => {
      const offer = await ask(h, USERS.employee, "I can't connect to the VPN", 'en-US');
      expect(cardText(offer).startsWith('This may help')).toBe(true);
      expect(cardText(offer)).toContain('The VPN does not connect');
      expect(cardText(offer)).toContain('If they do not help, file your request');
      expect(buttonTitles(offer).filter((t) => !ARTICLE_BUTTONS.has(t))[0]).toBe('VPN connection problem');
      expect(cardText(offer)).not.toContain('Otra opción');
      const form = await pressIn(h, USERS.employee, offer, 'VPN connection problem', 'en-US');
      expect(inputValue(form, 'description')).toBe("I can't connect to the VPN");
      const catalog = await pressIn(h, USERS.employee, offer, 'Another catalog option', 'en-US');
      expect(cardText(catalog)).toContain('Service catalog: choose a category');
      expect(await ticketCount(h, USERS.employee)).toBe(0);
    });

    it('offers the templates alone, as before, when no article fits', async () => {
      const offer = await ask(h, USERS.employee, 'necesito un escritorio y una silla para el puesto nuevo del área');
      const seen = cardText(offer);
      expect(seen).toContain('Estas opciones del catálogo se parecen a lo que me cuenta');
      expect(buttonTitles(offer).some((t) => ARTICLE_BUTTONS.has(t))).toBe(false);
    });

    it('offers only templates the person\'s role may use', async () => {
      const text = 'necesito acceso al buzón compartido de correspondencia';
      const employee = buttonTitles(await ask(h, USERS.employee, text)).filter((t) => !ARTICLE_BUTTONS.has(t));
      expect(employee).not.toContain('Acceso a buzón compartido');
      const manager = buttonTitles(await ask(h, USERS.manager, text)).filter((t) => !ARTICLE_BUTTONS.has(t));
      expect(manager[0]).toBe('Acceso a buzón compartido');
    });

    it('re-validates a prefilled description: one over the form\'s limit is not put in the form', async () => {
      const form = invokeCard(await h.post(cardAction(h, USERS.employee, 'catalog.form', { templateId: 'falla-impresora', description: 'x'.repeat(4001) })));
      expect(inputValue(form, 'description')).toBe('');
      const odd = invokeCard(await h.post(cardAction(h, USERS.employee, 'catalog.form', { templateId: 'falla-impresora', description: { text: 'no' } })));
      expect(inputValue(odd, 'description')).toBe('');
      const ok = invokeCard(await h.post(cardAction(h, USERS.employee, 'catalog.form', { templateId: 'falla-impresora', description: '  La impresora no imprime.\r\n' })));
      expect(inputValue(ok, 'description')).toBe('La impresora no imprime.');
      // A template outside the person's profile stays refused, prefilled or not.
      const refused = await h.post(cardAction(h, USERS.employee, 'catalog.form', { templateId: 'acceso-buzon-compartido', description: 'hola' }));
      expect(JSON.stringify(refused.body)).not.toContain('Nueva solicitud: Acceso a buzón compartido');
    });

    it('is still a reply when a case is in conversation with an engineer', async () => {
      await registerQueue(h);
      const ticket = await fileTicket(h);
      await queueCard(h, ticket.radicado);
      const rootId = (await h.app.tickets.get(ticket.id))!.queueActivityId!;
      expect((await h.app.services.tickets.take(ticket, { oid: USERS.agent.oid, name: USERS.agent.name, roles: ['agent'] })).ok).toBe(true);
      await h.post(message(h, USERS.employee, 'ya reinicié y la VPN sigue sin conectar'));
      await waitForMessage(h, personalId(USERS.employee), `Mensaje enviado al caso ${ticket.radicado}`);
      // Relayed to the queue thread through the outbox (give a loaded machine time).
      await h.connector.waitFor(() => messagesWith(h, threadId(rootId), 'Ana Empleada', 'ya reinicié y la VPN sigue sin conectar').length > 0, 20_000);
      expect(messagesWith(h, personalId(USERS.employee), 'Estas opciones del catálogo')).toEqual([]);
    });
  });

  describe('a status question without a number', () => {
    it('with no open case says so, with buttons', async () => {
      const none = await ask(h, USERS.employee, '¿en qué va mi caso?');
      expect(cardText(none)).toContain('No tiene casos abiertos');
      expect(buttonTitles(none)).toEqual(['Nueva solicitud', 'Mis casos', 'Ayuda']);
      const en = await ask(h, USERS.employee, 'any update on my ticket?', 'en-US');
      expect(cardText(en)).toContain('You have no open tickets');
      expect(buttonTitles(en)).toEqual(['New request', 'My tickets', 'Help']);
    });

    it('with one open case answers that case\'s status card; with several, a button for each', async () => {
      const first = await fileTicket(h);
      const one = cardText(await ask(h, USERS.employee, 'Buenas tardes, me colabora con el estado de mi caso'));
      expect(one).toContain(first.radicado);
      expect(one).toContain('Nuevo, en cola');
      expect(one).toContain('Acceso remoto');

      const second = await fileTicket(h, USERS.employee, 'Tampoco abre la VPN en el portátil.');
      const third = await fileTicket(h, USERS.employee, 'La VPN se desconecta cada cinco minutos.');
      // A closed case is not offered.
      expect((await h.app.services.tickets.cancel(third, { oid: USERS.employee.oid, name: USERS.employee.name, roles: ['employee'] })).ok).toBe(true);
      const several = await ask(h, USERS.employee, 'ya le asignaron ingeniero a mi solicitud?');
      expect(cardText(several)).toContain('Tiene 2 casos abiertos. ¿De cuál quiere saber en qué va?');
      expect(buttonTitles(several)).toEqual([`${first.radicado} · Acceso remoto`, `${second.radicado} · Acceso remoto`]);
      const status = await pressIn(h, USERS.employee, several, `${second.radicado} · Acceso remoto`, 'es-CO');
      expect(cardText(status)).toContain(second.radicado);
      expect(cardText(status)).toContain('Tampoco abre la VPN en el portátil.');

      const en = await ask(h, USERS.employee, "what's the status of my request?", 'en-US');
      expect(cardText(en)).toContain('You have 2 open tickets. Which one do you want to know about?');
      expect(buttonTitles(en)).toEqual([`${first.radicado} · Remote access`, `${second.radicado} · Remote access`]);
    });

    it('shows nobody\'s cases in a channel: it asks for the number', async () => {
      const own = await fileTicket(h, USERS.agent);
      const conv = TEAM.channelId;
      const seen = h.connector.messagesTo(conv).length;
      await h.post(channelMessage(h, USERS.agent, '¿en qué va mi caso?'));
      await h.connector.waitFor(() => h.connector.messagesTo(conv).length > seen);
      const said = h.connector.messagesTo(conv).slice(seen).map(cardOrText).join('\n');
      expect(said).toContain('Indique el número de radicado');
      expect(said).not.toContain(own.radicado);
    });
  });

  describe('text the bot does not understand', () => {
    it('gets a short answer with what the bot can do and the main buttons, in Spanish and English', async () => {
      const es = await ask(h, USERS.employee, 'qwerty asdf zxcv');
      expect(cardText(es)).toContain('No entendí su mensaje. Puedo registrar una solicitud');
      expect(cardText(es)).toContain('mostrarle sus casos');
      expect(buttonTitles(es)).toEqual(['Nueva solicitud', 'Mis casos', 'Ayuda']);
      const en = await ask(h, USERS.employee, 'never mind', 'en-US');
      expect(cardText(en)).toContain('I did not understand that. I can file a request');
      expect(buttonTitles(en)).toEqual(['New request', 'My tickets', 'Help']);
    });

    it('phones, asset tags and Orfeo radicados are never looked up as a radicado', async () => {
      const ticket = await fileTicket(h);
      for (const text of ['mi celular es 3104567890', 'la placa del computador es 004512', 'el radicado de Orfeo es 20261100012345', '¿en qué va el radicado de Orfeo 20265210004562?']) {
        const said = cardText(await ask(h, USERS.employee, text));
        expect({ text, understood: said.includes('No entendí su mensaje') }).toEqual({ text, understood: true });
        expect(said).not.toContain('No encontré el radicado');
        expect(said).not.toContain(ticket.radicado);
      }
    });
  });
});
