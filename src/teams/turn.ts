/**
 * One turn: the activity, the services, the caller's identity (resolved once, lazily) and helpers
 * to answer with cards in the right language — as a new message or, for card actions, in place.
 */
import { ActivityTypes, CardFactory, TeamsInfo, TurnContext } from 'botbuilder';
import type { ApprovalService } from '../domain/approvals/service';
import type { KnowledgeService } from '../domain/knowledge/service';
import type { IncidentService } from '../domain/incidents/service';
import type { Config } from '../config';
import type { TicketAccess } from '../domain/access';
import type { AttachmentService } from '../domain/attachments';
import type { CatalogService } from '../domain/catalog';
import type {
  Clock,
  ConversationRefRepository,
  PrivacyNotices,
  QueueRepository,
  RequesterCardRepository,
  TeamMemberRepository,
  UserProfile,
  WelcomeLog,
} from '../domain/ports';
import type { ReportDataSource } from '../domain/reports/metrics';
import type { HistoryAudit } from '../domain/history-audit';
import type { CalendarConfig } from '../domain/sla/working-calendar';
import type { SurveyService } from '../domain/survey';
import type { Actor } from '../domain/tickets/state-machine';
import type { PersonalDataService } from '../domain/personal-data';
import type { TicketService } from '../domain/tickets/service';
import type { Locale } from '../domain/types';
import { activityLocale, localeOf, messages, t, type MessageKey } from '../i18n';
import { conversationKey, userKey } from '../outbox/keys';
import type { IdentityService, RosterProfile } from '../identity/identity-service';
import type { Logger } from '../logger';
import type { AdaptiveCardJson, CardName, CardRenderer } from './cards';
import type { TicketViews } from './views';
import { tenantOf } from './adapter';
import type { RateLimiter } from './rate-limiter';
import type { ReplyGuard } from './reply-guard';
import type { TeamsSso } from './sso';

export interface Services {
  cfg: Config;
  log: Logger;
  clock: Clock;
  cards: CardRenderer;
  catalog: CatalogService;
  tickets: TicketService;
  /** The authorisation rules (who may see and act on a ticket); used through gate.ts. */
  access: TicketAccess;
  /** Retries a turn's throttled replies, then hands them to the outbox (never a silent turn). */
  replies: ReplyGuard;
  queues: QueueRepository;
  members: TeamMemberRepository;
  refs: ConversationRefRepository;
  /** Where each requester's confirmation card is (for proactive position updates). */
  requesterCards: RequesterCardRepository;
  identity: IdentityService;
  views: TicketViews;
  privacy: PrivacyNotices;
  welcomes: WelcomeLog;
  personalData: PersonalDataService;
  lookups: RateLimiter;
  /** SLA working calendar (office hours, Colombian holidays, America/Bogota). */
  calendar: CalendarConfig;
  surveys: SurveyService;
  reports: ReportDataSource;
  /** The per-radicado audit trail ("historial del radicado X"). */
  history: HistoryAudit;
  /** Teams SSO (Graph profile with the user's token); absent without SSO_CONNECTION_NAME. */
  sso?: TeamsSso;
  /** Files attached to tickets. */
  attachments: AttachmentService;
  /** Requests awaiting approval: deciding, reminding, "mis aprobaciones". */
  approvals: ApprovalService;
  /** The knowledge base: articles before filing, feedback, drafts, deflection. */
  knowledge: KnowledgeService;
  /** Major incidents: declare, link, one voice to every linked requester, resolve them all. */
  incidents: IncidentService;
}

export class Turn {
  private lang: Locale;
  /** The Teams locale this turn speaks: the activity's own, else the one remembered for this conversation. */
  private teamsLocale: string | undefined;
  private profile?: Promise<UserProfile>;
  /** Set by card-action handlers: the card that replaces the clicked one. */
  invokeResult?: { card: AdaptiveCardJson } | { message: string };

  constructor(readonly ctx: TurnContext, readonly services: Services) {
    this.teamsLocale = activityLocale(ctx.activity);
    this.lang = localeOf(this.teamsLocale);
  }

  /** The caller's language (es or en). */
  get locale(): Locale {
    return this.lang;
  }

  /** True when the activity itself says which language the person uses. */
  get namesLocale(): boolean {
    return activityLocale(this.activity) !== undefined;
  }

  /** The Teams locale to remember for this conversation (the activity's, else the one recalled). */
  get rememberedLocale(): string | undefined {
    return this.teamsLocale;
  }

  /** Where this conversation's reference is kept: the person's key in a 1:1 chat, else the conversation's. */
  get refKey(): string {
    return this.isPersonal ? userKey(this.oid) : conversationKey(this.activity.conversation.id.split(';')[0]);
  }

