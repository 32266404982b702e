/** Teams' file-consent card: offers a ticket's file in the personal chat; Teams asks the person to accept it. */
import type { Attachment as TeamsAttachment } from 'botbuilder';
import type { Attachment } from '../../domain/attachments';
import type { Ticket } from '../../domain/tickets/model';
import type { Locale } from '../../domain/types';
import { t } from '../../i18n';
import { plainText } from '../cards';

export function fileConsentCard(attachment: Attachment, ticket: Ticket, locale: Locale): TeamsAttachment {
  const context = { attachmentId: attachment.id };
  return {
    contentType: 'application/vnd.microsoft.teams.card.file.consent',
    name: attachment.name,
    content: {
      description: t(locale, 'attachmentConsentDescription', { name: plainText(attachment.name, 120), radicado: ticket.radicado }),
      sizeInBytes: attachment.size,
      acceptContext: context,
      declineContext: context,
    },
  };
}
