/**
 * The href a notification's link may become, or null. Only http(s) URLs and same-site paths
 * ("/testimonials/42") pass; `javascript:`, `data:`, protocol-relative "//host" and anything the
 * URL parser reads differently from how it looks (control characters, backslashes) never do —
 * whatever the server sent.
 */
export function safeHref(link: string | null | undefined, baseUrl: string): string | null {
  if (typeof link !== 'string' || link.length === 0 || link.length > 2048) return null;
  // Browsers strip tabs and newlines inside URLs and read "\" as "/": "java\tscript:" or "/\evil"
  // would change meaning between this check and the click.
  if (/[\u0000-\u001f\u007f\\]/.test(link)) return null;
  const isPath = link.startsWith('/') && !link.startsWith('//');
  const isAbsolute = /^https?:\/\//i.test(link);
  if (!isPath && !isAbsolute) return null;
  try {
    const url = new URL(link, baseUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
