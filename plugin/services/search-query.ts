/** Words a search may hold: more are ignored (each is one more index probe). */
const MAX_SEARCH_WORDS = 8;

/**
 * A `q` as a Postgres tsquery for the 'simple' configuration: every word must appear in the title
 * or the message, the last one (or each, as typed) as a prefix, so "new testi" finds "New
 * testimonial". Only letters and digits reach the query text, so no input can make it a syntax
 * error. Null when `q` holds no word at all (the search is then left out).
 */
export function toSearchQuery(q: string): string | null {
  const words = q
    .normalize('NFKC')
    .toLowerCase()
    .match(/[\p{L}\p{N}]+/gu);
  if (!words) return null;
  return words
    .slice(0, MAX_SEARCH_WORDS)
    .map((word) => `${word}:*`)
    .join(' & ');
}
