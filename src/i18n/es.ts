/** Spanish (es-CO): the default language. Keys are shared with en.ts. */
import { esConversation } from './es-conversation';
import { esOperations } from './es-operations';

export const es = { ...esConversation, ...esOperations };

export type Messages = typeof es;
