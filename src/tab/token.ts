/**
 * The tab's Teams SSO tokens (authentication.getAuthToken), validated with `jose`: the signature
 * against the identity provider's JWKS (found through its OpenID metadata, Entra's by default, a
 * stand-in for local use and tests), the issuer of the token's own tenant (v2 or v1 form), the
 * audience api://<domain>/botid-<appId>, the expiry, and the tenant against the bot's policy.
 * Whatever fails answers null: the API says 401 and nothing else.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { TenantPolicy } from '../config';
import type { Logger } from '../logger';

export interface TabIdentity {
  oid: string;
  tenantId: string;
  name?: string;
  email?: string;
}

export interface TokenVerifierOptions {
  metadataUrl: string;
  /** Without one (no BOT_DOMAIN / app id configured) no token is valid. */
  audience?: string;
  tenants: TenantPolicy;
  log: Logger;
  /** Seconds of clock skew accepted on exp / nbf. */
  clockToleranceSeconds?: number;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export class TabTokenVerifier {
  private keys: Promise<KeySet> | null = null;

  constructor(private readonly opts: TokenVerifierOptions) {}

  /** The person an `Authorization: Bearer …` header proves, or null. */
  async verify(authorization: string | undefined): Promise<TabIdentity | null> {
    const m = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/i.exec(authorization ?? '');
    if (!m || !this.opts.audience) return null;
    let payload: JWTPayload;
    try {
      const { payload: p } = await jwtVerify(m[1], await this.keySet(), {
        audience: this.opts.audience,
        algorithms: ['RS256'],
        clockTolerance: this.opts.clockToleranceSeconds ?? 60,
        requiredClaims: ['exp', 'iss', 'tid', 'oid'],
      });
      payload = p;
    } catch (err) {
      this.opts.log.debug({ err: (err as Error).message }, 'tab token refused');
      return null;
    }
    const tid = typeof payload.tid === 'string' ? payload.tid : '';
    const oid = typeof payload.oid === 'string' ? payload.oid : '';
    if (!tid || !oid || oid.length > 100) return null;
    // Entra's metadata for "common" names no single issuer: it must be the token's own tenant's.
    if (payload.iss !== `https://login.microsoftonline.com/${tid}/v2.0` && payload.iss !== `https://sts.windows.net/${tid}/`) return null;
    const t = this.opts.tenants;
    if (t.mode === 'list' && !t.ids.includes(tid)) return null;
    const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 200) : undefined);
    return { oid, tenantId: tid, name: str(payload.name), email: str(payload.preferred_username) ?? str(payload.upn) ?? str(payload.email) };
  }

  /** The JWKS named by the metadata, read once (again after a failure); jose refreshes rotated keys. */
  private keySet(): Promise<KeySet> {
    this.keys ??= readMetadata(this.opts.metadataUrl)
      .then((meta) => createRemoteJWKSet(new URL(meta.jwks_uri), { timeoutDuration: 5000, cooldownDuration: 30_000 }))
      .catch((err) => {
        this.keys = null;
        this.opts.log.warn({ err: (err as Error).message, url: this.opts.metadataUrl }, 'could not read the identity provider metadata');
        throw err;
      });
    return this.keys;
  }
}

export interface OpenIdMetadata {
  issuer?: string;
  jwks_uri: string;
  token_endpoint?: string;
}

export async function readMetadata(url: string): Promise<OpenIdMetadata> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`metadata answered ${res.status}`);
  const meta = (await res.json()) as Partial<OpenIdMetadata>;
  if (typeof meta.jwks_uri !== 'string') throw new Error('metadata has no jwks_uri');
  return meta as OpenIdMetadata;
}
