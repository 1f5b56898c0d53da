const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * A ts_headline result made safe to render as HTML: the movie's own text is escaped, then only the
 * <mark>/</mark> that PostgreSQL put around the matches are made tags again. A title that itself
 * contains "<mark>" shows as a highlight at worst; no other markup survives.
 */
export function escapeHighlight(headline: string): string {
  return headline
    .replace(/[&<>"']/g, (c) => ENTITIES[c] as string)
    .replaceAll('&lt;mark&gt;', '<mark>')
    .replaceAll('&lt;/mark&gt;', '</mark>');
}
