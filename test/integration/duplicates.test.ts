/**
 * The duplicate check before filing: with an open ticket of the same requester for the same service
 * (or a very similar description), "Guardar" answers with an offer — add the text to that radicado,
 * or file a new one anyway. The choice is the user's; both are re-validated on the server and
 * idempotent, and what was typed is kept.
 */
import { cardAction, cardText, channelMessage, findAction, installPersonal, invokeCard, personalConversation, press, startHarness, TEAM, USERS, type Harness, type TestUser } from '../helpers/harness';
import { sql, sqlValue } from '../helpers/engine';
import type { Recorded } from '../helpers/connector';
import { cardOf, REMOTE_ACCESS_FORM } from '../helpers/desk';

const REMOTE = REMOTE_ACCESS_FORM;
const RAD = /MDA-\d{4}-\d{6}/;

async function openForm(h: Harness, user: TestUser, templateId = 'solicitud-acceso-remoto') {
  return invokeCard(await h.post(cardAction(h, user, 'catalog.form', { templateId })));
}
async function fileFirst(h: Harness, user: TestUser = USERS.employee): Promise<string> {
  const done = cardText(invokeCard(await press(h, user, await openForm(h, user), 'Guardar', REMOTE)));
  return RAD.exec(done)![0];
}
const count = (h: Harness) => sqlValue<number>(h.app.storage, 'SELECT count(*) AS n FROM tickets');
const messages = async (h: Harness, radicado: string) =>
  (await sql<{ data: string }>(h.app.storage, `SELECT e.data FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.radicado = ? AND e.kind = 'message' ORDER BY e.id`, radicado)).map((r) =>
    JSON.parse(r.data),
  );
const textOf = (r: Recorded) => [r.body?.text ?? '', cardOf(r) ? cardText(cardOf(r)) : ''].join('\n');

async function until(pred: () => boolean | Promise<boolean>) {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > 10_000) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function drained(h: Harness) {
  const pending = () => h.app.storage.outbox.pendingCount();
  const start = Date.now();
  while ((await pending()) > 0) {
    if (Date.now() - start > 10_000) throw new Error('outbox not drained');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The input values a card carries (Input.* id → value), as Teams would send them back untouched. */
function inputs(card: any): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (n: any) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n && typeof n === 'object') {
      if (typeof n.type === 'string' && n.type.startsWith('Input.') && n.id) out[n.id] = n.value ?? '';
      Object.values(n).forEach(walk);
    }
  };
  walk(card);
  return out;
}

