/**
 * The channel tab's configuration page (/tab/config): Teams shows it when a team adds the tab. It
 * saves the queue page as the tab's content and lets Teams enable "Save" at once.
 */
import { app, pages } from '@microsoft/teams-js';

const english = /^en\b/i.test(new URLSearchParams(location.search).get('lang') ?? navigator.language);

function show(lang: 'es' | 'en'): void {
  document.documentElement.lang = lang;
  for (const el of Array.from(document.querySelectorAll<HTMLElement>('[data-lang]'))) el.hidden = el.dataset.lang !== lang;
}

async function start(): Promise<void> {
  show(english ? 'en' : 'es');
  try {
    await app.initialize();
  } catch {
    return; // Outside Teams: the page only explains itself.
  }
  try {
    const ctx = await app.getContext();
    show(/^en\b/i.test(ctx.app.locale) ? 'en' : 'es');
    document.documentElement.dataset.theme = ctx.app.theme === 'dark' || ctx.app.theme === 'contrast' ? ctx.app.theme : 'default';
  } catch {
    /* keep the browser's language */
  }
  pages.config.registerOnSaveHandler((save) => {
    pages.config
      .setConfig({
        contentUrl: `${location.origin}/tab/#/queue`,
        websiteUrl: `${location.origin}/tab/#/queue`,
        entityId: 'mesa-de-ayuda-queue',
        suggestedDisplayName: 'Cola de soporte',
      })
      .then(
        () => save.notifySuccess(),
        (err: unknown) => save.notifyFailure(String(err)),
      );
  });
  pages.config.setValidityState(true);
  app.notifySuccess();
}

void start();
