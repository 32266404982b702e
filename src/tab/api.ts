/**
 * The Teams tab's JSON API (/api/tab/*), framework-free: src/http/server.ts hands each request over
 * as plain data. Every call proves who it is with a Teams SSO token (token.ts); roles come from the
 * bot's identity service, and every ticket goes through the same gate (domain/access.ts) and the
 * same state machine as the cards: someone who may not see a ticket gets the answer for one that
 * does not exist. Labels and times are answered translated (Accept-Language) and in Bogotá.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Caller, TicketAccess } from '../domain/access';
import { hasStaffRole, isSupervisor } from '../domain/access';
import type { CatalogService } from '../domain/catalog';
import type { Clock, OpenFilter, QueueRepository, TeamMemberRepository } from '../domain/ports';
import type { ReportDataSource } from '../domain/reports/metrics';
import { metricsSince } from '../domain/reports/metrics';
import { computeDashboard } from '../domain/reports/dashboard';
import { toCsv } from '../domain/reports/csv';
import { slaState, type SlaState } from '../domain/sla/ticket-sla';
import type { CalendarConfig } from '../domain/sla/working-calendar';
import type { Actor } from '../domain/tickets/state-machine';
import type { ActionOutcome, TicketService } from '../domain/tickets/service';
import { OPEN_STATUSES, type Ticket, type TicketEvent, type TicketStatus, type TicketSummary } from '../domain/tickets/model';
import { PRIORITIES, pick, type Locale, type Priority } from '../domain/types';
import type { MajorIncident } from '../domain/incidents/model';
import type { IncidentService } from '../domain/incidents/service';
import type { IdentityService } from '../identity/identity-service';
import { formatDateTime, localeOf, messages, t, type MessageKey } from '../i18n';
import type { Logger } from '../logger';
import { age, duration, statusText } from '../teams/render/format';
import type { TicketViews } from '../teams/views';
import type { TabIdentity, TabTokenVerifier } from './token';

export interface TabRequest {
  method: string;
  /** The path without the query string, e.g. /api/tab/queue. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

export interface TabResponse {
  status: number;
  body?: unknown;
  /** A non-JSON body (the CSV), sent as is with `headers`. */
  text?: string;
  headers?: Record<string, string>;
}

export interface TabDeps {
  verifier: TabTokenVerifier;
  identity: IdentityService;
  access: TicketAccess;
  tickets: TicketService;
  queues: Pick<QueueRepository, 'forCategory'>;
  members: Pick<TeamMemberRepository, 'list'>;
  catalog: CatalogService;
  views: TicketViews;
  reports: ReportDataSource;
  calendar: CalendarConfig;
  clock: Clock;
  log: Logger;
  /** Major incidents: the open ones (a banner on the queue, a mark on their cases) and the period's figures. */
  incidents: Pick<IncidentService, 'open' | 'get' | 'summary'>;
  /** Local use only (TAB_DEV_SIGNIN): the mock users and a token for one of them. */
  devSignIn?: { users(): { oid: string; name: string; email?: string }[]; token(user: { oid: string; name: string; email?: string }): Promise<string> };
}

/** The personal tab's entity id (teamsAppManifest/manifest.json staticTabs). */
export const TAB_ENTITY_ID = 'mesa-de-ayuda';

/** A Teams deep link that opens a case on the tab (its subPageId says which). */
export function tabDeepLink(teamsAppId: string, ticketId: number): string {
  const context = encodeURIComponent(JSON.stringify({ subEntityId: `case:${ticketId}` }));
  return `https://teams.microsoft.com/l/entity/${encodeURIComponent(teamsAppId)}/${TAB_ENTITY_ID}?context=${context}`;
}

/** The most tickets one list answers (the page says when there are more). */
export const TAB_LIST_LIMIT = 200;
const REPLY_MAX = 4000;

type Who = { caller: Caller; actor: Actor; locale: Locale; identity: TabIdentity };

const id = z.string().regex(/^\d{1,15}$/).transform(Number);
const statusParam = z.enum(OPEN_STATUSES as [TicketStatus, ...TicketStatus[]]);
const priorityParam = z.enum(PRIORITIES);
const slaParam = z.enum(['ok', 'warning', 'breached', 'paused', 'none']);
const ageParam = z.string().regex(/^\d{1,5}$/).transform(Number);
const daysParam = z.enum(['7', '30', '90']).transform(Number);

