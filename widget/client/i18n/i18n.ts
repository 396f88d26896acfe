import { en } from './en.js';
import type { PluralForms, WidgetStrings } from './strings.js';

/** Languages other than English are lazy chunks: a page in English never downloads them. */
const LAZY_PACKS: Record<string, () => Promise<WidgetStrings>> = {
  de: () => import('./de.js').then((module) => module.de),
  es: () => import('./es.js').then((module) => module.es),
};

/** The string pack for a locale's language, or undefined when English (built in) or unsupported. */
export async function loadStringPack(locale: string): Promise<WidgetStrings | undefined> {
  const load = LAZY_PACKS[languageOf(locale)];
  return load?.().catch(() => undefined);
}

function languageOf(locale: string): string {
  try {
    return new Intl.Locale(locale).language;
  } catch {
    return 'en';
  }
}

export type StringOverrides = Partial<Omit<WidgetStrings, 'types'>> & { types?: Record<string, string> };

/** Thresholds (in seconds) below which a distance is said in a unit, largest unit last. */
const UNITS: Array<[Intl.RelativeTimeFormatUnit, number, number]> = [
  ['second', 1, 45],
  ['minute', 60, 45 * 60],
  ['hour', 3_600, 22 * 3_600],
  ['day', 86_400, 6 * 86_400],
  ['week', 7 * 86_400, 4 * 7 * 86_400],
  ['month', 30 * 86_400, 335 * 86_400],
  ['year', 365 * 86_400, Infinity],
];

/** The badge's text: the count, or "9+" above nine so the badge keeps its size. */
export function badgeText(count: number): string {
  return count > 9 ? '9+' : String(count);
}

/**
 * The strings, plurals and relative times of one locale. Strings come from `pack` (English when not
 * given: see loadStringPack for German and Spanish), overridden by the host's `overrides`.
 */
export class I18n {
  readonly locale: string;
  readonly strings: WidgetStrings;
  private readonly plurals: Intl.PluralRules;
  private readonly relative: Intl.RelativeTimeFormat;

  constructor(locale: string | undefined, pack: WidgetStrings = en, overrides: StringOverrides = {}) {
    this.locale = I18n.supported(locale);
    this.strings = { ...pack, ...overrides, types: { ...pack.types, ...overrides.types } };
    this.plurals = new Intl.PluralRules(this.locale);
    this.relative = new Intl.RelativeTimeFormat(this.locale, { numeric: 'auto' });
  }

  /** A canonical BCP 47 tag, or "en" for a missing or malformed one. */
  private static supported(locale: string | undefined): string {
    try {
      return Intl.getCanonicalLocales(locale ? [locale] : [])[0] ?? 'en';
    } catch {
      return 'en';
    }
  }

  plural(forms: PluralForms, count: number, shown = new Intl.NumberFormat(this.locale).format(count)): string {
    const form = forms[this.plurals.select(count)] ?? forms.other;
    return form.replace('{count}', shown);
  }

  /**
   * What the bell says: "3 unread notifications", or that nothing is unread. Above nine it says what
   * the badge shows ("9+ unread notifications"), so the spoken name contains the visible text.
   */
  unreadLabel(count: number): string {
    return count > 0 ? this.plural(this.strings.unread, count, badgeText(count)) : this.strings.noUnread;
  }

  /** "5 minutes ago", "vor 5 Minuten", "hace 5 minutos"; "now" under 45 s. */
  relativeTime(iso: string, now: number = Date.now()): string {
    const seconds = (Date.parse(iso) - now) / 1000;
    const distance = Math.abs(seconds);
    const [unit, size] = UNITS.find(([, , below]) => distance < below) ?? UNITS[UNITS.length - 1]!;
    const value = unit === 'second' ? 0 : Math.round(seconds / size);
    return this.relative.format(value, unit);
  }

  typeName(type: string): string {
    const known = this.strings.types[type];
    if (known) return known;
    const words = type.toLowerCase().replace(/_+/g, ' ').trim();
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
}
