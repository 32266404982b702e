/** Everyday flows as a requester meets them (issue 20). */
import { t } from '../../src/i18n';
import { cardAction, cardText, channelConversation, findAction, installPersonal, invokeCard, message, personalConversation, startHarness, TEAM, USERS, type Harness, type TestUser } from '../helpers/harness';
import { cardOf, fileTicket, lastCardUpdate, queueCard, REMOTE_ACCESS_FORM, registerQueue, until } from '../helpers/desk';
import { sql } from '../helpers/engine';

async function file(h: Harness, user: TestUser, locale = 'es-CO') {
  const form = invokeCard(await h.post(cardAction(h, user, 'catalog.form', { templateId: 'solicitud-acceso-remoto' }, locale)));
  const save = form.actions.find((a: any) => a.verb === 'ticket.submit');
  return invokeCard(await h.post(cardAction(h, user, save.verb, { ...save.data, ...REMOTE_ACCESS_FORM }, locale)));
}

describe('the e-mail promise on the radicado card (defect 10)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('says the radicado also goes by e-mail, to which address, only when a mail is sent', async () => {
    h = await startHarness();
    expect(cardText(await file(h, USERS.employee))).toContain(`También le llegará por correo a ${USERS.employee.email}.`);
    expect(cardText(await file(h, USERS.manager, 'en-US'))).toContain(`You will also get it by e-mail at ${USERS.manager.email}.`);
    await until(() => h!.mail.sent.length === 2);
    expect(h.mail.sent.map((m) => m.to).sort()).toEqual([USERS.employee.email, USERS.manager.email].sort());
  });

  it('promises no e-mail with MAIL_TRANSPORT=none, and queues none', async () => {
    h = await startHarness({ MAIL_TRANSPORT: 'none' }, { recordMail: false });
    const text = cardText(await file(h, USERS.employee));
    expect(text).toContain('Solicitud registrada');
    expect(text).not.toMatch(/por correo|by e-mail/);
    await h.app.dispatcher.stop();
    const rows = await sql(h.app.storage, "SELECT count(*) AS n FROM outbox WHERE channel = 'mail'");
    expect(Number(rows[0].n)).toBe(0);
  });

  it('promises no e-mail to someone without an address', async () => {
    h = await startHarness();
    const noMail: TestUser = { id: '29:nomail', oid: '00000000-0000-0000-0000-0000000000n1', name: 'Contratista Sin Correo', email: '' };
    h.connector.members.set(noMail.id, { id: noMail.id, name: noMail.name, aadObjectId: noMail.oid });
    const text = cardText(await file(h, noMail));
    expect(text).toContain('Solicitud registrada');
    expect(text).not.toContain('por correo');
  });
});

describe('wording from the engineer\'s side (defect 11)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await registerQueue(h);
  });
  afterAll(() => h.close());

  it('answers "siguiente" with the engineer\'s view of the case, and says "Esperando al usuario" to staff', async () => {
    const ticket = await fileTicket(h);
    await queueCard(h, ticket.radicado);
    const ivan = personalConversation(USERS.agent).id;
    const seen = h.connector.messagesTo(ivan).length;
    await h.post(message(h, USERS.agent, 'siguiente'));
    const answers = h.connector.messagesTo(ivan).slice(seen);
    expect(answers.map((r) => r.body.text).filter(Boolean)).toEqual([`Tomó el caso ${ticket.radicado}.`]);
    const card = cardOf(answers.find((r) => cardOf(r))!);
    expect(cardText(card).split('\n')[0]).toBe(ticket.radicado);
    expect(findAction(card, 'Resolver').verb).toBe('queue.resolve');
    expect(findAction(card, 'Esperando al usuario').verb).toBe('queue.wait');
    const waiting = invokeCard(await h.post(cardAction(h, USERS.agent, 'queue.wait', { ticketId: ticket.id }, 'es-CO', channelConversation())));
    expect(cardText(waiting)).toContain('Esperando al usuario');
    expect(cardText(waiting)).not.toContain('Esperando su respuesta');
    // The requester still reads it as addressed to them.
    const status = invokeCard(await h.post(cardAction(h, USERS.employee, 'ticket.status', { ticketId: ticket.id })));
    expect(cardText(status)).toContain('Esperando su respuesta');
  });

  it('shows "Sin asignar" without "Lo atiende", and never a double period after a time', async () => {
    const ticket = await fileTicket(h);
    const status = cardText(invokeCard(await h.post(cardAction(h, USERS.employee, 'ticket.status', { ticketId: ticket.id }))));
    expect(status).toContain('Sin asignar');
    expect(status).not.toContain('Lo atiende');
    expect(t('es', 'surveyThanks', { score: 5, until: '1 dic 2026, 1:41 p. m.' })).toBe('Gracias por su calificación (5/5). Puede cambiarla hasta 1 dic 2026, 1:41 p. m.');
  });

  it('gives optional form fields no "required" error text', async () => {
    const form = invokeCard(await h.post(cardAction(h, USERS.employee, 'catalog.form', { templateId: 'solicitud-acceso-remoto' })));
    const inputs: any[] = [];
    const walk = (n: any) => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (n && typeof n === 'object') {
        if (typeof n.type === 'string' && n.type.startsWith('Input.')) inputs.push(n);
        Object.values(n).forEach(walk);
      }
    };
    walk(form);
    const optional = inputs.filter((i) => !i.isRequired);
    expect(optional.length).toBeGreaterThan(0);
    expect(optional.filter((i) => i.errorMessage)).toEqual([]);
    expect(inputs.filter((i) => i.isRequired && !i.errorMessage)).toEqual([]);
  });
});

