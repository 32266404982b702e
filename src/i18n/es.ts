/** Spanish (es-CO): the default language. Keys are shared with en.ts. */
import { esConversation } from './es-conversation';
import { esOperations } from './es-operations';
import { esApprovals } from './es-approvals';

export const es = { ...esConversation, ...esOperations, ...esApprovals };

export type Messages = typeof es;
