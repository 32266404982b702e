/**
 * Wiring with an explicit lifecycle: createApp() builds everything from a Config, start() opens the
 * HTTP server and the outbox dispatcher, stop() finishes in-flight turns and closes the database.
 */
import type { Config } from './config';
import { TicketAccess } from './domain/access';
import { AttachmentService } from './domain/attachments';
import { checkApprovalSetup, loadCatalog, loadSlaPolicy, slaCalendar } from './config-files';
import { SlaMonitor, SupervisorNotifier } from './domain/sla/monitor';
import { targetsFor } from './domain/sla/policy';
import { SlaClock } from './domain/sla/ticket-sla';
import { SurveyService } from './domain/survey';
import type { MailTransport } from './domain/mail';
import { systemClock, type Clock, type OutboxPayload } from './domain/ports';
import { PersonalDataService } from './domain/personal-data';
import { TicketService } from './domain/tickets/service';
import { pick, type Locale } from './domain/types';
import { t } from './i18n';
import { startHttpServer, type HttpServer } from './http/server';
import { FileDirectory } from './identity/file-directory';
import { ApprovalService } from './domain/approvals/service';
import { KnowledgeService } from './domain/knowledge/service';
import { IncidentService } from './domain/incidents/service';
import { loadKnowledge } from './knowledge-files';
import { IdentityService } from './identity/identity-service';
import { createLogger, type Logger } from './logger';
import { createMailTransport } from './mail/transport';
import { openStorage, type AuditableTicketRepository, type Storage } from './storage';
import { DirectoryExportSink } from './storage/export-dir';
import { createCloudAdapter, TeamsMessageEndpoint } from './teams/adapter';
import { createBot } from './teams/bot';
import { CardRenderer } from './teams/cards';
import { DeliveryOutcomes } from './domain/delivery-outcomes';
import { sendTicketMail } from './mail/ticket-mail';
import { OutboxDispatcher, type DispatcherOptions } from './outbox/dispatcher';
import { TeamsSender } from './teams/outbox-sender';
import { ProactivePoster } from './teams/proactive';
import { TeamsSso } from './teams/sso';
import { RateLimiter } from './teams/rate-limiter';
import { DEFAULT_REPLY_GUARD, ReplyGuard, type ReplyGuardOptions } from './teams/reply-guard';
import type { Services } from './teams/turn';
import { TicketViews } from './teams/views';
import { TabApi, tabDeepLink } from './tab/api';
import { readMetadata, TabTokenVerifier } from './tab/token';
import path from 'node:path';
import { ROOT, TAB_PAGE_DIR } from './paths';

export { loadCatalog, loadHolidayAdjustments, loadSlaPolicy, slaCalendar } from './config-files';

export interface AppOptions {
  log?: Logger;
  clock?: Clock;
  mail?: MailTransport;
  dispatcher?: Partial<DispatcherOptions>;
  /** How long a turn retries its throttled replies before handing them to the outbox. */
  replyGuard?: Partial<ReplyGuardOptions>;
}

export interface App {
  /** The storage engine (SQLite, or PostgreSQL with DATABASE_URL) behind the repositories. */
  readonly storage: Storage;
  readonly log: Logger;
  readonly services: Services;
  readonly dispatcher: OutboxDispatcher;
  readonly tickets: AuditableTicketRepository;
  /** The SLA monitor; `runOnce()` is what the scheduler runs every SLA_CHECK_INTERVAL_SECONDS. */
  readonly sla: { monitor: SlaMonitor; runOnce(): Promise<{ warnings: number; breaches: number }> };
  /** Approval reminders and escalations; `runOnce()` runs with each SLA check. */
  readonly approvals: { runOnce(): Promise<{ reminded: number; escalated: number }> };
  /** Major incidents whose master was resolved: their linked tickets resolved; runs with each SLA check. */
  readonly incidents: { runOnce(): Promise<{ settled: number }> };
  server?: HttpServer;
  /** The retention job (also run at start and every hour): erases old contact phones. */
  runRetention(): Promise<string[]>;
  /** The attachments cleanup (also run at start and every hour): files never linked within 24 hours. */
  runAttachmentCleanup(): Promise<{ rows: number; files: number }>;
  start(): Promise<HttpServer>;
  stop(): Promise<void>;
}

