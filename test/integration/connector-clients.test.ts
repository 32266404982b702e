/**
 * Speed where every turn pays (issue 27): the connector client the CloudAdapter uses to answer is
 * built once per service URL, not once per inbound turn (each built a fresh HTTP pipeline), while
 * every request is still authenticated and answered.
 */
import { ConnectorFactoryImpl } from 'botframework-connector/lib/auth/connectorFactoryImpl';
import { installPersonal, message, startHarness, USERS, type Harness } from '../helpers/harness';
import { cardOrText, personalId } from '../helpers/desk';

describe('connector clients', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.post(installPersonal(h, USERS.employee));
  });
  afterAll(() => h?.close());

  it('answers ten messages through one connector client', async () => {
    const create = jest.spyOn(ConnectorFactoryImpl.prototype, 'create');
    const before = h.connector.messagesTo(personalId(USERS.employee)).length;
    for (let i = 0; i < 10; i++) expect((await h.post(message(h, USERS.employee, 'ayuda'))).status).toBe(200);
    await h.connector.waitFor(() => h.connector.messagesTo(personalId(USERS.employee)).length >= before + 10);
    const answers = h.connector.messagesTo(personalId(USERS.employee)).slice(before);
    expect(answers.filter((m) => cardOrText(m).includes('nueva solicitud'))).toHaveLength(10);
    // Built before the spy (the welcome) or once now: never once per turn.
    expect(create.mock.calls.length).toBeLessThanOrEqual(1);
    create.mockRestore();
  });
});
