/** Spanish (es-CO): the default language. Keys are shared with en.ts. */
import { esConversation } from './es-conversation';
import { esOperations } from './es-operations';
import { esApprovals } from './es-approvals';
import { esKnowledge } from './es-knowledge';

export const es = { ...esConversation, ...esOperations, ...esApprovals, ...esKnowledge };

export type Messages = typeof es;
