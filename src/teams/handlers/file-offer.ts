/**
 * "Send me the file" on the queue card or the status card sends a Teams file-consent card to the
 * person's personal chat (through the outbox); accepting uploads the bytes to their OneDrive
 * (`fileConsent/invoke`), declining leaves everything as it was.
 */
import { ActivityTypes, type Activity } from 'botbuilder';
import { z } from 'zod';
import type { Ticket } from '../../domain/tickets/model';
import { userKey } from '../../outbox/keys';
import { escapeMarkdown } from '../cards';
import { upload } from '../file-transfer';
import type { Turn } from '../turn';
import { uploaderOf } from './attachments';

export const FILE_CONSENT_CARD = 'application/vnd.microsoft.teams.card.file.consent';
export const FILE_INFO_CARD = 'application/vnd.microsoft.teams.card.file.info';

/** A short answer that leaves the clicked card as it is (the queue card stays the queue card). */
async function say(turn: Turn, text: string): Promise<void> {
  if (turn.isCardAction) turn.invokeResult = { message: text };
  else await turn.ctx.sendActivity(text);
}

const attachmentId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** "Send me the file" (queue card or status card): a file-consent card in the caller's personal chat. */
export async function sendToMe(turn: Turn, _ticket: Ticket, data: Record<string, unknown>): Promise<void> {
  const id = attachmentId.safeParse(data.attachmentId);
  const found = id.success ? await turn.services.attachments.visible(await uploaderOf(turn), id.data) : null;
  if (!found) return say(turn, turn.messages.attachmentNotFound);
  if (found.attachment.deletedAt) return say(turn, turn.messages.attachmentDeleted);
  if (!(await turn.services.refs.get(userKey(turn.oid)))) return say(turn, turn.messages.attachmentNoPersonalChat);
  await turn.services.attachments.offer(found.attachment, found.ticket, turn.oid);
  await say(turn, turn.text('attachmentOffered', { name: found.attachment.name }));
}

export const isFileConsent = (a: Activity) => a.type === ActivityTypes.Invoke && a.name === 'fileConsent/invoke';

const consentShape = z.object({
  action: z.enum(['accept', 'decline']),
  context: z.object({ attachmentId }).passthrough(),
  uploadInfo: z
    .object({
      uploadUrl: z.string().min(1).max(4096),
      contentUrl: z.string().min(1).max(4096),
      name: z.string().min(1).max(400),
      uniqueId: z.string().max(400).optional(),
      fileType: z.string().max(20).optional(),
    })
    .passthrough()
    .optional(),
});

/** The user accepted or declined a file-consent card. Always answers the invoke with 200. */
export async function onFileConsent(turn: Turn): Promise<void> {
  try {
    await handleConsent(turn);
  } catch (err) {
    turn.services.log.error({ err }, 'file consent failed');
    await turn.ctx.sendActivity(turn.messages.invalidAction).catch(() => undefined);
  }
  await turn.ctx.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200 } });
}

async function handleConsent(turn: Turn): Promise<void> {
  const parsed = consentShape.safeParse(turn.activity.value);
  if (!parsed.success) {
    await turn.ctx.sendActivity(turn.messages.invalidAction);
    return;
  }
  const v = parsed.data;
  const user = await uploaderOf(turn);
  const found = await turn.services.attachments.visible(user, v.context.attachmentId);
  if (!found) {
    await turn.ctx.sendActivity(turn.messages.attachmentNotFound);
    return;
  }
  const { attachment, ticket } = found;
  if (attachment.deletedAt) {
    // A consent card sent before the person's data was anonymised.
    await turn.ctx.sendActivity(turn.messages.attachmentDeleted);
    return;
  }
  const vars = { name: escapeMarkdown(attachment.name, 120), radicado: ticket.radicado };
  if (v.action === 'decline') {
    await turn.ctx.sendActivity(turn.text('attachmentDeclined', vars));
    return;
  }
  if (!v.uploadInfo) {
    await turn.ctx.sendActivity(turn.messages.invalidAction);
    return;
  }
  const bytes = await turn.services.attachments.content(attachment).catch((err) => {
    turn.services.log.error({ err, attachmentId: attachment.id }, 'stored attachment unreadable');
    return null;
  });
  if (!bytes) {
    await turn.ctx.sendActivity(turn.text('attachmentUnreadable', vars));
    return;
  }
  try {
    await upload(v.uploadInfo.uploadUrl, bytes, { timeoutMs: turn.services.cfg.attachments.timeoutMs, allowHttp: turn.services.cfg.auth.anonymous });
  } catch (err) {
    turn.services.log.warn({ reason: (err as Error).message, attachmentId: attachment.id }, 'file consent upload failed');
    await turn.ctx.sendActivity(turn.text('attachmentUploadFailed', vars));
    return;
  }
  await turn.ctx.sendActivity({
    attachments: [
      {
        contentType: FILE_INFO_CARD,
        contentUrl: v.uploadInfo.contentUrl,
        name: v.uploadInfo.name,
        content: { uniqueId: v.uploadInfo.uniqueId, fileType: v.uploadInfo.fileType ?? attachment.fileType },
      },
    ],
  });
  await turn.services.attachments.recordSent(attachment, ticket, { oid: user.oid, name: user.name });
}