export class TabApi {
  constructor(private readonly d: TabDeps) {}

  async handle(req: TabRequest): Promise<TabResponse> {
    const locale = localeOf(String(req.headers['accept-language'] ?? '').split(',')[0]);
    try {
      if (req.path === '/api/tab/dev/users' || req.path === '/api/tab/dev/token') return await this.dev(req);
      const identity = await this.d.verifier.verify(typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined);
      if (!identity) return { status: 401, body: { error: 'unauthorized' }, headers: { 'www-authenticate': 'Bearer' } };
      const profile = await this.d.identity.resolve({
        oid: identity.oid,
        tenantId: identity.tenantId,
        activityName: identity.name,
        fetchProfile: async () => (identity.name || identity.email ? { name: identity.name, email: identity.email } : null),
      });
      const who: Who = {
        caller: { oid: profile.oid, tenantId: profile.tenantId, roles: profile.roles },
        actor: { oid: profile.oid, name: profile.name, roles: profile.roles },
        locale,
        identity,
      };
      return await this.route(req, who);
    } catch (err) {
      const ref = randomUUID().slice(0, 8);
      this.d.log.error({ err, path: req.path, ref }, 'tab API failed');
      return { status: 500, body: { error: 'internal', message: t(locale, 'apology', { id: ref }) } };
    }
  }

  private async route(req: TabRequest, who: Who): Promise<TabResponse> {
    const m = req.method;
    const p = req.path;
    if (m === 'GET' && p === '/api/tab/me') return this.me(who);
    if (!hasStaffRole(who.caller)) return forbidden(who.locale, 'tabForbidden');
    if (m === 'GET' && p === '/api/tab/queue') return this.queue(req, who);
    if (m === 'GET' && p === '/api/tab/mine') return this.mine(who);
    if (m === 'GET' && (p === '/api/tab/dashboard' || p === '/api/tab/dashboard.csv')) {
      if (!isSupervisor(who.caller)) return forbidden(who.locale, 'tabSupervisorsOnly');
      return this.dashboard(req, who, p.endsWith('.csv'));
    }
    const ticketRoute = /^\/api\/tab\/tickets\/([^/]+)(?:\/(take|assign|reply))?$/.exec(p);
    if (ticketRoute) {
      const ticketId = id.safeParse(ticketRoute[1]);
      const ticket = ticketId.success ? await this.d.access.resolve(who.caller, { id: ticketId.data }, 'staff') : null;
      if (!ticket) return notFound(who.locale);
      const action = ticketRoute[2];
      if (!action && m === 'GET') return this.ticket(ticket, who);
      if (action && m === 'POST') return this.act(action as 'take' | 'assign' | 'reply', ticket, req.body, who);
    }
    return { status: 404, body: { error: 'not_found', message: messages(who.locale).tabNotFound } };
  }

  private async me(who: Who): Promise<TabResponse> {
    const l = who.locale;
    const staff = hasStaffRole(who.caller);
    const supervisor = isSupervisor(who.caller);
    const served = staff ? await this.servedCategories(who.caller) : [];
    const cats = this.d.catalog.catalog.categories.filter((c) => served === null || served.includes(c.id));
    const msg = messages(l);
    return {
      status: 200,
      body: {
        oid: who.caller.oid,
        name: who.actor.name,
        locale: l,
        staff,
        supervisor,
        queues: staff ? cats.map((c) => ({ categoryId: c.id, name: pick(c.name, l) })) : [],
        labels: {
          statuses: Object.fromEntries(OPEN_STATUSES.map((s) => [s, statusText(s, l, 'staff')])),
          priorities: Object.fromEntries(PRIORITIES.map((p) => [p, msg[`priority_${p}`]])),
          sla: Object.fromEntries((['ok', 'warning', 'breached', 'paused', 'none'] as SlaState[]).map((s) => [s, msg[`tabSla_${s}`]])),
        },
      },
    };
  }

  /** The categories whose tickets the caller serves (null: all), as the queue views compute them. */
  private async servedCategories(caller: Caller): Promise<string[] | null> {
    const scope = await this.d.access.servedScope(caller);
    if (scope === null) return null;
    const all = this.d.catalog.catalog.categories.map((c) => c.id);
    return 'include' in scope ? scope.include : all.filter((c) => !scope.exclude.includes(c));
  }

