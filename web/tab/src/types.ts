/** The shapes of the tab API's answers (docs/tab.md). */

export type SlaState = 'ok' | 'warning' | 'breached' | 'paused' | 'none';

export interface TicketItem {
  id: number;
  radicado: string;
  title: string;
  service: string;
  categoryId: string;
  category: string;
  status: string;
  statusLabel: string;
  priority: string;
  priorityLabel: string;
  requester: string;
  assignee: { oid: string; name: string } | null;
  createdAt: string;
  createdText: string;
  ageMinutes: number;
  ageText: string;
  sla: { state: SlaState; label: string; dueAt: string | null; dueText: string };
  /** Its part in a major incident (server text: "🚨 Incidente mayor · 12 casos vinculados"), or null. */
  incident: { role: 'master' | 'linked'; masterId: number; radicado: string; text: string } | null;
  canTake: boolean;
  canAssign: boolean;
  link: string;
}

/** An open major incident: the banner above the queue and on its master's page. */
export interface IncidentBanner {
  masterId: number;
  radicado: string;
  title: string;
  text: string;
  facts: string;
  linked: number;
  latestText: string;
  link: string;
}

export interface Me {
  oid: string;
  name: string;
  locale: string;
  staff: boolean;
  supervisor: boolean;
  queues: { categoryId: string; name: string }[];
  labels: { statuses: Record<string, string>; priorities: Record<string, string>; sla: Record<string, string> };
}

export interface QueueAnswer {
  items: TicketItem[];
  incidents: IncidentBanner[];
  total: number;
  truncated: boolean;
  version: string;
}

export interface CasePage {
  /** When this case is a major incident's master: its banner. */
  incident: IncidentBanner | null;
  ticket: TicketItem & {
    description: string;
    fields: { label: string; value: string }[];
    requester: { name: string; email: string | null; department: string | null };
    phone: string | null;
    resolutionNote?: string | null;
  };
  history: { at: string; atText: string; actor: string; text: string }[];
  messages: { at: string; atText: string; from: string; direction: 'in' | 'out'; text: string }[];
  files: { name: string; sizeText: string; by?: string; atText: string }[];
  assignees: { oid: string; name: string }[];
  canReply: boolean;
}

export interface ActionAnswer {
  ok: boolean;
  message: string;
  ticket?: TicketItem;
}

export interface SlaRow {
  name: string;
  percent: number | null;
  met: number;
  total: number;
}

export interface Dashboard {
  days: number;
  from: string;
  to: string;
  createdResolved: { labels: string[]; created: number[]; resolved: number[] };
  queueSize: { labels: string[]; open: number[] };
  slaByCategory: SlaRow[];
  slaByPriority: SlaRow[];
  medianFirstResponseMinutes: number | null;
  medianResolutionMinutes: number | null;
  medianFirstResponseText: string;
  medianResolutionText: string;
  satisfaction: { average: number | null; surveys: number; distribution: number[] };
  engineerLoad: { name: string; open: number; resolved: number }[];
  incidents: { open: number; declared: number; resolved: number; linked: number; text: string; medianResolveText: string };
}

export interface DevUser {
  oid: string;
  name: string;
  email?: string;
  roles: string[];
}
