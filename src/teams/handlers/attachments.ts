/**
 * Screenshots and files on tickets, in the personal chat.
 *
 * In: a file sent to the bot (Teams "file download info", `supportsFiles`) or a pasted image is
 * attached to the ticket whose radicado the message names; without one, to the sender's only open
 * ticket; with several open, the file is kept unlinked and a card asks which (the choice is
 * re-checked on the server). Type and size limits come from configuration; a refused file is never stored.
 *
 * Out: file-offer.ts.
 */
import { ActivityTypes, type Activity } from 'botbuilder';
import { z } from 'zod';
import {
  checkContent,
  checkType,
  contentTypeOf,
  extensionOf,
  findRadicadoIn,
  imageExtension,
  safeFileName,
  sniffImage,
  type AttachmentSource,
  type IncomingFile,
  type Uploader,
} from '../../domain/attachments';
import { cleanText } from '../../domain/phrases';
import type { Ticket } from '../../domain/tickets/model';
import { bogotaYear } from '../../domain/tickets/radicado';
import { escapeMarkdown } from '../cards';
import { download, TransferError } from '../file-transfer';
import type { Turn } from '../turn';
import { fileSize, statusText } from '../render/format';
import { rememberConversation } from './welcome';

export const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';
export const MAX_FILES_PER_MESSAGE = 5;

interface OfferedFile {
  name: string;
  /** From the name or Teams' fileType; for pasted images known only once the bytes are read. */
  fileType: string;
  url: string;
  source: AttachmentSource;
}

/** The files a message carries: Teams file uploads and pasted images (not the text/html copy of the message). */
export function offeredFiles(a: Partial<Activity>): OfferedFile[] {
  const out: OfferedFile[] = [];
  for (const att of Array.isArray(a.attachments) ? a.attachments : []) {
    if (!att || typeof att !== 'object' || typeof att.contentType !== 'string') continue;
    if (att.contentType === FILE_DOWNLOAD_INFO) {
      const c = (att.content ?? {}) as { downloadUrl?: unknown; fileType?: unknown };
      if (typeof c.downloadUrl !== 'string') continue;
      const teamsType = typeof c.fileType === 'string' ? c.fileType.toLowerCase().replace(/^\./, '') : '';
      const name = safeFileName(typeof att.name === 'string' ? att.name : '', `file.${teamsType || 'bin'}`);
      out.push({ name, fileType: extensionOf(name) || teamsType, url: c.downloadUrl, source: 'teams_file' });
    } else if (att.contentType.toLowerCase().startsWith('image/') && typeof att.contentUrl === 'string') {
      out.push({
        name: typeof att.name === 'string' ? att.name : '',
        fileType: imageExtension(att.contentType) ?? '',
        url: att.contentUrl,
        source: 'inline_image',
      });
    }
  }
  return out;
}

/** Route predicate: a personal-chat message with at least one file. */
export function hasFiles(a: Activity): boolean {
  return a.type === ActivityTypes.Message && (a.conversation?.conversationType ?? 'personal') === 'personal' && offeredFiles(a).length > 0;
}

export async function uploaderOf(turn: Turn): Promise<Uploader> {
  const u = await turn.user();
  return { oid: u.oid, name: u.name, tenantId: u.tenantId, roles: u.roles };
}

const quote = (turn: Turn, name: string) => (turn.locale === 'es' ? `«${escapeMarkdown(name, 120)}»` : `"${escapeMarkdown(name, 120)}"`);