  private async queue(req: TabRequest, who: Who): Promise<TabResponse> {
    const q = req.query;
    const bad = (name: string) => ({ status: 400, body: { error: 'bad_request', message: t(who.locale, 'tabBadRequest', { detail: t(who.locale, 'tabFilter', { name }) }) } });
    const now = this.d.clock.now();
    const filter: OpenFilter = {};
    const one = <T>(name: string, schema: z.ZodType<T, z.ZodTypeDef, string>): { ok: true; value?: T } | { ok: false } => {
      const raw = q.get(name);
      if (raw === null || raw === '') return { ok: true };
      const r = schema.safeParse(raw);
      return r.success ? { ok: true, value: r.data } : { ok: false };
    };
    const status = one('status', statusParam);
    const priority = one('priority', priorityParam);
    const sla = one('sla', slaParam);
    const minAge = one('age', ageParam);
    if (!status.ok) return bad('status');
    if (!priority.ok) return bad('priority');
    if (!sla.ok) return bad('sla');
    if (!minAge.ok) return bad('age');
    if (status.value) filter.statuses = [status.value];
    if (priority.value) filter.priorities = [priority.value];
    if (sla.value) filter.sla = { state: sla.value, now };
    if (minAge.value) filter.createdBefore = new Date(now.getTime() - minAge.value * 3_600_000);
    const assignee = q.get('assignee');
    if (assignee === 'me') filter.assignee = { oid: who.caller.oid };
    else if (assignee === 'none') filter.assignee = 'none';
    else if (assignee && assignee !== 'any') {
      if (!/^[\w.:@-]{1,100}$/.test(assignee)) return bad('assignee');
      filter.assignee = { oid: assignee };
    }
    let categories = await this.servedCategories(who.caller);
    const category = q.get('category');
    if (category) {
      if (!this.d.catalog.catalog.categories.some((c) => c.id === category)) return bad('category');
      categories = categories === null || categories.includes(category) ? [category] : [];
    }
    const { items, total, totalCapped } = categories && !categories.length
      ? { items: [], total: 0, totalCapped: false }
      : await this.d.tickets.listOpen({ tenantId: who.caller.tenantId, categoryIds: categories, filter, limit: TAB_LIST_LIMIT });
    const open = await this.openIncidents(who);
    const list = items.map((tk) => this.item(tk, who, now, open));
    const incidents = open.map((i) => this.incidentView(i, who.locale));
    // What the page shows changes when a ticket, an incident or a displayed time does: the version covers them.
    const version = createHash('sha1').update(JSON.stringify([list, incidents, total, totalCapped])).digest('base64url').slice(0, 16);
    if (q.get('since') === version) return { status: 304 };
    return { status: 200, body: { items: list, incidents, total, totalCapped, truncated: totalCapped || total > list.length, version } };
  }

  private async mine(who: Who): Promise<TabResponse> {
    const now = this.d.clock.now();
    const { items } = await this.d.tickets.listOpen({ tenantId: who.caller.tenantId, filter: { assignee: { oid: who.caller.oid } }, limit: TAB_LIST_LIMIT });
    const open = await this.openIncidents(who);
    return { status: 200, body: { items: items.map((tk) => this.item(tk, who, now, open)) } };
  }

  /**
   * The tenant's open major incidents whose master the caller may see (through the gate, as every
   * ticket): an outage's banner never links to a case the caller would be told does not exist.
   */
  private async openIncidents(who: Who): Promise<MajorIncident[]> {
    const all = await this.d.incidents.open(who.caller.tenantId);
    const seen = await Promise.all(all.map((i) => this.d.access.resolve(who.caller, { id: i.masterId }, 'staff')));
    return all.filter((_, k) => !!seen[k]);
  }

  /** A major incident as the page shows it: banner text, latest news, link to its master case. */
  private incidentView(i: MajorIncident, l: Locale) {
    const news = i.latest ?? { text: i.statusText, at: i.declaredAt };
    return {
      masterId: i.masterId,
      radicado: i.radicado,
      title: i.title,
      text: t(l, 'incidentBanner', { title: i.title }),
      facts: t(l, i.linked === 1 ? 'incidentFactsOne' : 'incidentFacts', { count: i.linked, services: i.serviceIds.map((s) => this.d.catalog.findService(s)?.name).map((n) => (n ? pick(n, l) : '')).filter(Boolean).join(', ') }),
      linked: i.linked,
      latestText: t(l, 'incidentLatest', { at: formatDateTime(news.at, l), text: news.text }),
      link: `#/case/${i.masterId}`,
    };
  }

