import type { Messages } from './es';
import { enConversation } from './en-conversation';
import { enOperations } from './en-operations';
import { enApprovals } from './en-approvals';
import { enKnowledge } from './en-knowledge';
import { enIncidents } from './en-incidents';
import { enTab } from './en-tab';

/** English, chosen when the Teams locale is English. */
export const en: Messages = { ...enConversation, ...enOperations, ...enApprovals, ...enKnowledge, ...enIncidents, ...enTab };