/** A message with files in the personal chat. */
export async function onFiles(turn: Turn): Promise<void> {
  await rememberConversation(turn);
  if (!turn.services.lookups.try(turn.oid)) {
    await turn.notice(turn.messages.rateLimitedLookups, { color: 'Attention' });
    return;
  }
  const all = offeredFiles(turn.activity);
  const offered = all.slice(0, MAX_FILES_PER_MESSAGE);
  const names = offered.map((f) => quote(turn, f.name || turn.messages.labelAttachments)).join(', ');
  const u = await uploaderOf(turn);
  const said = cleanText(turn.activity.text ?? '');
  const radicado = findRadicadoIn(said, { prefix: turn.services.cfg.radicadoPrefix, year: bogotaYear(turn.services.clock.now()) });
  const note = noteOf(said, turn.services.cfg.radicadoPrefix);
  const target = await turn.services.attachments.target(u, radicado);
  switch (target.kind) {
    case 'not_found':
      return turn.notice(turn.text('attachmentTicketNotFound', { radicado: target.radicado }), { color: 'Attention' });
    case 'not_open':
      return turn.notice(
        turn.text('attachmentTicketClosed', { radicado: target.ticket.radicado, status: statusText(target.ticket.status, turn.locale) }),
        { color: 'Attention' },
      );
    case 'none':
      return turn.notice(turn.text('attachmentNoOpenTicket', { files: names }), { color: 'Attention' });
  }
  const lines: string[] = [];
  if (all.length > offered.length) lines.push(turn.text('attachmentTooMany', { n: MAX_FILES_PER_MESSAGE }));
  const held: number[] = [];
  let attached = 0;
  let index = 0;
  for (const f of offered) {
    index++;
    const checked = await fetchAndCheck(turn, f, index);
    if (!checked.ok) {
      lines.push(checked.error);
      continue;
    }
    if (target.kind === 'ticket') {
      const a = await turn.services.attachments.attach(u, checked.file, target.ticket);
      lines.push(turn.text('attachmentAdded', { name: escapeMarkdown(a.name, 120), size: fileSize(a.size, turn.locale), radicado: target.ticket.radicado }));
      attached++;
    } else {
      held.push((await turn.services.attachments.hold(u, checked.file)).id);
    }
  }
  // The text sent with the files goes to the ticket like a reply, once, when a file got there.
  if (note && attached > 0 && target.kind === 'ticket') {
    const relayed = await relayNote(turn, target.ticket, note);
    if (relayed) lines.push(relayed);
  }
  if (lines.length) await turn.ctx.sendActivity(lines.join('\n\n'));
  if (held.length && target.kind === 'choose') {
    await turn.notice(turn.text('attachmentChooseTicket', { files: names }), {
      actions: target.tickets.map((t) => ({
        title: `${t.radicado} · ${turn.services.views.names(t, turn.locale).service}`.slice(0, 80),
        verb: 'attachment.link',
        // The text waits with the files (the user's own words, re-checked as a reply when chosen).
        data: note ? { attachmentIds: held, ticketId: t.id, note } : { attachmentIds: held, ticketId: t.id },
      })),
    });
  }
}

const MAX_NOTE = 4000;

/**
 * The words sent with a file, when there are any besides the radicado ("MDA-2026-000123 aquí va la
 * captura" → the whole text; "MDA-2026-000123" alone → nothing).
 */
function noteOf(said: string, prefix: string): string {
  const letters = prefix.replace(/[^A-Za-z]/g, '');
  const rest = letters ? said.replace(new RegExp(`${letters}[\\s-]{0,3}\\d{4}[\\s-]{0,3}\\d{1,6}`, 'gi'), ' ') : said;
  return /[\p{L}\p{N}]/u.test(rest) ? said.slice(0, MAX_NOTE) : '';
}

/**
 * Relays `note` to the ticket exactly like a reply typed by the same person (history message event,
 * the queue thread and the other side through the outbox); returns the line to tell them, if any.
 */
async function relayNote(turn: Turn, ticket: Ticket, note: string): Promise<string | null> {
  const out = await turn.services.tickets.reply(ticket, await turn.actor(), note);
  if (!out.ok) {
    turn.services.log.info({ ticketId: ticket.id, reason: out.reason }, 'text sent with a file not relayed');
    return null;
  }
  return turn.text('replySent', { radicado: out.ticket.radicado });
}

type Checked = { ok: true; file: IncomingFile } | { ok: false; error: string };