  /** A ticket's part in a major incident: its master, or linked to one; null when neither. */
  private incidentMark(tk: Pick<Ticket, 'id' | 'majorIncidentId'>, l: Locale, incident: MajorIncident | null | undefined) {
    if (!incident) return null;
    if (incident.masterId === tk.id) return { role: 'master', masterId: incident.masterId, radicado: incident.radicado, text: t(l, incident.linked === 1 ? 'tabIncidentMasterOne' : 'tabIncidentMaster', { count: incident.linked }) };
    return { role: 'linked', masterId: incident.masterId, radicado: incident.radicado, text: t(l, 'incidentLinkedTo', { radicado: incident.radicado, title: incident.title }) };
  }

  /** A ticket as a row of the lists (docs/tab.md, TicketItem). */
  private item(tk: TicketSummary, who: Who, now: Date, incidents: MajorIncident[] = []) {
    const l = who.locale;
    const m = messages(l);
    const names = this.d.views.names(tk, l);
    const category = this.d.catalog.catalog.categories.find((c) => c.id === tk.categoryId);
    const state = slaState(tk, now);
    const due = tk.sla && state !== 'none' && state !== 'paused' ? tk.sla.resolutionDueAt : undefined;
    const open = OPEN_STATUSES.includes(tk.status);
    return {
      id: tk.id,
      radicado: tk.radicado,
      title: names.template,
      service: names.service,
      categoryId: tk.categoryId,
      category: category ? pick(category.name, l) : tk.categoryId,
      status: tk.status,
      statusLabel: statusText(tk.status, l, 'staff'),
      priority: tk.priority,
      priorityLabel: m[`priority_${tk.priority}`],
      requester: tk.requester.name,
      assignee: tk.assignee ? { oid: tk.assignee.oid, name: tk.assignee.name } : null,
      createdAt: tk.createdAt.toISOString(),
      createdText: formatDateTime(tk.createdAt, l),
      ageMinutes: Math.max(0, Math.floor((now.getTime() - tk.createdAt.getTime()) / 60_000)),
      ageText: age(tk.createdAt, now, l),
      sla: { state, label: m[`tabSla_${state}`], dueAt: due?.toISOString() ?? null, dueText: due ? formatDateTime(due, l) : '' },
      incident: this.incidentMark(tk, l, incidents.find((i) => i.masterId === tk.id || i.masterId === tk.majorIncidentId)),
      canTake: tk.status === 'new',
      canAssign: isSupervisor(who.caller) && open,
      link: `#/case/${tk.id}`,
    };
  }

  private async ticket(tk: Ticket, who: Who): Promise<TabResponse> {
    const l = who.locale;
    const now = this.d.clock.now();
    const events = await this.d.tickets.history(tk.id);
    const files = await this.d.views.attachmentItems(tk, l);
    const open = OPEN_STATUSES.includes(tk.status);
    const incident = (await this.d.incidents.get(tk.id)) ?? (tk.majorIncidentId ? await this.d.incidents.get(tk.majorIncidentId) : null);
    return {
      status: 200,
      body: {
        incident: incident && incident.masterId === tk.id ? this.incidentView(incident, l) : null,
        ticket: {
          ...this.item(tk, who, now, incident ? [incident] : []),
          description: tk.description,
          fields: this.d.views.fieldValues(tk, l),
          requester: { name: tk.requester.name, email: tk.requester.email ?? null, department: tk.requester.department ?? null },
          phone: tk.phone ?? null,
          resolutionNote: tk.resolutionNote ?? null,
        },
        history: events.filter((e) => e.kind !== 'message').map((e) => ({ at: e.at.toISOString(), atText: formatDateTime(e.at, l), actor: e.actor?.name ?? '', text: eventText(e, l) })),
        messages: events
          .filter((e) => e.kind === 'message')
          .map((e) => {
            const fromRequester = e.data.from === 'requester';
            return {
              at: e.at.toISOString(),
              atText: formatDateTime(e.at, l),
              from: e.actor?.name || messages(l)[fromRequester ? 'tabRequester' : 'tabSupport'],
              direction: fromRequester ? 'in' : 'out',
              text: String(e.data.text ?? ''),
            };
          }),
        files: files.map((f) => ({ name: f.name, sizeText: f.size, by: f.by, atText: f.at })),
        assignees: isSupervisor(who.caller) && open ? (await this.engineers(tk)).map((e) => ({ oid: e.oid, name: e.name })) : [],
        canReply: open || tk.status === 'resolved',
      },
    };
  }

