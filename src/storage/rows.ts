/**
 * Row → domain mappers shared by both engines. A timestamp column arrives as ISO text from SQLite and
 * as a Date from PostgreSQL; `new Date()` takes either.
 */
import type { Attachment } from '../domain/attachments';
import type { SupportQueue } from '../domain/ports';
import type { SurveyAnswer } from '../domain/survey';

type Timestamp = string | Date;

export interface AttachmentRow {
  id: number;
  ticket_id: number | null;
  tenant_id: string;
  uploader_oid: string;
  uploader_name: string;
  name: string;
  file_type: string;
  content_type: string;
  size: number;
  sha256: string;
  source: string;
  created_at: Timestamp;
  deleted_at?: Timestamp | null;
}

export function toAttachment(r: AttachmentRow): Attachment {
  return {
    id: r.id,
    ticketId: r.ticket_id,
    tenantId: r.tenant_id,
    uploader: { oid: r.uploader_oid, name: r.uploader_name },
    name: r.name,
    fileType: r.file_type,
    contentType: r.content_type,
    size: r.size,
    sha256: r.sha256,
    source: r.source === 'inline_image' ? 'inline_image' : 'teams_file',
    createdAt: new Date(r.created_at),
    ...(r.deleted_at ? { deletedAt: new Date(r.deleted_at) } : {}),
  };
}

export interface QueueRow {
  id: number;
  tenant_id: string;
  team_id: string;
  channel_id: string;
  category_id: string | null;
  registered_by: string;
}

export const toQueue = (r: QueueRow): SupportQueue => ({
  id: r.id,
  tenantId: r.tenant_id,
  teamId: r.team_id,
  channelId: r.channel_id,
  categoryId: r.category_id,
  registeredBy: r.registered_by,
});

export interface SurveyRow {
  ticket_id: number;
  requester_oid: string;
  score: number;
  comment: string | null;
  answered_at: Timestamp;
  updated_at: Timestamp;
  low_score_notified_at: Timestamp | null;
}

export const toAnswer = (r: SurveyRow): SurveyAnswer => ({
  ticketId: r.ticket_id,
  requesterOid: r.requester_oid,
  score: r.score,
  comment: r.comment ?? undefined,
  answeredAt: new Date(r.answered_at),
  updatedAt: new Date(r.updated_at),
  lowScoreNotifiedAt: r.low_score_notified_at ? new Date(r.low_score_notified_at) : undefined,
});