/** Type check before downloading, bounded download, then size and content check. */
async function fetchAndCheck(turn: Turn, f: OfferedFile, index: number): Promise<Checked> {
  const policy = turn.services.attachments.policy;
  const shownName = f.name || `${turn.locale === 'es' ? 'imagen' : 'image'}-${index}`;
  const types = policy.types.join(', ');
  if (f.source === 'teams_file' && !checkType(f.fileType, policy).ok) {
    return { ok: false, error: turn.text('attachmentBadType', { name: escapeMarkdown(shownName, 120), types }) };
  }
  let bytes: Buffer;
  try {
    bytes = await download(f.url, {
      maxBytes: policy.maxBytes,
      timeoutMs: turn.services.cfg.attachments.timeoutMs,
      allowHttp: turn.services.cfg.auth.anonymous,
      headers: f.source === 'inline_image' ? await botAuthorization(turn, f.url) : undefined,
    });
  } catch (err) {
    const tooBig = err instanceof TransferError && err.reason === 'too_big';
    turn.services.log.warn({ reason: (err as Error).message, source: f.source }, 'attachment download refused or failed');
    return {
      ok: false,
      error: tooBig
        ? turn.text('attachmentTooBig', { name: escapeMarkdown(shownName, 120), max: fileSize(policy.maxBytes, turn.locale) })
        : turn.text('attachmentDownloadFailed', { name: escapeMarkdown(shownName, 120) }),
    };
  }
  let fileType = f.fileType;
  let name = shownName;
  if (f.source === 'inline_image') {
    // Teams announces pasted images as "image/*": the bytes say which format it is.
    fileType = sniffImage(bytes) ?? '';
    if (!fileType || !checkType(fileType, policy).ok) {
      return { ok: false, error: turn.text('attachmentBadType', { name: escapeMarkdown(shownName, 120), types }) };
    }
    if (extensionOf(name) !== fileType) name = `${name.replace(/\.[A-Za-z0-9]{1,10}$/, '')}.${fileType}`;
    name = safeFileName(name, `image-${index}.${fileType}`);
  }
  const verdict = checkContent(fileType, bytes, policy);
  if (!verdict.ok) {
    const vars = { name: escapeMarkdown(name, 120), type: fileType, max: fileSize(policy.maxBytes, turn.locale), types };
    const key = verdict.reason === 'too_big' ? 'attachmentTooBig' : verdict.reason === 'empty' ? 'attachmentEmpty' : verdict.reason === 'type' ? 'attachmentBadType' : 'attachmentBadContent';
    return { ok: false, error: turn.text(key, vars) };
  }
  return { ok: true, file: { name, fileType, contentType: contentTypeOf(fileType), bytes, source: f.source } };
}

/**
 * Pasted images are served by the Bot Connector and need the bot's token. It is sent only to the
 * connector the activity came from (same origin as its serviceUrl), never to another host.
 */
async function botAuthorization(turn: Turn, url: string): Promise<Record<string, string> | undefined> {
  try {
    if (!turn.activity.serviceUrl || new URL(url).origin !== new URL(turn.activity.serviceUrl).origin) return undefined;
    const client = turn.ctx.turnState.get(turn.ctx.adapter.ConnectorClientKey) as
      | { credentials?: { signRequest(r: { headers: { set(k: string, v: string): void } }): Promise<unknown> } }
      | undefined;
    const headers: Record<string, string> = {};
    await client?.credentials?.signRequest({ headers: { set: (k, v) => void (headers[k] = v) } });
    return headers;
  } catch (err) {
    turn.services.log.warn({ reason: (err as Error).message }, 'could not get the bot token for an inline image');
    return undefined;
  }
}

const linkShape = z.object({
  attachmentIds: z.array(z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER)).min(1).max(MAX_FILES_PER_MESSAGE),
  ticketId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  note: z.string().trim().min(1).max(MAX_NOTE).optional().catch(undefined),
});

/** "Which ticket?" answered: link the held files, after re-checking ticket and files on the server. */
export async function linkChosen(turn: Turn, ticket: Ticket, data: Record<string, unknown>): Promise<void> {
  const parsed = linkShape.safeParse(data);
  if (!parsed.success) return turn.notice(turn.messages.invalidAction, { color: 'Attention' });
  const out = await turn.services.attachments.link(await uploaderOf(turn), parsed.data.attachmentIds, ticket.id);
  if (!out.ok) {
    if (out.reason === 'not_open' && out.ticket) {
      return turn.notice(turn.text('attachmentTicketClosed', { radicado: out.ticket.radicado, status: statusText(out.ticket.status, turn.locale) }), { color: 'Attention' });
    }
    return turn.notice(out.reason === 'expired' ? turn.messages.attachmentPendingExpired : turn.messages.attachmentNotFound, { color: 'Attention' });
  }
  const lines = out.linked.map((a) => turn.text('attachmentAdded', { name: escapeMarkdown(a.name, 120), size: fileSize(a.size, turn.locale), radicado: out.ticket.radicado }));
  // The files were pending until now, so this runs once however often the button is pressed.
  if (parsed.data.note) {
    const relayed = await relayNote(turn, out.ticket, parsed.data.note);
    if (relayed) lines.push(relayed);
  }
  const text = lines.join('\n\n');
  await turn.notice(text, { color: 'Good', actions: [{ title: turn.messages.btnStatus, verb: 'ticket.status', data: { ticketId: out.ticket.id } }] });
}
