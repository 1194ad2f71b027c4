/**
 * The explorer's search rule, shared by the server (which picks the SQL) and the console (which says
 * which kind of search a query gets):
 * - a query wholly in double quotes ("…", at least 3 characters inside), or one of at least 3
 *   characters holding a character other than a letter, digit, space, `-` or `"` (so `<script>`,
 *   `alert(1)`, `user_id`, `50%`), matches as a case-insensitive substring of the strings in input
 *   and output (pg_trgm; the first 5,000 characters of each side);
 * - any other query is a word search (web-search syntax: `"a phrase" inside words`, `-exclude`, `or`)
 *   over every string of input and output. Tag-like tokens (`<b>`) are not words to it.
 */
export type SearchMode = { kind: "words"; query: string } | { kind: "substring"; text: string };

const NON_WORD = /[^\p{L}\p{N}\s"-]/u;

export function searchMode(raw: string): SearchMode {
  const q = raw.trim();
  const inner = q.length >= 2 && q.startsWith('"') && q.endsWith('"') ? q.slice(1, -1) : null;
  if (inner !== null && !inner.includes('"') && inner.length >= 3) return { kind: "substring", text: inner };
  if (q.length >= 3 && NON_WORD.test(q)) return { kind: "substring", text: q };
  return { kind: "words", query: q };
}

/** An ILIKE pattern matching `text` anywhere, literally: `\`, `%` and `_` escaped (the default escape is `\`). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
