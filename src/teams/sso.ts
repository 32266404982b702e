/**
 * Teams single sign-on. The user's Graph token comes from the Bot Framework token service through
 * the CloudAdapter's UserTokenClient (never from anything the user sends in a card):
 *  - on a profile refresh, `getUserToken` returns the cached token, and Graph `/me` + `/me/memberOf`
 *    give name, mail, job title, department, phones and groups;
 *  - with no token yet, a personal chat gets one OAuthCard (at most once per user per profile TTL)
 *    carrying the tokenExchangeResource, so Teams performs the silent SSO exchange;
 *  - `signin/tokenExchange` runs through botbuilder's TeamsSSOTokenExchangeMiddleware on the SQLite
 *    bot storage (a failed exchange answers 412 so Teams falls back to the sign-in card; a repeated
 *    exchange id is processed once); `signin/verifyState` completes the fallback sign-in.
 * After either succeeds the cached profile is refreshed, so new roles apply at once.
 */
import { ActivityTypes, CardFactory, TeamsSSOTokenExchangeMiddleware, type Activity, type Storage, type TurnContext } from 'botbuilder';
import type { Clock } from '../domain/ports';
import { fetchGraphProfile, type GraphProfile } from '../identity/graph-directory';
import type { Logger } from '../logger';
import type { Turn } from './turn';

/** The part of botframework-connector's UserTokenClient this module uses. */
export interface UserTokenClientLike {
  getUserToken(userId: string, connectionName: string, channelId: string, magicCode?: string): Promise<{ token?: string } | undefined>;
  exchangeToken(userId: string, connectionName: string, channelId: string, request: { token?: string }): Promise<{ token?: string } | undefined>;
  getSignInResource(
    connectionName: string,
    activity: Activity,
    finalRedirect?: string,
  ): Promise<{ signInLink?: string; tokenExchangeResource?: any; tokenPostResource?: any }>;
}

export interface SsoOptions {
  connectionName: string;
  /** Storage with eTag semantics (storage/bot-state.ts): exchange de-duplication and prompt memory. */
  storage: Storage;
  graphBaseUrl: string;
  /** The sign-in card is offered to a user at most once per this interval (the profile TTL). */
  promptIntervalMs: number;
  clock: Clock;
  log: Logger;
}

const PROMPT = {
  es: {
    title: 'Iniciar sesión',
    text: 'Para reconocer su cargo, área y permisos, Mesa de Ayuda necesita su autorización para leer su perfil. Puede seguir usando el servicio mientras tanto.',
  },
  en: {
    title: 'Sign in',
    text: 'To recognise your job title, department and permissions, Mesa de Ayuda needs your consent to read your profile. You can keep using the service meanwhile.',
  },
} as const;

export const SIGNIN_INVOKES = ['signin/tokenExchange', 'signin/verifyState'] as const;

export function isSigninInvoke(a: Partial<Activity>): boolean {
  return a.type === ActivityTypes.Invoke && (SIGNIN_INVOKES as readonly string[]).includes(a.name ?? '');
}

export class TeamsSso {
  private readonly middleware: TeamsSSOTokenExchangeMiddleware;

  constructor(private readonly opts: SsoOptions) {
    this.middleware = new TeamsSSOTokenExchangeMiddleware(opts.storage, opts.connectionName);
  }

  get connectionName() {
    return this.opts.connectionName;
  }

  /**
   * The Graph profile of the caller, or null when there is no token (then, in a personal chat,
   * a sign-in card is offered once) or the token service or Graph fail (logged; roster is used).
   */
  async profile(turn: Turn): Promise<GraphProfile | null> {
    const ctx = turn.ctx;
    const client = userTokenClient(ctx);
    if (!client) return null;
    const a = ctx.activity;
    let token: string | undefined;
    try {
      token = (await client.getUserToken(a.from.id, this.opts.connectionName, a.channelId))?.token;
    } catch (err) {
      this.opts.log.warn({ err: errInfo(err) }, 'SSO: the token service could not be asked for a user token');
      return null;
    }
    if (!token) {
      if (turn.isPersonal) await this.offerSignIn(turn, client);
      return null;
    }
    try {
      return await fetchGraphProfile(token, this.opts.graphBaseUrl);
    } catch (err) {
      this.opts.log.warn({ err: errInfo(err) }, 'SSO: Microsoft Graph profile could not be read');
      return null;
    }
  }