  /**
   * An activity that names no language (Teams' conversationUpdate of an install) speaks the language
   * last seen in this conversation, which rememberConversation keeps; with none, Spanish.
   */
  async recallLocale(): Promise<void> {
    if (this.namesLocale) return;
    const ref = (await this.services.refs.get(this.refKey).catch(() => null)) as { locale?: unknown } | null;
    if (typeof ref?.locale === 'string' && ref.locale) {
      this.teamsLocale = ref.locale;
      this.lang = localeOf(ref.locale);
    }
  }

  get activity() {
    return this.ctx.activity;
  }
  /** The texts of the caller's language. */
  get messages() {
    return messages(this.locale);
  }
  get isPersonal() {
    return (this.activity.conversation?.conversationType ?? 'personal') === 'personal';
  }
  get isChannel() {
    return this.activity.conversation?.conversationType === 'channel';
  }
  /**
   * In a channel, the id of the thread's root message when this activity is a reply in a thread
   * (a case's thread); undefined for a new post, which Teams addresses as a thread of its own.
   */
  get threadRoot(): string | undefined {
    if (!this.isChannel) return undefined;
    const root = /;messageid=([^;]+)$/.exec(this.activity.conversation.id)?.[1];
    return root && root !== this.activity.id ? root : undefined;
  }
  get tenantId(): string {
    return tenantOf(this.activity) ?? 'local';
  }
  /** The caller's Entra object id; outside Teams (anonymous local use) the channel user id. */
  get oid(): string {
    return this.activity.from?.aadObjectId ?? this.activity.from?.id ?? 'anonymous';
  }

  text(key: MessageKey, vars?: Record<string, string | number>) {
    return t(this.locale, key, vars);
  }

  /**
   * Identity from the authenticated activity plus roster/directory and, with Teams SSO, the user's
   * Graph profile; never from card data. `refresh` skips the cached profile (after a sign-in).
   */
  user(opts: { refresh?: boolean } = {}): Promise<UserProfile> {
    if (opts.refresh) this.profile = undefined;
    this.profile ??= this.services.identity.resolve({
      oid: this.oid,
      tenantId: this.tenantId,
      activityName: this.activity.from?.name,
      refresh: opts.refresh,
      fetchProfile: async () => {
        if (this.activity.channelId !== 'msteams') return null;
        const member = await TeamsInfo.getMember(this.ctx, this.activity.from.id).catch(() => null);
        const roster = member && { name: member.name, email: member.email ?? undefined, upn: member.userPrincipalName ?? undefined };
        const graph = this.services.sso ? await this.services.sso.profile(this) : null;
        if (!graph) return roster;
        // Graph wins where it has a value; the roster fills the gaps.
        const merged: Record<string, unknown> = { ...(roster ?? {}) };
        for (const [k, v] of Object.entries(graph)) if (v !== undefined) merged[k] = v;
        return merged as RosterProfile;
      },
    });
    return this.profile;
  }

  async actor(): Promise<Actor> {
    const u = await this.user();
    return { oid: u.oid, name: u.name, roles: u.roles };
  }

  async isStaff(): Promise<boolean> {
    const u = await this.user();
    return u.roles.includes('agent') || u.roles.includes('supervisor');
  }

  card(name: CardName, data: Record<string, unknown>): AdaptiveCardJson {
    return this.services.cards.render(name, { t: this.messages, ...data });
  }

  /**
   * Answers a card action by replacing the card, or a message by sending a new one. Returns the id
   * of the message that shows the card (the replaced card's message, or the new one), if known.
   */
  async show(card: AdaptiveCardJson): Promise<string | undefined> {
    if (this.isCardAction || this.isDialog) {
      this.invokeResult = { card };
      return this.activity.replyToId;
    }
    return (await this.ctx.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] }))?.id;
  }

  async sendCard(card: AdaptiveCardJson): Promise<void> {
    await this.ctx.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] });
  }

  /** A short notice: in place of the card for actions, as a message otherwise. */
  async notice(text: string, opts: { title?: string; color?: string; actions?: { title: string; verb: string; data?: object }[] } = {}) {
    const card = this.card('message', {
      title: opts.title ?? '',
      text,
      color: opts.color ?? 'Default',
      actions: (opts.actions ?? []).map((a) => ({ ...a, data: a.data ?? {} })),
    });
    await this.show(card);
  }

  get isCardAction(): boolean {
    return this.activity.type === ActivityTypes.Invoke && this.activity.name === 'adaptiveCard/action';
  }

  /** A message extension's dialog ("Crear radicado desde este mensaje"): its answer is the next card of the dialog. */
  get isDialog(): boolean {
    return this.activity.type === ActivityTypes.Invoke && (this.activity.name === 'composeExtension/fetchTask' || this.activity.name === 'composeExtension/submitAction');
  }
}

export function mainActions(turn: Turn) {
  return [
    { title: turn.messages.btnNewRequest, verb: 'catalog.categories' },
    { title: turn.messages.btnMyTickets, verb: 'tickets.mine', data: { page: 0 } },
    { title: turn.messages.btnHelp, verb: 'help' },
  ];
}

export { TurnContext };
