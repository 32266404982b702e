import type { Db } from '../db';
import { m001TicketsQueuesAndOutbox } from './001-tickets-queues-and-outbox';
import { m003RedactableHistory } from './003-redactable-history-and-personal-data';
import { m002SlaTargetsAndSurveys } from './002-sla-targets-and-surveys';
import { m004RequesterCardsAndAdditions } from './004-requester-cards-and-additions';
import { m005Attachments } from './005-attachments';
import { m006AttachmentCleanup } from './006-attachment-cleanup';
import { m008QueueMoves } from './008-queue-moves';
import { m009RequesterFilingIndex } from './009-requester-filing-index';
import { m010OutboxPendingHeads } from './010-outbox-pending-heads';
import { m011Approvals } from './011-approvals';
import { m012Knowledge } from './012-knowledge';
import { m013MajorIncidents } from './013-major-incidents';
import { m014LeanFilingIndexes } from './014-lean-filing-indexes';
import { m015OpenQueueIndex } from './015-open-queue-index';
import { m007HistoryEvidence } from './007-history-evidence';

export interface Migration {
  name: string;
  up(db: Db): void;
}

/** Static, ordered index of migrations. Never edit an applied migration: add a new one. */
export const migrations: Migration[] = [m001TicketsQueuesAndOutbox, m002SlaTargetsAndSurveys, m003RedactableHistory, m004RequesterCardsAndAdditions, m005Attachments, m006AttachmentCleanup, m007HistoryEvidence, m008QueueMoves, m009RequesterFilingIndex, m010OutboxPendingHeads, m011Approvals, m012Knowledge, m013MajorIncidents, m014LeanFilingIndexes, m015OpenQueueIndex];
