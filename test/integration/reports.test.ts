/**
 * Supervisors' reports over HTTP: "indicadores" / "metrics" and "exportar casos …" (CSV under
 * EXPORT_DIR); everyone else gets a clear refusal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cardOf, fileTicket, queueCard, registerQueue } from '../helpers/desk';
import { cardAction, cardText, channelConversation, installPersonal, invokeCard, message, personalConversation, press, startHarness, TestClock, USERS, type Harness, type TestUser } from '../helpers/harness';

const bog = (local: string) => new Date(`${local.replace(' ', 'T')}:00-05:00`);

/** The facts (title → value) of a card. */
function facts(card: any): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (n: any) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n && typeof n === 'object') {
      if (n.type === 'FactSet') for (const f of n.facts ?? []) out[f.title] = f.value;
      Object.values(n).forEach(walk);
    }
  };
  walk(card);
  return out;
}

describe('supervisors\u2019 reports', () => {
  let h: Harness;
  let clock: TestClock;
  beforeEach(async () => {
    clock = new TestClock(bog('2026-11-24 08:00'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-'));
    h = await startHarness({ EXPORT_DIR: path.join(dir, 'exports') }, { clock, dir });
    for (const u of [USERS.employee, USERS.agent, USERS.supervisor]) await h.post(installPersonal(h, u));
    await registerQueue(h);
  });
  afterEach(async () => {
    await h.close();
  });

  /** Sends a message and returns the text of the bot's reply (card or text). */
  async function ask(u: TestUser, text: string, locale = 'es-CO'): Promise<any> {
    const before = h.connector.messagesTo(personalConversation(u).id).length;
    await h.post(message(h, u, text, locale));
    await h.connector.waitFor(() => h.connector.messagesTo(personalConversation(u).id).length > before);
    const reply = h.connector.messagesTo(personalConversation(u).id)[before];
    return cardOf(reply) ?? { text: reply.body.text };
  }

  it('shows the supervisor the queue, today\u2019s counts and the SLA and survey figures', async () => {
    const first = await fileTicket(h);
    clock.set(bog('2026-11-24 09:00'));
    const second = await fileTicket(h, USERS.employee, 'La impresora no imprime.');
    const post = await queueCard(h, second.radicado);
    clock.set(bog('2026-11-24 09:30'));
    const taken = invokeCard(await press(h, USERS.agent, cardOf(post), 'Tomar', {}, channelConversation()));
    clock.set(bog('2026-11-24 11:30'));
    invokeCard(await press(h, USERS.agent, taken, 'Resolver', { resolutionNote: 'Listo.' }, channelConversation()));
    invokeCard(await h.post(cardAction(h, USERS.employee, 'survey.submit', { ticketId: second.id, score: '4' })));

    clock.set(bog('2026-11-24 12:30'));
    const card = await ask(USERS.supervisor, 'indicadores');
    expect(cardText(card)).toContain('Indicadores de la mesa de ayuda');
    const f = facts(card);
    expect(f['Casos abiertos']).toBe('1');
    expect(f['En cola sin asignar']).toBe('1');
    expect(f['Caso más antiguo en espera']).toBe(`${first.radicado} (4 h)`);
    expect(f['Abiertos hoy']).toBe('2');
    expect(f['Resueltos hoy']).toBe('1');
    expect(f['Abiertos esta semana']).toBe('2');
    expect(f['Mediana a primera respuesta']).toBe('30 min');
    expect(f['Mediana a solución']).toBe('2 h 30 min');
    // The first ticket missed its 2-hour first response (due 10:00); the second met both targets.
    expect(f['Cumplimiento ANS primera respuesta']).toBe('50% (1 de 2)');
    expect(f['Cumplimiento ANS solución']).toBe('100% (1 de 1)');
    expect(f['Satisfacción promedio']).toBe('4/5 (1 encuestas)');
    expect(cardText(card)).toContain('Mesa de servicio primer nivel');
    expect(cardText(card)).toContain(USERS.agent.name);
    expect(first.id).toBeLessThan(second.id);
  });

  it('answers "metrics" in English', async () => {
    const card = await ask(USERS.supervisor, 'metrics', 'en-US');
    expect(cardText(card)).toContain('Service desk metrics');
    expect(cardText(card)).toContain('Open tickets');
  });

  it('refuses the metrics and the export to employees and engineers who are not supervisors', async () => {
    for (const u of [USERS.employee, USERS.agent]) {
      expect(cardText(await ask(u, 'indicadores'))).toContain('Solo un supervisor puede hacer esto.');
      expect(cardText(await ask(u, 'exportar casos 2026-11-01 2026-11-30'))).toContain('Solo un supervisor puede hacer esto.');
    }
    expect(fs.existsSync(path.join(h.dir, 'exports'))).toBe(false);
  });

  it('exports the tickets of a date range to a CSV under EXPORT_DIR and answers with the path and row count', async () => {
    await fileTicket(h, USERS.employee, 'Primero');
    await fileTicket(h, USERS.employee, '=HYPERLINK("http://x")');
    const reply = cardText(await ask(USERS.supervisor, 'exportar casos 2026-11-01 2026-11-30'));
    const m = /Exporté 2 casos creados entre el 2026-11-01 y el 2026-11-30 al archivo (\S+\.csv)/.exec(reply.replace(/\\/g, ''));
    expect(m).not.toBeNull();
    expect(path.dirname(m![1])).toBe(path.join(h.dir, 'exports'));
    const lines = fs.readFileSync(m![1], 'utf8').split('\r\n');
    expect(lines).toHaveLength(4); // header, two tickets, and the final CRLF
    expect(lines[2]).toContain(`"'=HYPERLINK(""http://x"")"`);

    expect(cardText(await ask(USERS.supervisor, 'export tickets from 2026-12-01 to 2026-12-31', 'en-US'))).toContain('Exported 0 tickets');
    expect(cardText(await ask(USERS.supervisor, 'exportar casos'))).toContain('exportar casos 2026-11-01 2026-11-30');
    expect(cardText(await ask(USERS.supervisor, 'exportar casos 2026-11-30 2026-11-01'))).toContain('El rango de fechas no es válido');
    expect(cardText(await ask(USERS.supervisor, 'exportar casos 2026-02-30 2026-03-02'))).toContain('El rango de fechas no es válido');
  });
});
