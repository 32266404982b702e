/**
 * Intl formatters are costly to build (tens of microseconds each, per call they were 8–12 % of filing
 * and status) and immutable once built: one per locale and options, reused. Callers pass module
 * constants as options, so the formatter is found by that object first (no key to build per call),
 * and by the options' text for options built on the spot.
 */
const dates = new Map<string, Intl.DateTimeFormat>();
const numbers = new Map<string, Intl.NumberFormat>();
const datesByOptions = new WeakMap<object, Map<string, Intl.DateTimeFormat>>();
const numbersByOptions = new WeakMap<object, Map<string, Intl.NumberFormat>>();

function cached<F, O extends object>(byOptions: WeakMap<object, Map<string, F>>, byText: Map<string, F>, locale: string, options: O, make: () => F): F {
  let perLocale = byOptions.get(options);
  if (!perLocale) byOptions.set(options, (perLocale = new Map()));
  let f = perLocale.get(locale);
  if (!f) {
    const key = `${locale}|${JSON.stringify(options)}`;
    f = byText.get(key);
    if (!f) byText.set(key, (f = make()));
    perLocale.set(locale, f);
  }
  return f;
}

export function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cached(datesByOptions, dates, locale, options, () => new Intl.DateTimeFormat(locale, options));
}

export function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return cached(numbersByOptions, numbers, locale, options, () => new Intl.NumberFormat(locale, options));
}
