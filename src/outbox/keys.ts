/**
 * The outbox's keys, spelled once. A pace key groups deliveries that go out one at a time, in order
 * (a conversation, a mailbox); a reference key names a stored conversation reference (where the
 * bot can write proactively). A personal chat uses the same key for both.
 */

/** A person's 1:1 chat with the bot: its pace key and the key of its conversation reference. */
export const userKey = (oid: string) => `user:${oid}`;

/** A Teams channel (a support queue): the pace key of everything posted in it and its threads. */
export const channelKey = (channelId: string) => `channel:${channelId}`;

/** A channel or group conversation's stored reference; also the pace key of a group chat's replies. */
export const conversationKey = (conversationId: string) => `conv:${conversationId}`;

/** A mailbox: e-mails to one address go out in order. */
export const mailKey = (address: string) => `mail:${address.toLowerCase()}`;

/** A category's waiting line: its position fan-outs (requesters' card redraws) go out one at a time. */
export const positionsKey = (categoryId: string) => `positions:${categoryId}`;