  private async engineers(tk: Ticket) {
    const queue = await this.d.queues.forCategory(tk.queueCategoryId);
    return queue ? this.d.members.list(queue.teamId) : [];
  }

  private async act(action: 'take' | 'assign' | 'reply', tk: Ticket, body: unknown, who: Who): Promise<TabResponse> {
    const l = who.locale;
    const data = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    let out: ActionOutcome;
    let done: string;
    if (action === 'take') {
      out = await this.d.tickets.take(tk, who.actor);
      done = t(l, 'tabTaken', { radicado: tk.radicado });
    } else if (action === 'assign') {
      if (!isSupervisor(who.caller)) return forbidden(l, 'tabAssignSupervisorsOnly');
      const to = typeof data.to === 'string' ? (await this.engineers(tk)).find((e) => e.oid === data.to) : undefined;
      if (!to) return { status: 400, body: { ok: false, message: messages(l).assignChooseEngineer } };
      out = await this.d.tickets.assign(tk, who.actor, { oid: to.oid, name: to.name });
      done = t(l, 'tabAssigned', { radicado: tk.radicado, name: to.name });
    } else {
      const typed = typeof data.text === 'string' ? data.text.replace(/\r\n/g, '\n').trim() : '';
      if (!typed || typed.length > REPLY_MAX) {
        const over = typed.length - REPLY_MAX;
        const message = !typed ? messages(l).replyEmpty : t(l, over === 1 ? 'replyTooLongOne' : 'replyTooLong', { over, max: REPLY_MAX });
        return { status: 400, body: { ok: false, message } };
      }
      out = await this.d.tickets.reply(tk, who.actor, typed);
      done = t(l, 'tabReplySent', { name: tk.requester.name || messages(l).tabRequesterUnknown });
    }
    if (!out.ok) {
      const vars = { radicado: out.ticket.radicado, status: statusText(out.ticket.status, l), name: out.holder ?? '' };
      const key: MessageKey = out.reason === 'taken' ? 'takenBy' : out.reason === 'forbidden' ? 'forbiddenAction' : out.reason === 'conflict' ? 'conflict' : 'invalidState';
      return { status: 409, body: { ok: false, message: t(l, key, vars), ticket: this.item(out.ticket, who, this.d.clock.now()) } };
    }
    this.d.log.info({ action, radicado: tk.radicado, by: who.caller.oid, via: 'tab' }, 'tab action');
    return { status: 200, body: { ok: true, message: done, ticket: this.item(out.ticket, who, this.d.clock.now()) } };
  }

