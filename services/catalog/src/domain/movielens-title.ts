/** Splits a MovieLens title "Heat (1995)" into its title and year; "Matrix, The (1999)" keeps MovieLens' order. */
export function parseMovielensTitle(raw: string): { title: string; year: number | null } {
  const m = /^(.*?)\s*\((\d{4})(?:[–-]\d{0,4})?\)\s*$/.exec(raw.trim());
  if (!m) return { title: raw.trim(), year: null };
  return { title: (m[1] ?? '').trim() || raw.trim(), year: Number(m[2]) };
}

/** MovieLens writes leading articles last ("Matrix, The"); put them back in front for display and search. */
export function displayTitle(title: string): string {
  const m = /^(.*), (The|A|An|Les|La|Le|L'|Il|Das|Der|Die|El)$/.exec(title);
  if (!m) return title;
  const article = m[2] as string;
  return article.endsWith("'") ? `${article}${m[1]}` : `${article} ${m[1]}`;
}
