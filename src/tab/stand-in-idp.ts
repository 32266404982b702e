/**
 * A stand-in for Entra's token service, on loopback, for `npm run dev` and the tests: OpenID
 * metadata, a JWKS and tokens shaped like Teams SSO tokens (RS256; iss, aud, tid, oid, name,
 * preferred_username, exp). Never part of a deployment: the bot only ever reads its metadata URL.
 *
 * GET  /.well-known/openid-configuration   { issuer, jwks_uri, token_endpoint }
 * GET  /keys                               the public key set
 * POST /token { oid, name?, email?, tid? } { token } (for the tab's local sign-in with mock users)
 */
import http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';

export interface StandInClaims {
  oid: string;
  tid?: string;
  name?: string;
  email?: string;
  aud?: string;
  iss?: string;
  /** Seconds from now (negative: already expired). Default one hour. */
  expiresIn?: number;
}

export interface StandInIdp {
  readonly url: string;
  readonly metadataUrl: string;
  readonly audience: string;
  readonly tenantId: string;
  /** A token signed with this provider's key. */
  sign(claims: StandInClaims): Promise<string>;
  close(): Promise<void>;
}

const KID = 'stand-in-1';

/** A key pair of the kind Entra signs with, for tokens nobody trusts (a forged signature). */
export async function signWithStrangerKey(claims: StandInClaims & { aud: string; tid: string }): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return signToken(privateKey, claims, claims.aud, claims.tid);
}

function signToken(key: KeyLike, c: StandInClaims, audience: string, tenantId: string): Promise<string> {
  const tid = c.tid ?? tenantId;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tid, oid: c.oid, name: c.name, preferred_username: c.email, ver: '2.0' })
    .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
    .setIssuer(c.iss ?? `https://login.microsoftonline.com/${tid}/v2.0`)
    .setAudience(c.aud ?? audience)
    .setSubject(c.oid)
    .setIssuedAt(now - 5)
    .setNotBefore(now - 5)
    .setExpirationTime(now + (c.expiresIn ?? 3600))
    .sign(key);
}

export async function startStandInIdp(opts: { audience: string; tenantId: string; port?: number }): Promise<StandInIdp> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: KID, use: 'sig', alg: 'RS256' };
  let base = '';
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      return send(200, { issuer: `https://login.microsoftonline.com/${opts.tenantId}/v2.0`, jwks_uri: `${base}/keys`, token_endpoint: `${base}/token` });
    }
    if (req.method === 'GET' && path === '/keys') return send(200, { keys: [jwk] });
    if (req.method === 'POST' && path === '/token') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body: Partial<StandInClaims> = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        } catch {
          return send(400, { error: 'malformed JSON' });
        }
        if (typeof body.oid !== 'string' || !body.oid) return send(400, { error: 'oid required' });
        const claims: StandInClaims = { oid: body.oid, name: str(body.name), email: str(body.email) };
        signToken(privateKey, claims, opts.audience, opts.tenantId).then(
          (token) => send(200, { token }),
          () => send(500, { error: 'could not sign' }),
        );
      });
      return;
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: base,
    metadataUrl: `${base}/.well-known/openid-configuration`,
    audience: opts.audience,
    tenantId: opts.tenantId,
    sign: (c) => signToken(privateKey, c, opts.audience, opts.tenantId),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 200) : undefined);