describe('the duplicate check before filing', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('offers the open radicado of the same service, keeping what was typed, and files nothing yet', async () => {
    const rad = await fileFirst(h);
    const typed = { ...REMOTE, description: 'Además necesito escritorio remoto para el equipo PC-TIC-0123.', phone: '601 234 5678 ext. 12' };
    const offer = invokeCard(await press(h, USERS.employee, await openForm(h, USERS.employee), 'Guardar', typed));
    const text = cardText(offer);
    expect(text).toContain('Ya tiene un caso abierto parecido');
    expect(text).toContain(rad);
    expect(text).toContain('Mismo servicio');
    expect(inputs(offer).description).toBe(typed.description);
    findAction(offer, `Agregar al radicado ${rad}`);
    // The phone as validation normalised it.
    expect(findAction(offer, 'Registrar uno nuevo de todos modos').data).toMatchObject({ phone: '+57 601 234 5678 ext. 12', accessType: 'vpn', startDate: '2026-12-01' });
    expect(await count(h)).toBe(1);
  });

  it('offers a very similar description in another service, and not an unrelated one', async () => {
    const rad = await fileFirst(h);
    const similar = invokeCard(
      await press(h, USERS.employee, await openForm(h, USERS.employee, 'ampliacion-buzon'), 'Guardar', {
        description: 'Necesito la VPN para trabajar desde la casa esta semana.',
        phone: '300 123 4567',
        contactChannel: 'teams',
      }),
    );
    expect(cardText(similar)).toContain(rad);
    expect(cardText(similar)).toMatch(/Descripción parecida: \d+ % de palabras en común/);
    expect(cardText(similar)).not.toContain('Mismo servicio');
    // Another service and another problem: filed at once.
    const other = cardText(
      invokeCard(
        await press(h, USERS.employee, await openForm(h, USERS.employee, 'ampliacion-buzon'), 'Guardar', {
          description: 'Mi buzón de correo está lleno y ya no recibo mensajes.',
          phone: '300 123 4567',
          contactChannel: 'teams',
        }),
      ),
    );
    expect(other).toContain('Solicitud registrada');
    // Someone else's open ticket is never offered.
    const manager = cardText(invokeCard(await press(h, USERS.manager, await openForm(h, USERS.manager), 'Guardar', REMOTE)));
    expect(manager).toContain('Solicitud registrada');
    expect(manager).not.toContain(rad);
  });

  it('adds the text to the radicado once, reaching the engineer and the queue thread, however often it is pressed', async () => {
    await h.post(channelMessage(h, USERS.supervisor, 'registrar cola'));
    for (const u of [USERS.employee, USERS.agent]) await h.post(installPersonal(h, u));
    const rad = await fileFirst(h);
    const t = (await h.app.tickets.getByRadicado(rad))!;
    h.app.dispatcher.kick();
    await until(async () => !!(await h.app.tickets.get(t.id))?.queueActivityId);
    expect((await h.app.services.tickets.take(t, { oid: USERS.agent.oid, name: USERS.agent.name, roles: ['agent'] })).ok).toBe(true);

    const offer = invokeCard(await press(h, USERS.employee, await openForm(h, USERS.employee), 'Guardar', { ...REMOTE, description: 'El acceso lo necesito también para el sábado.' }));
    const edited = 'El acceso lo necesito también para el sábado, desde las 8 a. m.';
    // Pressed twice at the same moment, then once more.
    const [first, second] = await Promise.all([0, 1].map(() => press(h, USERS.employee, offer, `Agregar al radicado ${rad}`, { description: edited })));
    expect(cardText(invokeCard(first))).toContain(`Se agregó su texto al radicado ${rad}`);
    expect(cardText(invokeCard(second))).toContain(`Se agregó su texto al radicado ${rad}`);
    const third = invokeCard(await press(h, USERS.employee, offer, `Agregar al radicado ${rad}`, { description: edited }));
    expect(cardText(third)).toContain(`Se agregó su texto al radicado ${rad}`);
    expect(await messages(h, rad)).toEqual([{ from: 'requester', text: edited }]);

    // Like a requester reply: in the ticket's thread and to the engineer who has it.
    await drained(h);
    const root = (await h.app.tickets.get(t.id))!.queueActivityId!;
    const inThread = h.connector.messagesTo(`${TEAM.channelId};messageid=${root}`).filter((r) => textOf(r).includes(edited));
    const toAgent = h.connector.messagesTo(personalConversation(USERS.agent).id).filter((r) => textOf(r).includes(edited));
    expect(inThread).toHaveLength(1);
    expect(toAgent).toHaveLength(1);

    // The same form cannot then also be filed as a new ticket.
    const anyway = invokeCard(await press(h, USERS.employee, offer, 'Registrar uno nuevo de todos modos', { description: edited }));
    expect(cardText(anyway)).toContain(`Este texto ya se agregó al radicado ${rad}`);
    expect(await count(h)).toBe(1);
  });

  it('files a new one anyway once, with the typed values, re-validated', async () => {
    const rad = await fileFirst(h);
    const offer = invokeCard(await press(h, USERS.employee, await openForm(h, USERS.employee), 'Guardar', { ...REMOTE, computer: 'PC-TIC-0456', description: 'Otro equipo: PC-TIC-0456, también VPN.' }));
    // Crafted values on the button are checked like the form's.
    const crafted = await h.post(cardAction(h, USERS.employee, 'ticket.submit', { ...findAction(offer, 'Registrar uno nuevo de todos modos').data, phone: '12', description: 'Otro equipo.' }));
    expect(cardText(invokeCard(crafted))).toContain('Revise los campos marcados');
    expect(await count(h)).toBe(1);

    // Teams sends the card's inputs as shown: the description the user left as it was.
    const a = cardText(invokeCard(await press(h, USERS.employee, offer, 'Registrar uno nuevo de todos modos', inputs(offer))));
    const b = cardText(invokeCard(await press(h, USERS.employee, offer, 'Registrar uno nuevo de todos modos', inputs(offer))));
    const newRad = RAD.exec(a)![0];
    expect(newRad).not.toBe(rad);
    expect(b).toContain(newRad);
    expect(await count(h)).toBe(2);
    const filed = (await h.app.tickets.getByRadicado(newRad))!;
    expect(filed.description).toBe('Otro equipo: PC-TIC-0456, también VPN.');
    expect(filed.fieldValues).toMatchObject({ computer: 'PC-TIC-0456', accessType: 'vpn' });
    // …and that form is then not added to the first radicado as well.
    const add = invokeCard(await press(h, USERS.employee, offer, `Agregar al radicado ${rad}`, inputs(offer)));
    expect(cardText(add)).toContain(`Esta solicitud ya se registró como el radicado ${newRad}`);
    expect(await messages(h, rad)).toEqual([]);
  });

  it("re-checks on the server: another user's button, and a ticket closed meanwhile", async () => {
    const rad = await fileFirst(h);
    const offer = invokeCard(await press(h, USERS.employee, await openForm(h, USERS.employee), 'Guardar', { ...REMOTE, description: 'Texto para agregar al caso abierto.' }));
    const add = findAction(offer, `Agregar al radicado ${rad}`);
    // Pedro replays Ana's button: answered like a radicado that does not exist, nothing added.
    const foreign = invokeCard(await h.post(cardAction(h, USERS.stranger, add.verb, { ...add.data, description: 'intruso' })));
    expect(cardText(foreign)).toContain('No encontré ese caso entre los que puede consultar');
    expect(await messages(h, rad)).toEqual([]);

    // Ana cancels the first ticket meanwhile: the text is not added, the new filing is offered with her values.
    const t = (await h.app.tickets.getByRadicado(rad))!;
    expect((await h.app.services.tickets.cancel(t, { oid: USERS.employee.oid, name: USERS.employee.name, roles: ['employee'] })).ok).toBe(true);
    const closed = invokeCard(await press(h, USERS.employee, offer, `Agregar al radicado ${rad}`, { description: 'Texto para agregar al caso abierto.' }));
    expect(cardText(closed)).toContain(`El radicado ${rad} ya no está abierto (Cancelado)`);
    expect(await messages(h, rad)).toEqual([]);
    const filed = cardText(invokeCard(await press(h, USERS.employee, closed, 'Registrar uno nuevo de todos modos')));
    const newRad = RAD.exec(filed)![0];
    expect(newRad).not.toBe(rad);
    expect((await h.app.tickets.getByRadicado(newRad))!.description).toBe('Texto para agregar al caso abierto.');
  });
});