  private async dashboard(req: TabRequest, who: Who, csv: boolean): Promise<TabResponse> {
    const l = who.locale;
    const rawDays = req.query.get('days') ?? '30';
    const days = daysParam.safeParse(rawDays);
    if (!days.success) return { status: 400, body: { error: 'bad_request', message: t(l, 'tabBadRequest', { detail: t(l, 'tabFilter', { name: 'days' }) }) } };
    const now = this.d.clock.now();
    const items = await this.d.reports.forMetrics(metricsSince(now, this.d.calendar, days.data));
    const cats = this.d.catalog.catalog.categories;
    const msg = messages(l);
    const dash = computeDashboard(items, now, this.d.calendar, {
      days: days.data,
      categoryName: (cid) => {
        const c = cats.find((x) => x.id === cid);
        return c ? pick(c.name, l) : cid;
      },
      priorityName: (p: Priority) => msg[`priority_${p}`],
    });
    const minutes = (n: number | null) => (n === null ? msg.metricsNone : duration(n, l));
    const s = await this.d.incidents.summary(dash.from);
    const incidents = {
      ...s,
      text: t(l, 'metricsIncidentsValue', { open: s.open, declared: s.declared, resolved: s.resolved }),
      medianResolveText: minutes(s.medianResolveMinutes === null ? null : Math.round(s.medianResolveMinutes)),
    };
    if (csv) return { status: 200, text: dashboardCsv(dash, incidents, l, minutes), headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="tablero-${days.data}d.csv"` } };
    return {
      status: 200,
      body: {
        ...dash,
        from: dash.from.toISOString(),
        to: dash.to.toISOString(),
        medianFirstResponseText: minutes(dash.medianFirstResponseMinutes),
        medianResolutionText: minutes(dash.medianResolutionMinutes),
        incidents,
      },
    };
  }

  /** Local sign-in with the directory's people (npm run dev): 404 unless TAB_DEV_SIGNIN. */
  private async dev(req: TabRequest): Promise<TabResponse> {
    const dev = this.d.devSignIn;
    if (!dev) return { status: 404, body: { error: 'not_found' } };
    const users = dev.users();
    if (req.method === 'GET' && req.path === '/api/tab/dev/users') {
      const withRoles = users.map((u) => ({ ...u, roles: this.d.identity.rolesOf(u) }));
      return { status: 200, body: withRoles };
    }
    if (req.method === 'POST' && req.path === '/api/tab/dev/token') {
      const oid = (req.body as { oid?: unknown } | undefined)?.oid;
      const user = users.find((u) => u.oid === oid);
      if (!user) return { status: 400, body: { error: 'bad_request' } };
      return { status: 200, body: { token: await dev.token(user) } };
    }
    return { status: 404, body: { error: 'not_found' } };
  }
}

function forbidden(l: Locale, key: 'tabForbidden' | 'tabSupervisorsOnly' | 'tabAssignSupervisorsOnly'): TabResponse {
  return { status: 403, body: { error: 'forbidden', message: messages(l)[key] } };
}

/** The same answer for a ticket that does not exist and one the caller may not see. */
function notFound(l: Locale): TabResponse {
  return { status: 404, body: { error: 'not_found', message: messages(l).tabNotFound } };
}

/** One line of a case's history, in the reader's language. */
export function eventText(e: TicketEvent, l: Locale): string {
  const m = messages(l);
  const d = e.data as Record<string, unknown>;
  if (e.kind === 'assigned') {
    const to = d.to as { name?: string } | null | undefined;
    return to?.name ? t(l, 'tabEvent_assigned', { to: to.name }) : m.tabEvent_unassigned;
  }
  if (e.kind === 'status_changed') {
    const to = typeof d.to === 'string' && (m as Record<string, string>)[`status_${d.to}`] ? statusText(d.to as TicketStatus, l, 'staff') : String(d.to ?? '');
    return t(l, 'tabEvent_status_changed', { to });
  }
  return m[`tabEvent_${e.kind}`];
}

function dashboardCsv(d: ReturnType<typeof computeDashboard>, incidents: { text: string; linked: number; medianResolveText: string }, l: Locale, minutes: (n: number | null) => string): string {
  const m = messages(l);
  const rows: (string | number | null)[][] = [[m.csvDashboardDay, m.csvDashboardCreated, m.csvDashboardResolved, m.csvDashboardOpen]];
  d.createdResolved.labels.forEach((day, i) => rows.push([day, d.createdResolved.created[i], d.createdResolved.resolved[i], d.queueSize.open[i]]));
  rows.push([]);
  rows.push([m.csvDashboardGroup, m.csvDashboardName, m.csvDashboardPercent, m.csvDashboardMet, m.csvDashboardTotal]);
  for (const r of d.slaByCategory) rows.push([m.csvDashboardCategory, r.name, r.percent, r.met, r.total]);
  for (const r of d.slaByPriority) rows.push([m.csvDashboardPriority, r.name, r.percent, r.met, r.total]);
  rows.push([]);
  rows.push([m.csvDashboardEngineer, m.csvDashboardLoadOpen, m.csvDashboardLoadResolved]);
  for (const e of d.engineerLoad) rows.push([e.name, e.open, e.resolved]);
  rows.push([]);
  rows.push([m.csvDashboardFigure, m.csvDashboardValue]);
  rows.push([m.metricsMedianFirstResponse, minutes(d.medianFirstResponseMinutes)]);
  rows.push([m.metricsMedianResolution, minutes(d.medianResolutionMinutes)]);
  rows.push([m.metricsSatisfaction, d.satisfaction.average ?? '']);
  rows.push([m.metricsIncidents, incidents.text]);
  rows.push([m.metricsIncidentLinked, incidents.linked]);
  rows.push([m.tabIncidentMedianResolve, incidents.medianResolveText]);
  return toCsv(rows.map((r) => r.map((c) => (c === null ? '' : String(c)))));
}
