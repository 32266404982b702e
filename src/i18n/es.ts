/** Spanish (es-CO): the default language. Keys are shared with en.ts. */
import { esConversation } from './es-conversation';
import { esOperations } from './es-operations';
import { esApprovals } from './es-approvals';
import { esKnowledge } from './es-knowledge';
import { esIncidents } from './es-incidents';
import { esTab } from './es-tab';

export const es = { ...esConversation, ...esOperations, ...esApprovals, ...esKnowledge, ...esIncidents, ...esTab };

export type Messages = typeof es;
