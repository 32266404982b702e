/**
 * A major incident's announcement ("Novedades TI", or a person's chat): what fails, which services,
 * since when, the latest status, and "Esto me afecta". Drawn again for whoever pressed it, with what
 * became of their case.
 */
import type { MajorIncident } from '../../domain/incidents/model';
import type { Locale } from '../../domain/types';
import { formatDateTime, messages, t } from '../../i18n';
import { escapeMarkdown, plainText, type AdaptiveCardJson, type CardRenderer } from '../cards';

export interface AnnouncementNotice {
  text: string;
  color: 'Good' | 'Attention' | 'Default';
  /** Keep "Esto me afecta" (the press did not go through, and may be tried again). */
  keepButton?: boolean;
}

export function announcementCard(
  cards: CardRenderer,
  incident: MajorIncident,
  locale: Locale,
  serviceName: (serviceId: string, locale: Locale) => string,
  notice?: AnnouncementNotice,
): { card: AdaptiveCardJson; summary: string } {
  const heading = t(locale, 'incidentBanner', { title: plainText(incident.title, 200) });
  const open = !incident.resolvedAt;
  const card = cards.render('incident-announcement', {
    t: messages(locale),
    heading,
    services: plainText(incident.serviceIds.map((id) => serviceName(id, locale)).join(', '), 300),
    declaredText: formatDateTime(incident.declaredAt, locale),
    status: escapeMarkdown(incident.latest?.text ?? incident.statusText, 1000),
    showButton: open && (!notice || !!notice.keepButton),
    affectsData: { masterId: incident.masterId },
    notice: notice?.text ?? '',
    noticeColor: notice?.color ?? 'Default',
  });
  return { card, summary: heading };
}
