import t from 'tap';
import { badgeText, I18n, loadStringPack } from '../../../widget/client/i18n/i18n.js';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

t.test('English: plurals, the spoken label and relative times', async (t) => {
  const i18n = new I18n('en-US');
  t.equal(i18n.unreadLabel(1), '1 unread notification');
  t.equal(i18n.unreadLabel(3), '3 unread notifications');
  t.equal(i18n.unreadLabel(12), '9+ unread notifications', 'above nine it says what the badge shows');
  t.equal(i18n.unreadLabel(0), 'Notifications, none unread');
  t.equal(i18n.relativeTime(ago(10), NOW), 'now');
  t.equal(i18n.relativeTime(ago(5 * 60), NOW), '5 minutes ago');
  t.equal(i18n.relativeTime(ago(26 * 3600), NOW), 'yesterday');
  t.equal(i18n.typeName('SECURITY_ALERT'), 'Security alert');
  t.equal(i18n.typeName('WEEKLY_REPORT'), 'Weekly report', 'unknown types are humanised');
});

t.test('German and Spanish packs load lazily and use their plural rules', async (t) => {
  const de = new I18n('de-DE', await loadStringPack('de-DE'));
  t.equal(de.unreadLabel(1), '1 ungelesene Benachrichtigung');
  t.equal(de.unreadLabel(3), '3 ungelesene Benachrichtigungen');
  t.equal(de.unreadLabel(1200), '9+ ungelesene Benachrichtigungen');
  t.equal(de.relativeTime(ago(5 * 60), NOW), 'vor 5 Minuten');
  const es = new I18n('es', await loadStringPack('es'));
  t.equal(es.unreadLabel(1), '1 notificación sin leer');
  t.equal(es.unreadLabel(2), '2 notificaciones sin leer');
  t.equal(es.relativeTime(ago(2 * 3600), NOW), 'hace 2 horas');
  t.equal(await loadStringPack('fr'), undefined, 'unsupported languages fall back to English');
  t.equal(new I18n('fr').strings.markAllRead, 'Mark all read');
  t.equal(new I18n('not a locale!').locale, 'en', 'a malformed locale falls back to English');
});

t.test('hosts override strings, including plurals and type names', async (t) => {
  const i18n = new I18n('en', undefined, {
    unread: { one: 'One new', other: '{count} new' },
    types: { SECURITY_ALERT: 'Sign-in' },
  });
  t.equal(i18n.unreadLabel(1), 'One new');
  t.equal(i18n.unreadLabel(4), '4 new');
  t.equal(i18n.typeName('SECURITY_ALERT'), 'Sign-in');
  t.equal(i18n.typeName('NEW_TESTIMONIAL'), 'New testimonial', 'the other names stay');
});

t.test('the badge says 9+ above nine', async (t) => {
  t.same([0, 1, 9, 10, 250].map(badgeText), ['0', '1', '9', '9+', '9+']);
});
