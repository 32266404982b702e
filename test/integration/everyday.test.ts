/** Everyday flows as a requester meets them (issue 20). */
import { cardAction, cardText, invokeCard, startHarness, USERS, type Harness, type TestUser } from '../helpers/harness';
import { REMOTE_ACCESS_FORM, until } from '../helpers/desk';
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