  /** Handles `signin/tokenExchange` and `signin/verifyState`; always answers the invoke. */
  async onSigninInvoke(turn: Turn): Promise<void> {
    if (turn.activity.name === 'signin/verifyState') return this.onVerifyState(turn);
    return this.onTokenExchange(turn);
  }

  private async onTokenExchange(turn: Turn): Promise<void> {
    const ctx = turn.ctx;
    const value = ctx.activity.value as { id?: unknown } | undefined;
    if (typeof value?.id !== 'string' || !value.id) return invokeResponse(ctx, 400);
    // The middleware only exchanges for Teams; elsewhere answer as a failed exchange.
    if (ctx.activity.channelId !== 'msteams') return invokeResponse(ctx, 412);
    // A request already processed (another Teams client of the same user, or a retry) is
    // answered without asking the token service again. The middleware's own eTag write below
    // still settles concurrent duplicates.
    const key = `${ctx.activity.channelId}/${ctx.activity.conversation.id}/${value.id}`;
    if ((await this.opts.storage.read([key]))[key]) return invokeResponse(ctx, 200);
    let exchanged = false;
    await this.middleware.onTurn(ctx, async () => {
      exchanged = true;
    });
    // Otherwise the middleware has answered: 412 (exchange failed, Teams shows the sign-in card)
    // or 200 (a concurrent duplicate won).
    if (!exchanged) return;
    await turn.user({ refresh: true });
    await invokeResponse(ctx, 200, { id: value.id, connectionName: this.opts.connectionName });
  }

  private async onVerifyState(turn: Turn): Promise<void> {
    const ctx = turn.ctx;
    const client = userTokenClient(ctx);
    const state = (ctx.activity.value as { state?: unknown } | undefined)?.state;
    if (!client || typeof state !== 'string' || !state || state.length > 1024) return invokeResponse(ctx, 404);
    let token: string | undefined;
    try {
      token = (await client.getUserToken(ctx.activity.from.id, this.opts.connectionName, ctx.activity.channelId, state))?.token;
    } catch (err) {
      this.opts.log.warn({ err: errInfo(err) }, 'SSO: verifyState could not be completed');
    }
    if (!token) return invokeResponse(ctx, 404);
    await turn.user({ refresh: true });
    await invokeResponse(ctx, 200);
  }

  /** One OAuthCard per user per interval: Teams uses its tokenExchangeResource for silent SSO. */
  private async offerSignIn(turn: Turn, client: UserTokenClientLike): Promise<void> {
    const key = `sso/prompted/${turn.tenantId}/${turn.oid}`;
    const now = this.opts.clock.now().getTime();
    try {
      const prev = (await this.opts.storage.read([key]))[key] as { at?: number } | undefined;
      if (prev?.at !== undefined && now - prev.at < this.opts.promptIntervalMs) return;
      const res = await client.getSignInResource(this.opts.connectionName, turn.activity as Activity);
      const p = PROMPT[turn.locale === 'en' ? 'en' : 'es'];
      await turn.ctx.sendActivity({
        attachments: [CardFactory.oauthCard(this.opts.connectionName, p.title, p.text, res.signInLink ?? '', res.tokenExchangeResource, res.tokenPostResource)],
      });
      await this.opts.storage.write({ [key]: { at: now, eTag: '*' } });
    } catch (err) {
      this.opts.log.warn({ err: errInfo(err) }, 'SSO: the sign-in card could not be offered');
    }
  }
}

/** The UserTokenClient the CloudAdapter put in the turn state, if any. */
export function userTokenClient(ctx: TurnContext): UserTokenClientLike | undefined {
  const key = (ctx.adapter as { UserTokenClientKey?: symbol }).UserTokenClientKey;
  return key ? ctx.turnState.get<UserTokenClientLike>(key) : undefined;
}

async function invokeResponse(ctx: TurnContext, status: number, body?: unknown): Promise<void> {
  await ctx.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status, body } });
}

function errInfo(err: unknown) {
  const e = err as { name?: string; message?: string; statusCode?: number; status?: number };
  return { name: e?.name, message: e?.message?.slice(0, 300), status: e?.statusCode ?? e?.status };
}
