import { bogotaDate } from '../../src/domain/time';
import { bogotaYear } from '../../src/domain/tickets/radicado';
import { cardText, findAction, installPersonal, invokeCard, message, press, startHarness, USERS, type Harness } from '../helpers/harness';

describe('filing a ticket from the service catalog', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('welcomes a user who installs the bot, in Spanish, with the main actions and the privacy notice', async () => {
    const res = await h.post(installPersonal(h, USERS.employee));
    expect(res.status).toBe(200);
    await h.connector.waitFor(() => h.connector.sent.length >= 1);
    const card = h.connector.sent[0].body.attachments[0].content;
    expect(cardText(card)).toContain('Mesa de Ayuda TI');
    expect(cardText(card)).toContain('Ley 1581 de 2012');
    findAction(card, 'Nueva solicitud');
    findAction(card, 'Mis casos');
  });

  it('lets an employee file "Acceso remoto" and get the first radicado of the year', async () => {
    const year = bogotaYear(new Date());
    await h.post(message(h, USERS.employee, 'nueva solicitud'));
    await h.connector.waitFor(() => h.connector.sent.length >= 1);
    const categories = h.connector.sent[0].body.attachments[0].content;
    let card = invokeCard(await press(h, USERS.employee, categories, 'Mesa de servicio primer nivel'));
    card = invokeCard(await press(h, USERS.employee, card, 'Acceso remoto'));
    card = invokeCard(await press(h, USERS.employee, card, 'Ver todas las plantillas'));
    const tplTitle = cardText(card).split('\n').find((l) => l.startsWith('Solicitud de acceso remoto'))!;
    card = invokeCard(await press(h, USERS.employee, card, tplTitle));
    expect(cardText(card)).toContain('Describa el problema');
    card = invokeCard(
      await press(h, USERS.employee, card, 'Guardar', {
        accessType: 'vpn',
        startDate: '2026-12-01',
        description: 'Necesito VPN para trabajar desde casa durante la semana.',
        phone: '300 123 4567',
        contactChannel: 'teams',
      }),
    ).valueOf();
    expect(cardText(card)).toContain(`MDA-${year}-000001`);
    expect(cardText(card)).toContain('Acceso remoto');
    expect(cardText(card)).toContain('orden de llegada');
    // The catalog's contact sentence, once, without a label repeating its first word.
    expect(cardText(card)).toContain('¿Dudas? Comuníquese con la Mesa de Ayuda');
    expect(cardText(card)).not.toMatch(/Dudas:\s*¿Dudas/);
    expect(cardText(card)).toContain('Usted es el número 1 en la cola');
  });

  it('opens the remote-access form with today\'s date (Bogotá) in "Fecha desde", which the person may change', async () => {
    const before = bogotaDate(new Date());
    await h.post(message(h, USERS.employee, 'nueva solicitud'));
    await h.connector.waitFor(() => h.connector.sent.length >= 1);
    let card = h.connector.sent[0].body.attachments[0].content;
    for (const title of ['Mesa de servicio primer nivel', 'Acceso remoto', 'Ver todas las plantillas']) {
      card = invokeCard(await press(h, USERS.employee, card, title));
    }
    const tplTitle = cardText(card).split('\n').find((l) => l.startsWith('Solicitud de acceso remoto'))!;
    card = invokeCard(await press(h, USERS.employee, card, tplTitle));
    const inputs: any[] = [];
    const walk = (x: any) => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (x && typeof x === 'object') {
        if (typeof x.type === 'string' && x.type.startsWith('Input.')) inputs.push(x);
        Object.values(x).forEach(walk);
      }
    };
    walk(card);
    const date = inputs.find((i) => i.id === 'startDate');
    expect(date.type).toBe('Input.Date');
    expect([before, bogotaDate(new Date())]).toContain(date.value);
    // Fields without a default open empty.
    expect(inputs.find((i) => i.id === 'description').value ?? '').toBe('');
  });
});
