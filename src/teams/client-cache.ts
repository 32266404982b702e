/**
 * The CloudAdapter asks its authentication for a new connector factory, connector client and user
 * token client on every turn (an inbound turn's factory comes with authenticateRequest's result,
 * a proactive one's from createConnectorFactory), and each builds a fresh HTTP pipeline (4–7 % of a turn, ~20 % of
 * "ayuda"). The clients hold nothing per turn — their credentials cache and refresh their own tokens
 * — so they are reused per app identity and service URL. Everything else passes through.
 */
import type { BotFrameworkAuthentication, ClaimsIdentity, ConnectorClient, ConnectorFactory, UserTokenClient } from 'botframework-connector';

/** Enough for every Bot Framework region and cloud an institution talks to; beyond it, the oldest goes. */
const MAX_CLIENTS = 64;

function remember<V>(map: Map<string, V>, key: string, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    if (map.size >= MAX_CLIENTS) map.delete(map.keys().next().value as string);
    map.set(key, (v = make()));
  }
  return v;
}

/** Who the bot is in this turn, as the clients depend on it (its app id and audience claims). */
function identityKey(claims: ClaimsIdentity): string {
  const wanted = ['aud', 'appid', 'azp', 'ver', 'iss'];
  return claims.claims
    .filter((c) => wanted.includes(c.type))
    .map((c) => `${c.type}=${c.value}`)
    .sort()
    .join('&') || (claims.isAuthenticated ? 'authenticated' : 'anonymous');
}

export function cachingClients(auth: BotFrameworkAuthentication): BotFrameworkAuthentication {
  const factories = new Map<string, ConnectorFactory>();
  const tokenClients = new Map<string, Promise<UserTokenClient>>();
  const factoryFor = (target: BotFrameworkAuthentication, claims: ClaimsIdentity): ConnectorFactory =>
    remember(factories, identityKey(claims), () => {
      const inner = target.createConnectorFactory(claims);
      const clients = new Map<string, Promise<ConnectorClient>>();
      return {
        create: (serviceUrl: string, audience?: string) =>
          remember(clients, `${serviceUrl}|${audience ?? ''}`, () => {
            const made = inner.create(serviceUrl, audience);
            made.catch(() => clients.delete(`${serviceUrl}|${audience ?? ''}`));
            return made;
          }),
      } as ConnectorFactory;
    });
  return new Proxy(auth, {
    get(target, prop, receiver) {
      if (prop === 'createConnectorFactory') return (claims: ClaimsIdentity): ConnectorFactory => factoryFor(target, claims);
      // An inbound turn's factory comes with its authentication (a new one per request, and a new
      // client with it): the request is still authenticated every time, its clients are the cached ones.
      if (prop === 'authenticateRequest') {
        return async (...args: Parameters<BotFrameworkAuthentication['authenticateRequest']>) => {
          const result = await target.authenticateRequest(...args);
          return { ...result, connectorFactory: factoryFor(target, result.claimsIdentity) };
        };
      }
      if (prop === 'createUserTokenClient') {
        return (claims: ClaimsIdentity): Promise<UserTokenClient> => {
          const key = identityKey(claims);
          return remember(tokenClients, key, () => {
            const made = target.createUserTokenClient(claims);
            made.catch(() => tokenClients.delete(key));
            return made;
          });
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
