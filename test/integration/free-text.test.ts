/** Plain text from a requester with several open cases (issue 20, defect 8). */
import { cardOf, fileTicket, registerQueue } from '../helpers/desk';
import { cardAction, cardText, channelConversation, findAction, installPersonal, invokeCard, message, personalConversation, startHarness, USERS, type Harness } from '../helpers/harness';

describe('plain text from a requester with several open cases (defect 8)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ TICKETS_PER_HOUR: '100' });
    await registerQueue(h);
    await h.post(installPersonal(h, USERS.employee));
  });
  afterAll(() => h.close());

  async function twoInConversation() {
    const a = await fileTicket(h, USERS.employee, 'La impresora del piso 3 no imprime.');
    const b = await fileTicket(h, USERS.employee, 'El correo no sincroniza en el celular.');
    for (const t of [a, b]) invokeCard(await h.post(cardAction(h, USERS.agent, 'queue.take', { ticketId: t.id }, 'es-CO', channelConversation())));
    return [a, b];
  }
  const messagesOf = async (id: number) => (await h.app.tickets.events(id, { kinds: ['message'] })).map((e) => (e.data as { text: string }).text);

  it('sends text that names one of the cases to that case', async () => {
    const [, b] = await twoInConversation();
    const seen = h.connector.messagesTo(personalConversation(USERS.employee).id).length;
    await h.post(message(h, USERS.employee, `${b.radicado} es un Samsung A54, el correo es el institucional`));
    expect(await messagesOf(b.id)).toEqual([`${b.radicado} es un Samsung A54, el correo es el institucional`]);
    const replies = h.connector.messagesTo(personalConversation(USERS.employee).id).slice(seen).map((r) => r.body.text ?? '');
    expect(replies).toContain(`Mensaje enviado al caso ${b.radicado}.`);
  });

  it('asks which case without losing the text, and sends it with one click', async () => {
    const [a, b] = await twoInConversation();
    const conv = personalConversation(USERS.employee).id;
    const seen = h.connector.messagesTo(conv).length;
    await h.post(message(h, USERS.employee, 'Ya reinicié el equipo y sigue igual'));
    const ask = cardOf(h.connector.messagesTo(conv).slice(seen).find((r) => cardOf(r) && cardText(cardOf(r)).includes('¿A cuál de sus casos'))!);
    expect(cardText(ask)).toContain('¿A cuál de sus casos se refiere? Elija el caso y le envío su mensaje: «Ya reinicié el equipo y sigue igual»');
    const choice = findAction(ask, `${a.radicado} · Acceso remoto`);
    invokeCard(await h.post(cardAction(h, USERS.employee, choice.verb, choice.data)));
    expect(await messagesOf(a.id)).toEqual(['Ya reinicié el equipo y sigue igual']);
    expect(await messagesOf(b.id)).toEqual([]);
  });
});