export function createApp(cfg: Config, opts: AppOptions = {}): App {
  const log = opts.log ?? createLogger(cfg.logLevel);
  const clock = opts.clock ?? systemClock;
  if (cfg.auth.anonymous) {
    log.warn(
      '!!! BOT_ALLOW_ANONYMOUS=true: requests to /api/messages are NOT authenticated. Local development only — never expose this to a network. !!!',
    );
  }
  if (cfg.tenants.mode === 'any' && cfg.tenants.reason === 'wildcard') {
    log.warn(
      '!!! ALLOWED_TENANT_IDS=*: activities from EVERY Entra tenant are accepted. To accept only your own, unset ALLOWED_TENANT_IDS (MicrosoftAppTenantId is then the only tenant) or list the tenant ids. !!!',
    );
  }
  const catalog = loadCatalog(cfg.catalogPath);
  const slaPolicy = loadSlaPolicy(cfg.sla.policyPath, catalog);
  const calendar = slaCalendar(cfg);
  const directory = FileDirectory.load(cfg.directoryPath);
  // Every approval rule of the catalog must resolve to someone in the directory: fail at start, with the fix.
  checkApprovalSetup(catalog, directory);
  const articleFiles = loadKnowledge(cfg.knowledge.dir, catalog, cfg.knowledge.required);
  const dispatcherOptions: DispatcherOptions = { pollMs: cfg.outboxPollMs, perKeyIntervalMs: 150, maxAttempts: 12, batch: 50, maxPerSecond: cfg.outboxMaxPerSecond, ...opts.dispatcher };
  const storage = openStorage(cfg, { outboxPaceGapMs: dispatcherOptions.perKeyIntervalMs });
  const { tickets: ticketRepo, outbox, queues, members, refs, profiles } = storage;
  const mail = opts.mail ?? createMailTransport(cfg, log);
  // With MAIL_TRANSPORT=none (and no transport given) no e-mail is queued, and none is promised.
  const mailOn = !!opts.mail || cfg.mail.transport !== 'none';
  const contactText = (locale: Locale) => cfg.supportContact ?? pick(catalog.contact, locale);
  const identity = new IdentityService(profiles, directory, clock, cfg.profileTtlMs, async (oid) => {
    const teamIds = (await queues.list()).map((q) => q.teamId);
    return members.isMemberOfAny(oid, teamIds);
  });
  const staff = storage.staff(() => directory.supervisors());
  const supervisorNotifier = new SupervisorNotifier(staff, queues, members);
  const surveys = new SurveyService(storage.surveys, supervisorNotifier, clock, {
    changeWindowMs: cfg.survey.changeWindowMs,
    lowScore: cfg.survey.lowScore,
  });
  const slaClock = new SlaClock(calendar, cfg.sla.warningPercent, (t) => targetsFor(slaPolicy, t, catalog.findTemplate(t.templateId)?.sla));
  const slaMonitor = new SlaMonitor({ repo: storage.sla, queues, staff, supervisors: supervisorNotifier, clock });
  const approvals = new ApprovalService(storage.approvals, ticketRepo, queues, directory, clock, {
    radicadoPrefix: cfg.radicadoPrefix,
    ticketsPerHour: cfg.limits.ticketsPerHour,
    mailEnabled: mailOn,
    calendar,
    sla: slaClock,
  });
  const knowledge = new KnowledgeService(storage.knowledge, clock, { files: articleFiles, radicadoPrefix: cfg.radicadoPrefix });
  const tickets = new TicketService(ticketRepo, queues, clock, {
    approvals: { policyFor: (id) => catalog.approvalFor(id), file: (input, policy, requester) => approvals.file(input, policy, requester) },
    radicadoPrefix: cfg.radicadoPrefix,
    mailEnabled: mailOn,
    ticketsPerHour: cfg.limits.ticketsPerHour,
    sla: slaClock,
    surveyWanted: (id) => surveys.wanted(id),
    duplicateSimilarity: cfg.duplicateSimilarity,
    articles: (input) => knowledge.suggest(input),
    incidents: { open: (tenantId, serviceId) => storage.incidents.open(tenantId, serviceId) },
  });
  /** The first problem template of these services, in order: where a major incident's cases are filed. */
  const problemTemplate = (serviceIds: string[]) => {
    for (const id of serviceIds) {
      const template = catalog.findService(id)?.templates.find((t) => !t.retired && t.kind !== 'request');
      const loc = template && catalog.locate(template.id);
      if (template && loc) return { template, loc };
    }
    return null;
  };
  const incidents = new IncidentService(storage.incidents, clock, (child, actor, note, survey) => tickets.resolveLinked(child, actor, note, survey), async (actor, input) => {
    // The master of an incident declared by command: a case of the service's first problem template.
    const found = problemTemplate([input.serviceId]);
    if (!found) return null;
    const { template, loc } = found;
    const { ticket } = await tickets.file({
      submissionKey: `incident:${actor.oid}:${clock.now().getTime()}`,
      requester: { oid: actor.oid, tenantId: actor.tenantId, name: actor.name, email: actor.email },
      locale: 'es',
      contactChannel: 'teams',
      categoryId: loc.category.id,
      serviceId: loc.service.id,
      templateId: template.id,
      fieldValues: {},
      description: `${input.title}\n\n${input.statusText}`,
      priority: 'critical',
    });
    return ticket;
  }, async (t) => t.queueConversationId ?? (await queues.forCategory(t.queueCategoryId))?.channelId, {
    announce: { ...cfg.announce, people: (tenantId) => refs.people(tenantId) },
    // "Esto me afecta": the person's case on the incident's first service with a problem form, linked to it, once.
    fileAffected: async (person, incident) => {
      const found = problemTemplate(incident.serviceIds);
      if (!found) return null;
      const out = await tickets.submit({
        submissionKey: `affects:${incident.masterId}:${person.oid}`,
        requester: { oid: person.oid, tenantId: person.tenantId, name: person.name, email: person.email },
        locale: person.locale,
        contactChannel: 'teams',
        categoryId: found.loc.category.id,
        serviceId: found.loc.service.id,
        templateId: found.template.id,
        fieldValues: {},
        description: t(person.locale, 'incidentAffectsDescription', { title: incident.title }),
        priority: found.template.priority,
      }, { offerDuplicates: false, linkTo: incident.masterId });
      return out.kind === 'filed' ? { ticket: out.ticket, created: out.created } : null;
    },
  });
  const personalData = new PersonalDataService(storage.personalData, new DirectoryExportSink(cfg.exportDir), clock, {
    release: (sha256s) => attachments.release(sha256s),
  });
  const requesterCards = storage.requesterCards;
  const attachmentRepo = storage.attachments;
  const access = new TicketAccess(ticketRepo, queues, members, attachmentRepo, approvals);
  const attachments = new AttachmentService(
    attachmentRepo,
    ticketRepo,
    queues,
    storage.blobs(cfg.attachments.dir),
    clock,
    { maxBytes: cfg.attachments.maxBytes, types: cfg.attachments.types },
    access,
  );
  const cards = new CardRenderer();
  const views = new TicketViews(catalog, ticketRepo, contactText, clock, queues, attachmentRepo, calendar, mailOn, storage.approvals, storage.incidents);
  // "Abrir en la pestaña": the tab's case page through a Teams deep link; for local use, the page itself.
  views.tabLink = cfg.tab.teamsAppId
    ? (ticketId) => tabDeepLink(cfg.tab.teamsAppId!, ticketId)
    : cfg.tab.devSignIn
      ? (ticketId) => `http://localhost:${cfg.port}/tab/#/case/${ticketId}`
      : undefined;
  const services: Services = {
    cfg,
    log,
    clock,
    cards,
    catalog,
    tickets,
    access,
    replies: new ReplyGuard(outbox, log, { ...DEFAULT_REPLY_GUARD, ...opts.replyGuard }),
    queues,
    members,
    refs,
    requesterCards,
    identity,
    views,
    calendar,
    surveys,
    reports: storage.reports,
    history: storage.history,
    privacy: storage.privacy,
    welcomes: storage.welcomes,
    personalData,
    lookups: new RateLimiter(cfg.limits.lookupsPerMinute, 60_000),
    attachments,
    approvals,
    knowledge,
    incidents,
    sso: cfg.ssoConnectionName
      ? new TeamsSso({
          connectionName: cfg.ssoConnectionName,
          storage: storage.botState,
          graphBaseUrl: cfg.graphBaseUrl,
          promptIntervalMs: cfg.profileTtlMs,
          clock,
          log,
        })
      : undefined,
  };
  if (!cfg.tab.audience) log.warn('The Teams tab accepts no token: set BOT_DOMAIN (with MicrosoftAppId) or TAB_SSO_AUDIENCE.');
  const tab = new TabApi({
    verifier: new TabTokenVerifier({ metadataUrl: cfg.tab.metadataUrl, audience: cfg.tab.audience, tenants: cfg.tenants, log }),
    identity,
    access,
    tickets,
    queues,
    members,
    catalog,
    views,
    reports: storage.reports,
    calendar,
    clock,
    log,
    incidents,
    // Local use only (config refuses it with an app id): the directory's people sign in without a password.
    devSignIn: cfg.tab.devSignIn
      ? {
          users: () => directory.users.filter((u) => !!u.oid).map((u) => ({ oid: u.oid!, name: u.name ?? u.email ?? u.oid!, email: u.email })),
          token: async (user) => {
            const meta = await readMetadata(cfg.tab.metadataUrl);
            if (!meta.token_endpoint) throw new Error('the stand-in identity provider names no token_endpoint');
            const res = await fetch(meta.token_endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) });
            if (!res.ok) throw new Error(`the stand-in identity provider answered ${res.status}`);
            return ((await res.json()) as { token: string }).token;
          },
        }
      : undefined,
  });
  const adapter = createCloudAdapter(cfg, log);
  const poster = new ProactivePoster(adapter, cfg.auth.appId ?? '', refs);
  const teams = new TeamsSender({
    poster,
    cards,
    views,
    queues,
    members,
    clock,
    tickets: ticketRepo,
    requesterCards,
    surveyChangeWindowMs: cfg.survey.changeWindowMs,
    attachments: attachmentRepo,
    approvals: storage.approvals,
    incidents: storage.incidents,
  });
  const mailDeps = { transport: mail, tickets: ticketRepo, names: views.names.bind(views), contactText };
  const outcomes = new DeliveryOutcomes({ clock, tickets: ticketRepo, queues, members, requesterCards });
  const send = (p: OutboxPayload) => (p.type === 'mail' ? sendTicketMail(mailDeps, p) : teams.send(p));
  const dispatcher = new OutboxDispatcher({ log, clock, outbox, send, outcomes }, dispatcherOptions);
  /**
   * Runs a turn or a tab request, then wakes the dispatcher if it wrote to the outbox (its
   * transactions have committed by then); not after every one: an idle claim per answer was one more
   * statement each (on PostgreSQL a write), and the poll (OUTBOX_POLL_MS) still finds anything else.
   */
  const wakingTheOutbox = async <T>(work: () => Promise<T>): Promise<T> => {
    const before = outbox.writes();
    try {
      return await work();
    } finally {
      if (outbox.writes() !== before) dispatcher.kick();
    }
  };
  const bot = createBot(services);
  const endpoint = new TeamsMessageEndpoint(
    adapter,
    (ctx) => wakingTheOutbox(() => bot(ctx)),
    { tenants: cfg.tenants, dedup: storage.dedup, log },
  );
  let autoClose: NodeJS.Timeout | null = null;
  let retention: NodeJS.Timeout | null = null;
  const runRetention = async () => {
    const erased = await personalData.erasePhones(cfg.phoneRetentionDays);
    if (erased.length) log.info({ tickets: erased.length, retentionDays: cfg.phoneRetentionDays }, 'contact phones erased (retention)');
    return erased;
  };
  const retentionSafely = () => runRetention().catch((err) => log.error({ err }, 'phone retention job failed'));
  let attachmentCleanup: NodeJS.Timeout | null = null;
  const runAttachmentCleanup = async () => {
    const r = await attachments.purgeUnlinked();
    if (r.rows || r.files) log.info(r, 'unlinked attachments deleted');
    return r;
  };
  const attachmentCleanupSafely = () => runAttachmentCleanup().catch((err) => log.error({ err }, 'attachment cleanup failed'));
  let slaTimer: NodeJS.Timeout | null = null;
  /**
   * A periodic job run one pass at a time: a call while a pass runs gets that pass. What it records
   * is written once in the database and delivered by the outbox (kicked when there is news); a
   * failure is logged and counts as nothing done.
   */
  const onePassAtATime = <T extends Record<string, number>>(job: () => Promise<T>, none: T, news: string, failure: string) => {
    let current: Promise<T> | null = null;
    const run = (): Promise<T> =>
      (current ??= job()
        .then((r) => {
          if (Object.values(r).some((n) => n > 0)) {
            log.info({ counts: r as Record<string, number> }, news);
            dispatcher.kick();
          }
          return r;
        })
        .catch((err) => {
          log.error({ err }, failure);
          return none;
        })
        .finally(() => {
          current = null;
        }));
    return { run, running: () => current };
  };
  const slaPass = onePassAtATime(() => slaMonitor.tick(), { warnings: 0, breaches: 0 }, 'SLA alerts recorded', 'SLA check failed');
  const approvalPass = onePassAtATime(() => approvals.tick(), { reminded: 0, escalated: 0 }, 'approval reminders and escalations recorded', 'approval check failed');
  const incidentPass = onePassAtATime(() => incidents.tick(), { settled: 0 }, 'linked tickets resolved with their major incident', 'major incident check failed');
  // Articles published or retired on another instance reach this one's index with the next pass.
  const knowledgePass = onePassAtATime(async () => ({ reindexed: (await knowledge.reindex()) ? 1 : 0 }), { reindexed: 0 }, 'knowledge index rebuilt', 'knowledge reindex failed');
  const runSla = slaPass.run;
  const runApprovals = approvalPass.run;

  const app: App = {
    storage,
    log,
    services,
    dispatcher,
    tickets: ticketRepo,
    runRetention,
    runAttachmentCleanup,
    sla: { monitor: slaMonitor, runOnce: runSla },
    approvals: { runOnce: runApprovals },
    incidents: { runOnce: incidentPass.run },
    async start() {
      await storage.ready();
      await knowledge.start();
      log.info({ articles: knowledge.publishedCount }, 'knowledge base ready');
      app.server = await startHttpServer({
        port: cfg.port,
        host: cfg.host,
        maxBodyBytes: cfg.maxBodyBytes,
        log,
        messages: endpoint,
        tab: { api: { handle: (req) => wakingTheOutbox(() => tab.handle(req)) }, staticDir: TAB_PAGE_DIR },
        health: async () => {
          // A real probe of the database (SQLite: read, write lock, last write; PostgreSQL: a round trip
          // and the last write outcome). 503 when the database is unusable.
          const probe = await storage.probe(Math.min(200, cfg.dbBusyTimeoutMs));
          const details: Record<string, unknown> = { database: probe.state, engine: storage.engine };
          if (probe.code) details.databaseError = { code: probe.code, message: probe.error };
          if (probe.migrations !== undefined) details.migrations = probe.migrations;
          try {
            const b = await outbox.backlog();
            const now = clock.now().getTime();
            details.outboxPending = b.pending;
            details.outbox = {
              pending: b.pending,
              oldestPendingSeconds: b.oldestPendingAt ? Math.max(0, Math.round((now - b.oldestPendingAt.getTime()) / 1000)) : 0,
              failed: b.failed,
              lastError: b.lastError,
            };
          } catch (err) {
            details.outbox = { error: (err as Error).message };
          }
          return { ok: probe.state === 'ok', details };
        },
      });
      dispatcher.start();
      autoClose = setInterval(() => {
        tickets.autoClose(cfg.autoCloseDays).catch((err) => log.error({ err }, 'auto-close failed'));
      }, 3600_000);
      autoClose.unref();
      await retentionSafely();
      retention = setInterval(() => void retentionSafely(), 3600_000);
      retention.unref();
      await attachmentCleanupSafely();
      attachmentCleanup = setInterval(() => void attachmentCleanupSafely(), 3600_000);
      attachmentCleanup.unref();
      // Catch up at once (alerts due while the bot was down), then every SLA_CHECK_INTERVAL_SECONDS.
      await runSla();
      await runApprovals();
      await incidentPass.run();
      slaTimer = setInterval(() => void runSla().then(runApprovals).then(incidentPass.run).then(knowledgePass.run), cfg.sla.checkIntervalMs);
      slaTimer.unref();
      log.info({ url: app.server.url }, 'Mesa de Ayuda listening');
      return app.server;
    },
    async stop() {
      if (autoClose) clearInterval(autoClose);
      if (retention) clearInterval(retention);
      if (attachmentCleanup) clearInterval(attachmentCleanup);
      if (slaTimer) clearInterval(slaTimer);
      await slaPass.running();
      await approvalPass.running();
      await incidentPass.running();
      await knowledgePass.running();
      await app.server?.close();
      await dispatcher.stop();
      await mail.close?.();
      await storage.close();
    },
  };
  return app;
}
