/**
 * Every card template, rendered by the real app with realistic data in Spanish and in English, as
 * people meet it (issue 20, defect 1): no `${…}` may be left in any text, title, label or placeholder.
 */
import { messages } from '../../src/i18n';
import { CARD_NAMES, type CardName } from '../../src/teams/cards';
import { drained, REMOTE_ACCESS_FORM, registerQueue } from '../helpers/desk';
import { cardAction, cardText, channelConversation, installPersonal, invokeCard, message, startHarness, USERS, type Harness, type TestUser } from '../helpers/harness';

jest.setTimeout(60_000);

type Lang = 'es' | 'en';

describe('every card template in both languages', () => {
  let h: Harness;
  const rendered: { name: CardName; lang: Lang | '?'; json: string }[] = [];

  beforeAll(async () => {
    h = await startHarness({ TICKETS_PER_HOUR: '1000' });
    const cards = h.app.services.cards;
    const render = cards.render.bind(cards);
    cards.render = (name, data) => {
      const card = render(name, data);
      const t = (data as { t?: unknown }).t;
      rendered.push({ name, lang: t === messages('es') ? 'es' : t === messages('en') ? 'en' : '?', json: JSON.stringify(card) });
      return card;
    };
    await registerQueue(h);
  });
  afterAll(() => h.close());

  async function walkThrough(lang: Lang, requester: TestUser) {
    const locale = lang === 'es' ? 'es-CO' : 'en-US';
    const act = (u: TestUser, verb: string, data: object = {}, conv?: object) => h.post(cardAction(h, u, verb, data, locale, conv));
    await h.post({ ...installPersonal(h, requester), locale });
    await h.post(message(h, requester, lang === 'es' ? 'ayuda' : 'help', locale));
    await act(requester, 'catalog.categories');
    await act(requester, 'catalog.services', { categoryId: 'mesa-servicio-primer-nivel' });
    await act(requester, 'catalog.templates', { serviceId: 'acceso-remoto' });
    const form = invokeCard(await act(requester, 'catalog.form', { templateId: 'solicitud-acceso-remoto' }));
    const save = JSON.stringify(form).match(/"verb":"ticket\.submit","data":(\{[^}]*\})/);
    const key = save ? JSON.parse(save[1]).submissionKey : 'k-' + Math.random().toString(36).slice(2, 12);
    // With an error, then saved, then the same again (the duplicate check's offer).
    await act(requester, 'ticket.submit', { ...REMOTE_ACCESS_FORM, templateId: 'solicitud-acceso-remoto', submissionKey: key, description: '' });
    const created = invokeCard(await act(requester, 'ticket.submit', { ...REMOTE_ACCESS_FORM, templateId: 'solicitud-acceso-remoto', submissionKey: key }));
    expect(JSON.stringify(created)).toMatch(/MDA-\d{4}-\d{6}/);
    await act(requester, 'ticket.submit', { ...REMOTE_ACCESS_FORM, templateId: 'solicitud-acceso-remoto', submissionKey: `${key}-2` });
    await h.post(message(h, requester, lang === 'es' ? 'mis casos' : 'my tickets', locale));
    const mine = await h.app.tickets.listByRequester(requester.oid, { limit: 1 });
    const ticket = mine.items[0];
    await act(requester, 'ticket.status', { ticketId: ticket.id });
    // The engineer's side, in the channel and in the same language.
    await act(USERS.agent, 'queue.show', {}, channelConversation());
    await act(USERS.agent, 'queue.take', { ticketId: ticket.id }, channelConversation());
    const refreshed = cardText(invokeCard(await act(USERS.agent, 'queue.refresh', { ticketId: ticket.id }, channelConversation())));
    // The form's date field as people read it, not as the date picker stores it.
    expect(refreshed).toContain(lang === 'es' ? '1 de diciembre de 2026' : 'December 1, 2026');
    expect(refreshed).not.toContain('2026-12-01');
    await act(USERS.agent, 'queue.reply', { ticketId: ticket.id, message: lang === 'es' ? 'Hola, ¿ya reinició?' : 'Hi, did you restart?' }, channelConversation());
    await act(USERS.agent, 'queue.resolve', { ticketId: ticket.id, resolutionNote: lang === 'es' ? 'Se configuró la VPN.' : 'VPN configured.' }, channelConversation());
    await drained(h);
    // The knowledge base: a solved case becomes a draft, a supervisor reviews and publishes it.
    await act(USERS.agent, 'kb.draft', { ticketId: ticket.id }, channelConversation());
    await h.post(message(h, USERS.supervisor, lang === 'es' ? 'borradores' : 'drafts', locale));
    const draftId = (await h.app.services.knowledge.drafts())[0].id;
    await act(USERS.supervisor, 'kb.review', { articleId: draftId });
    await act(USERS.supervisor, 'kb.publish', { articleId: draftId, title: 'x', body: '' });
    await act(USERS.supervisor, 'kb.publish', { articleId: draftId, title: lang === 'es' ? 'Configurar la VPN en un equipo nuevo' : 'Set up the VPN on a new computer', body: lang === 'es' ? 'Pida la configuración a la Mesa de Ayuda y reinicie.' : 'Ask the Help Desk to configure it, then restart.' });
    // Articles for a problem typed in the chat, and before "Guardar" on a form.
    await h.post(message(h, requester, lang === 'es' ? 'no me conecta la VPN desde la casa' : 'my vpn is not connecting from home', locale));
    await act(requester, 'catalog.form', { templateId: 'falla-conexion-vpn' });
    const vpnKey = `kb-form-${lang}-0001`;
    const offer = invokeCard(await act(requester, 'ticket.submit', { templateId: 'falla-conexion-vpn', submissionKey: vpnKey, incidentChoice: 'no', network: 'hogar', description: lang === 'es' ? 'La VPN no conecta desde la casa.' : 'The VPN does not connect from home.', phone: '300 123 4567', contactChannel: 'teams' }));
    const article = lang === 'es' ? 'vpn-no-conecta' : 'vpn-no-conecta-en';
    expect(JSON.stringify(offer)).toContain(article);
    await act(requester, 'kb.feedback', { articleId: article, helpful: false, where: 'form', form: { templateId: 'falla-conexion-vpn', submissionKey: vpnKey } });
    await act(requester, 'kb.show', { articleId: article });
    await act(requester, 'kb.answered', { articleId: article, where: 'form', templateId: 'falla-conexion-vpn' });
    // A major incident: declared from a case's card, linked to, announced at filing, updated.
    const outage = await h.app.services.tickets.file({ submissionKey: `mi-${lang}-0001`, requester: { oid: USERS.stranger.oid, tenantId: 'tenant-1', name: USERS.stranger.name }, locale: lang, phone: '300 123 4567', contactChannel: 'teams', categoryId: 'mesa-servicio-primer-nivel', serviceId: 'acceso-remoto', templateId: 'falla-conexion-vpn', fieldValues: {}, description: lang === 'es' ? 'VPN caída para todos.' : 'VPN down for everyone.', priority: 'high' });
    await act(USERS.supervisor, 'incident.declareForm', { ticketId: outage.ticket.id }, channelConversation());
    await act(USERS.supervisor, 'incident.declare', { ticketId: outage.ticket.id, title: '', services: '', statusText: '' }, channelConversation());
    await act(USERS.supervisor, 'incident.declare', { ticketId: outage.ticket.id, title: lang === 'es' ? 'VPN caída' : 'VPN down', services: 'acceso-remoto', statusText: lang === 'es' ? 'Revisando.' : 'Checking.' }, channelConversation());
    const other = await h.app.services.tickets.file({ submissionKey: `mi-${lang}-0002`, requester: { oid: USERS.secretary.oid, tenantId: 'tenant-1', name: USERS.secretary.name }, locale: lang, phone: '300 123 4567', contactChannel: 'teams', categoryId: 'mesa-servicio-primer-nivel', serviceId: 'acceso-remoto', templateId: 'falla-conexion-vpn', fieldValues: {}, description: 'VPN.', priority: 'high' });
    await act(USERS.agent, 'incident.choose', { ticketId: other.ticket.id }, channelConversation());
    await act(USERS.agent, 'incident.link', { ticketId: other.ticket.id, masterId: outage.ticket.id }, channelConversation());
    await act(USERS.agent, 'incident.update', { ticketId: outage.ticket.id, incidentUpdate: lang === 'es' ? 'Ya casi.' : 'Almost there.' }, channelConversation());
    await act(requester, 'ticket.submit', { templateId: 'falla-conexion-vpn', submissionKey: `mi-${lang}-0003`, network: 'hogar', description: lang === 'es' ? 'No conecta.' : 'It does not connect.', phone: '300 123 4567', contactChannel: 'teams' });
    await act(requester, 'survey.submit', { ticketId: ticket.id, score: '5', comment: '' });
    await act(requester, 'ticket.reopen', { ticketId: ticket.id });
    await h.post(message(h, USERS.supervisor, lang === 'es' ? 'indicadores' : 'metrics', locale));
    // A request that needs approval: Ana files it, Sara (her manager's delegate) decides it from her chat.
    await h.post({ ...installPersonal(h, USERS.secretary), locale });
    const filed = invokeCard(await act(USERS.employee, 'ticket.submit', {
      templateId: 'pedir-acceso-buzon-compartido',
      submissionKey: `appr-${lang}-0001`,
      mailbox: 'pqrs@entidad.gov.co',
      accessType: 'lectura',
      justification: lang === 'es' ? 'Reemplazo en vacaciones.' : 'Holiday cover.',
      description: lang === 'es' ? 'Necesito leer el buzón de PQRS.' : 'I need to read the PQRS mailbox.',
      phone: '300 123 4567',
      contactChannel: 'teams',
    }));
    const radicado = JSON.stringify(filed).match(/MDA-\d{4}-\d{6}/)![0];
    const pending = (await h.app.tickets.getByRadicado(radicado))!;
    await h.post(message(h, USERS.secretary, lang === 'es' ? 'mis aprobaciones' : 'my approvals', locale));
    await act(USERS.secretary, 'approval.show', { ticketId: pending.id });
    await act(USERS.secretary, 'approval.reject', { ticketId: pending.id, reason: '' });
    await act(USERS.secretary, 'approval.approve', { ticketId: pending.id });
    // "Esto me afecta" on the incident's announcement: the card drawn again for the requester.
    await act(requester, 'incident.affects', { masterId: outage.ticket.id });
    await act(requester, 'no.such.verb');
    await drained(h);
  }

  it.each([
    ['es', USERS.employee],
    ['en', USERS.manager],
  ] as const)('renders every template in %s without unfilled placeholders', async (lang, requester) => {
    const from = rendered.length;
    await walkThrough(lang, requester);
    const mine = rendered.slice(from);
    const inLang = new Set(mine.filter((r) => r.lang === lang).map((r) => r.name));
    expect(CARD_NAMES.filter((n) => !inLang.has(n))).toEqual([]);
    const unfilled = mine.filter((r) => r.json.includes('${')).map((r) => `${r.name} (${r.lang}): ${r.json.match(/.{0,60}\$\{[^}]*\}/)?.[0]}`);
    expect(unfilled).toEqual([]);
    // Every Action.Execute carries an Action.Submit fallback with the same title, verb and data.
    const withoutFallback = mine.flatMap((r) => {
      const bad: string[] = [];
      const walk = (n: any) => {
        if (Array.isArray(n)) return n.forEach(walk);
        if (n && typeof n === 'object') {
          if (n.type === 'Action.Execute' && !(n.fallback?.type === 'Action.Submit' && n.fallback.title === n.title && n.fallback.data?.verb === n.verb)) bad.push(`${r.name}: ${n.title}`);
          Object.values(n).forEach(walk);
        }
      };
      walk(JSON.parse(r.json));
      return bad;
    });
    expect(withoutFallback).toEqual([]);
    // A card in the other language is a defect too.
    const other = mine.filter((r) => r.lang !== lang && r.lang !== '?').map((r) => r.name);
    expect({ lang, other: [...new Set(other)] }).toEqual({ lang, other: [] });
  });

  it('keeps every card to what Teams mobile renders', () => {
    // Teams (desktop, web and mobile) renders Adaptive Cards up to 1.5; these elements are 1.5 and
    // render on Teams for iOS and Android. Dates are formatted by the server (the templating date
    // functions do not work on Android), widths fit a phone and a card stays well under the size
    // limit of a Teams message.
    const ELEMENTS = new Set(['AdaptiveCard', 'TextBlock', 'RichTextBlock', 'TextRun', 'FactSet', 'Container', 'ColumnSet', 'Column', 'ActionSet', 'Image',
      'Input.Text', 'Input.ChoiceSet', 'Input.Date', 'Input.Number', 'Input.Toggle', 'Input.Choice',
      'Action.Execute', 'Action.Submit', 'Action.OpenUrl', 'Action.ShowCard', 'Action.ToggleVisibility']);
    const problems = new Set<string>();
    for (const r of rendered) {
      const card = JSON.parse(r.json);
      if (!(Number(card.version) <= 1.5)) problems.add(`${r.name}: version ${card.version}`);
      if (r.json.length > 28_000) problems.add(`${r.name}: ${r.json.length} bytes`);
      if (/\b(formatDateTime|formatTicks|DATE|TIME)\(/.test(r.json)) problems.add(`${r.name}: client-side date function`);
      const walk = (n: any, key = '') => {
        if (Array.isArray(n)) return n.forEach((x) => walk(x, key));
        if (!n || typeof n !== 'object') return;
        if (typeof n.type === 'string' && key !== 'choices' && !ELEMENTS.has(n.type)) problems.add(`${r.name}: ${n.type}`);
        if (typeof n.width === 'string' && /px$/.test(n.width) && parseInt(n.width, 10) > 300) problems.add(`${r.name}: width ${n.width}`);
        for (const [k, v] of Object.entries(n)) walk(v, k);
      };
      walk(card);
    }
    expect(rendered.length).toBeGreaterThan(20);
    expect([...problems]).toEqual([]);
  });

  it('also checks the cards as delivered to Teams', () => {
    const leftovers = h.connector.sent.filter((r) => JSON.stringify(r.body).includes('${')).map((r) => JSON.stringify(r.body).match(/.{0,60}\$\{[^}]*\}/)?.[0]);
    expect(leftovers).toEqual([]);
  });
});
