// Email HTML is built by string templates (no DOM on the server, and email clients need plain
// tables and inline styles that component libraries do not produce); every user-supplied value
// goes through escapeHtml, and every URL through safeUrl.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char] as string);
}

/** An absolute http(s) URL for a notification link (relative ones resolve against the app), or null. */
export function safeUrl(link: string | null, appUrl: string): string | null {
  if (!link) return null;
  try {
    const url = new URL(link, appUrl);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}
