/** The connector and token clients the CloudAdapter asks for on every turn are built once per identity and service URL. */
import type { BotFrameworkAuthentication, ClaimsIdentity } from 'botframework-connector';
import { cachingClients } from '../../src/teams/client-cache';

const claims = (appId: string) => ({ isAuthenticated: true, claims: [{ type: 'aud', value: appId }, { type: 'appid', value: appId }] }) as unknown as ClaimsIdentity;

function fakeAuth() {
  const made = { factories: 0, clients: [] as string[], tokenClients: 0, failNext: false };
  const auth = {
    createConnectorFactory: () => {
      made.factories++;
      return {
        create: async (url: string) => {
          if (made.failNext) {
            made.failNext = false;
            throw new Error('token endpoint down');
          }
          made.clients.push(url);
          return { url };
        },
      };
    },
    createUserTokenClient: async () => {
      made.tokenClients++;
      return {};
    },
    getOriginatingAudience: () => 'https://api.botframework.com',
  } as unknown as BotFrameworkAuthentication;
  return { auth, made };
}

describe('cachingClients', () => {
  it('reuses the factory and its clients across turns, per app identity and service URL', async () => {
    const { auth, made } = fakeAuth();
    const cached = cachingClients(auth);
    for (let turn = 0; turn < 5; turn++) {
      const f = cached.createConnectorFactory(claims('app-1'));
      await f.create('https://smba.trafficmanager.net/amer/', 'https://api.botframework.com');
      await f.create('https://smba.trafficmanager.net/emea/', 'https://api.botframework.com');
      await cached.createUserTokenClient(claims('app-1'));
    }
    await cached.createConnectorFactory(claims('app-2')).create('https://smba.trafficmanager.net/amer/');
    expect(made).toMatchObject({ factories: 2, tokenClients: 1 });
    expect(made.clients).toEqual(['https://smba.trafficmanager.net/amer/', 'https://smba.trafficmanager.net/emea/', 'https://smba.trafficmanager.net/amer/']);
    // Everything else passes through.
    expect(cached.getOriginatingAudience()).toBe('https://api.botframework.com');
  });

  it('does not keep a client whose creation failed: the next turn builds it again', async () => {
    const { auth, made } = fakeAuth();
    const cached = cachingClients(auth);
    made.failNext = true;
    await expect(cached.createConnectorFactory(claims('app-1')).create('https://x/')).rejects.toThrow('token endpoint down');
    await expect(cached.createConnectorFactory(claims('app-1')).create('https://x/')).resolves.toEqual({ url: 'https://x/' });
    expect(made.clients).toEqual(['https://x/']);
  });
});
