/**
 * config/holidays.json through the real server: a ticket filed over HTTP (the catalog form's
 * "Guardar") the day before a configured civic day is due a working day later; a public holiday the
 * institution removes is counted as a working day; the default calendar has Chiquinquirá (Ley 2578 de
 * 2026); an invalid file stops the start with a message naming the entry.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app';
import { readEnv } from '../../src/config';
import { formatDateTime } from '../../src/i18n';
import { createLogger } from '../../src/logger';
import { cardOf, queueCard, registerQueue } from '../helpers/desk';
import { cardAction, cardText, installPersonal, invokeCard, message, press, save, startHarness, TestClock, USERS, type Harness } from '../helpers/harness';

const bog = (local: string) => new Date(`${local.replace(' ', 'T')}:00-05:00`);

/** A holidays file in a fresh folder; returns its path. */
function holidaysFile(content: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-holidays-')), 'holidays.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** Files "Falla de conexión a la VPN" (2 working hours to the first response, 8 to the resolution) through the form. */
async function fileVpn(h: Harness): Promise<string> {
  const form = invokeCard(await h.post(cardAction(h, USERS.employee, 'catalog.form', { templateId: 'falla-conexion-vpn' })));
  const done = cardText(invokeCard(await save(h, USERS.employee, form, { description: 'La VPN no conecta desde la casa.', phone: '300 123 4567', contactChannel: 'teams' })));
  const radicado = /MDA-\d{4}-\d{6}/.exec(done)?.[0];
  if (!radicado) throw new Error(`no radicado in: ${done}`);
  return radicado;
}

/** The requester's status card for the radicado. */
async function status(h: Harness, radicado: string): Promise<string> {
  const activity = message(h, USERS.employee, `estado del radicado ${radicado}`);
  const isReply = (r: any) => r.replyToId === activity.id;
  await h.post(activity);
  await h.connector.waitFor(() => h.connector.sent.some(isReply));
  return cardText(h.connector.sent.find(isReply)!.body.attachments?.[0]?.content);
}

async function desk(now: Date, env: Record<string, string>) {
  const h = await startHarness(env, { clock: new TestClock(now) });
  for (const u of [USERS.employee, USERS.agent]) await h.post(installPersonal(h, u));
  await registerQueue(h);
  return h;
}

describe('the institution\'s holidays (config/holidays.json)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('moves the due times past a civic day the configuration adds', async () => {
    // Tuesday 16:00, Wednesday 2026-11-25 declared a civic day: 1 h on Tuesday, the rest from Thursday.
    const file = holidaysFile({ version: 1, add: [{ date: '2026-11-25', name: 'Día cívico (Decreto 1234 de 2026)' }] });
    h = await desk(bog('2026-11-24 16:00'), { HOLIDAYS_PATH: file });
    const radicado = await fileVpn(h);
    expect(await status(h, radicado)).toContain(`Solución prevista antes de\n${formatDateTime(bog('2026-11-26 14:00'), 'es')}`);
    const card = cardText(cardOf(await queueCard(h, radicado)));
    expect(card).toContain(`Primera respuesta antes de\n${formatDateTime(bog('2026-11-26 08:00'), 'es')}`);
    expect(card).toContain(`Solución antes de\n${formatDateTime(bog('2026-11-26 14:00'), 'es')}`);
  });

  it('without the file the same ticket is due on the Wednesday (control)', async () => {
    h = await desk(bog('2026-11-24 16:00'), { HOLIDAYS_PATH: holidaysFile({ version: 1 }) });
    expect(await status(h, await fileVpn(h))).toContain(`Solución prevista antes de\n${formatDateTime(bog('2026-11-25 14:00'), 'es')}`);
  });

  it('skips Chiquinquirá (Monday 2026-07-13) by default, and counts it when the configuration removes it', async () => {
    // Friday 16:00: 1 h on Friday, 7 h on the next working day.
    h = await desk(bog('2026-07-10 16:00'), {});
    expect(await status(h, await fileVpn(h))).toContain(`Solución prevista antes de\n${formatDateTime(bog('2026-07-14 14:00'), 'es')}`);
    await h.close();
    const file = holidaysFile({ version: 1, remove: [{ date: '2026-07-13', reason: 'La sede atiende ese día' }] });
    h = await desk(bog('2026-07-10 16:00'), { HOLIDAYS_PATH: file });
    expect(await status(h, await fileVpn(h))).toContain(`Solución prevista antes de\n${formatDateTime(bog('2026-07-13 14:00'), 'es')}`);
  });

  it('refuses to start with an invalid file, naming each entry and how to fix it', async () => {
    const file = holidaysFile({ version: 1, add: [{ date: '2026-02-30', name: 'x' }, { date: '2026-07-20', name: 'Otra vez' }], remove: [{ date: '2026-07-14' }] });
    // What src/index.ts does at start-up; it fails before the database is opened.
    const dbPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-holidays-db-')), 'mesa.db');
    const start = (holidays: string) => () =>
      createApp(readEnv({ BOT_ALLOW_ANONYMOUS: 'true', PORT: '0', DB_PATH: dbPath, LOG_LEVEL: 'silent', HOLIDAYS_PATH: holidays }), { log: createLogger('silent') });
    expect(start(file)).toThrow(
      new RegExp(
        [
          `HOLIDAYS_PATH ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is invalid:`,
          '  - add.0.date: "2026-02-30" is not a calendar date; write YYYY-MM-DD',
          '  - add.1.date: 2026-07-20 is already a public holiday \\(Día de la Independencia\\); remove this entry',
          '  - remove.0.date: 2026-07-14 is not a public holiday, so there is nothing to remove; the holidays of 2026 are .*2026-07-13.*',
        ].join('.*\n'),
      ),
    );
    expect(start(holidaysFile('{ "version": 1, "add": ['))).toThrow(/could not be read as JSON/);
    expect(start(path.join(os.tmpdir(), 'no-such-holidays.json'))).toThrow(/HOLIDAYS_PATH .*no-such-holidays\.json could not be read/);
    expect(fs.existsSync(dbPath)).toBe(false);
  });
});