describe('the queue card\'s delivery warning (defect 2)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await registerQueue(h);
    await h.post(installPersonal(h, USERS.employee));
  });
  afterAll(() => h.close());

  it('says which engineer could not be reached, mentions them in the thread, and clears once a message reaches them', async () => {
    // Iván never opened a chat with the bot.
    const ticket = await fileTicket(h);
    await queueCard(h, ticket.radicado);
    const activityId = (await h.app.tickets.get(ticket.id))!.queueActivityId!;
    invokeCard(await h.post(cardAction(h, USERS.agent, 'queue.take', { ticketId: ticket.id }, 'es-CO', channelConversation())));
    await h.post(message(h, USERS.employee, 'Sigo sin poder conectarme, ¿me ayudan?'));
    const warned = () => lastCardUpdate(h, activityId);
    await until(() => cardText(warned() ?? {}).includes('No se pudo avisar a Iván Ingeniero en su chat'), 10_000);
    const text = cardText(warned());
    expect(text).toContain('aún no ha abierto el chat con Mesa de Ayuda. Pídale que le escriba «hola» al bot.');
    expect(text).toContain('Se le mencionó en este hilo.');
    expect(text).not.toMatch(/conversation reference|solicitante/);
    // The thread mentions him with the requester's words.
    const thread = `${TEAM.channelId};messageid=${activityId}`;
    await until(() => h.connector.messagesTo(thread).some((r) => (r.body.entities ?? []).some((e: any) => e.mentioned?.id === USERS.agent.id) && String(r.body.text).includes('Sigo sin poder conectarme')), 10_000);
    // In English on his refreshed card.
    const en = invokeCard(await h.post(cardAction(h, USERS.agent, 'queue.refresh', { ticketId: ticket.id }, 'en-US', channelConversation())));
    expect(cardText(en)).toContain('Could not notify Iván Ingeniero in their chat');
    // Iván opens the chat; the next message reaches him and the warning goes away.
    await h.post(installPersonal(h, USERS.agent));
    invokeCard(await h.post(cardAction(h, USERS.employee, 'ticket.reply', { ticketId: ticket.id, message: 'Ya reinicié el equipo.' })));
    await until(() => !cardText(warned() ?? {}).includes('No se pudo avisar'), 10_000);
    expect((await h.app.tickets.get(ticket.id))!.mailError ?? null).toBeNull();
  });
});

describe('category queues by a short name (defect 14)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const inChannel = (text: string, channelId: string, locale = 'es-CO') => ({
    ...message(h, USERS.supervisor, `<at>Mesa de Ayuda</at> ${text}`, locale),
    conversation: { id: channelId, conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' },
    channelData: { tenant: { id: 'tenant-1' }, team: { id: `team-${channelId}` }, channel: { id: channelId } },
  });
  const answers = async (text: string, channelId: string, locale?: string) => {
    const seen = h.connector.messagesTo(channelId).length;
    await h.post(inChannel(text, channelId, locale));
    return h.connector.messagesTo(channelId).slice(seen);
  };

  it('registers "registrar cola correo" and "register queue mail" for the mail category', async () => {
    const [es] = await answers('registrar cola correo', '19:mail-es@thread.tacv2');
    expect(es.body.text ?? '').toContain('(Correo y colaboración)');
    expect((await h.app.services.queues.forCategory('correo-y-colaboracion'))?.channelId).toBe('19:mail-es@thread.tacv2');
    // Registered again elsewhere, the category's queue moves there.
    const [en] = await answers('register queue mail', '19:mail-en@thread.tacv2', 'en-US');
    expect(en.body.text ?? '').toContain('(E-mail and collaboration)');
    expect((await h.app.services.queues.forCategory('correo-y-colaboracion'))?.channelId).toBe('19:mail-en@thread.tacv2');
  });

  it('offers the matching categories when the name is ambiguous or unknown, and registers the one chosen', async () => {
    const channel = '19:which@thread.tacv2';
    const [ambiguous] = await answers('registrar cola s', channel);
    const card = cardOf(ambiguous);
    expect(cardText(card)).toContain('¿Cuál categoría quiere para la cola de este canal?');
    const titles = (card.actions ?? []).map((a: any) => a.title);
    expect(titles).toEqual(expect.arrayContaining(['Software y sistemas de información']));
    expect(titles).not.toContain('Telefonía');
    const [unknown] = await answers('registrar cola jardinería', channel);
    expect(cardText(cardOf(unknown))).toContain('No hay una categoría del catálogo que se llame «jardinería»');
    expect(cardOf(unknown).actions).toHaveLength(6);
    expect(await h.app.services.queues.byChannel(channel)).toEqual([]);
    const choice = findAction(card, 'Software y sistemas de información');
    const res = await h.post({ ...cardAction(h, USERS.supervisor, choice.verb, choice.data), conversation: { id: channel, conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' }, channelData: { tenant: { id: 'tenant-1' }, team: { id: 'team-which' }, channel: { id: channel } } });
    expect(res.status).toBe(200);
    expect((await h.app.services.queues.byChannel(channel)).map((q) => q.categoryId)).toEqual(['software-y-sistemas']);
  });
});
