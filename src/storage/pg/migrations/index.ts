import type { PgClient } from '../pg-db';
import { pg001TicketsQueuesAndOutbox } from './001-tickets-queues-and-outbox';
import { pg002SlaTargetsAndSurveys } from './002-sla-targets-and-surveys';
import { pg003RedactableHistory } from './003-redactable-history-and-personal-data';
import { pg004RequesterCardsAndAdditions } from './004-requester-cards-and-additions';
import { pg005Attachments } from './005-attachments';
import { pg006AttachmentCleanup } from './006-attachment-cleanup';
import { pg007HistoryEvidence } from './007-history-evidence';
import { pg008QueueMoves } from './008-queue-moves';
import { pg009RequesterFilingIndex } from './009-requester-filing-index';
import { pg010OutboxPendingHeads } from './010-outbox-pending-heads';
import { pg011Approvals } from './011-approvals';
import { pg012Knowledge } from './012-knowledge';
import { pg013MajorIncidents } from './013-major-incidents';
import { pg014LeanFilingIndexes } from './014-lean-filing-indexes';
import { pg015OpenQueueIndex } from './015-open-queue-index';

export interface PgMigration {
  /** Same name as the SQLite migration it mirrors. */
  name: string;
  up(c: PgClient): Promise<void>;
}

/** Static, ordered index of PostgreSQL migrations; each mirrors src/storage/migrations/NNN-*.ts. */
export const pgMigrations: PgMigration[] = [pg001TicketsQueuesAndOutbox, pg002SlaTargetsAndSurveys, pg003RedactableHistory, pg004RequesterCardsAndAdditions, pg005Attachments, pg006AttachmentCleanup, pg007HistoryEvidence, pg008QueueMoves, pg009RequesterFilingIndex, pg010OutboxPendingHeads, pg011Approvals, pg012Knowledge, pg013MajorIncidents, pg014LeanFilingIndexes, pg015OpenQueueIndex];
