/**
 * Microsoft Graph delivery: POST /users/{service mailbox}/sendMail with an application token
 * (Mail.Send application permission, ideally limited to the service mailbox by an application
 * access policy). Graph answers 202 Accepted with no body.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { MailDeliveryError, type MailMessage, type MailTransport } from '../domain/mail';

export const GRAPH_DEFAULT_BASE_URL = 'https://graph.microsoft.com/v1.0';
export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

export interface GraphTransportOptions {
  /** The service mailbox (UPN or object id) the mail is sent as. */
  from: string;
  /** Returns a bearer token for Graph (application permissions). */
  tokenProvider: () => Promise<string>;
  /** Default https://graph.microsoft.com/v1.0 (national clouds and tests change it). */
  graphBaseUrl?: string;
  /** Request timeout in milliseconds (default 15 s). */
  timeoutMs?: number;
}

/** 400 (bad request), 403 (no permission on the mailbox), 404 (no such mailbox) and other 4xx are
 *  permanent; 401 (stale token), 408, 429 and 5xx are transient. */
export function isPermanentGraphStatus(status: number): boolean {
  if (status === 401 || status === 408 || status === 429) return false;
  return status >= 400 && status < 500;
}

async function graphErrorDetail(res: Response): Promise<string> {
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
      if (body?.error) return [body.error.code, body.error.message].filter(Boolean).join(': ');
    } catch {
      /* not JSON */
    }
    return text.slice(0, 200);
  } catch {
    return '';
  }
}

export function createGraphTransport(options: GraphTransportOptions): MailTransport {
  const from = options.from.trim();
  if (!from) throw new Error('MAIL_FROM (the service mailbox) is required to send mail through Graph');
  const base = (options.graphBaseUrl?.trim() || GRAPH_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const endpoint = `${base}/users/${encodeURIComponent(from)}/sendMail`;
  const timeoutMs = options.timeoutMs ?? 15_000;

  return {
    name: 'graph',
    async send(msg: MailMessage): Promise<void> {
      let token: string;
      try {
        token = await options.tokenProvider();
      } catch (err) {
        throw new MailDeliveryError(`Graph token acquisition failed: ${(err as Error)?.message ?? err}`, false, err);
      }

      const payload = {
        message: {
          subject: msg.subject,
          body: { contentType: 'HTML', content: msg.html },
          toRecipients: [{ emailAddress: { address: msg.to } }],
        },
        saveToSentItems: false,
      };

      let res: Response;
      try {
        res = await fetch(endpoint, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json; charset=utf-8',
            Accept: 'application/json',
          },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new MailDeliveryError(`Graph sendMail request failed: ${(err as Error)?.message ?? err}`, false, err);
      }

      if (res.status >= 200 && res.status < 300) {
        await res.body?.cancel().catch(() => undefined);
        return;
      }
      const detail = await graphErrorDetail(res);
      const retryAfter = res.headers.get('retry-after');
      throw new MailDeliveryError(
        `Graph sendMail answered ${res.status}${detail ? `: ${detail}` : ''}${retryAfter ? ` (retry after ${retryAfter}s)` : ''}`,
        isPermanentGraphStatus(res.status),
        { status: res.status, retryAfter: retryAfter ?? undefined },
      );
    },
  };
}

export interface MsalAppTokenOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Default https://login.microsoftonline.com/{tenantId}; msal-node only accepts https. */
  authority?: string;
  scope?: string;
}

/** Client-credentials tokens for Graph; msal-node caches them and renews them before expiry. */
export function createMsalAppTokenProvider(options: MsalAppTokenOptions): () => Promise<string> {
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      authority: options.authority ?? `https://login.microsoftonline.com/${options.tenantId}`,
    },
  });
  const scopes = [options.scope ?? GRAPH_DEFAULT_SCOPE];
  return async () => {
    const result = await app.acquireTokenByClientCredential({ scopes });
    if (!result?.accessToken) throw new Error('msal-node returned no access token for Graph');
    return result.accessToken;
  };
}
