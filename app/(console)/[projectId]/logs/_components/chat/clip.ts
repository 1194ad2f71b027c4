/** How much of a long logged text shows before "Show more": about a screen of a chat bubble. */
export const CLIP_LINES = 20;
export const CLIP_CHARS = 1_500;

/** The first CLIP_LINES lines and at most CLIP_CHARS characters of a text, or null when it fits whole. */
export function clip(text: string, lines = CLIP_LINES, chars = CLIP_CHARS): string | null {
  let cut = text.length > chars ? chars : -1;
  // the end of line `lines`: where the (lines + 1)th line starts, less its newline
  let at = -1;
  for (let i = 0; i < lines; i++) {
    at = text.indexOf("\n", at + 1);
    if (at === -1) break;
  }
  if (at !== -1 && at < text.length - 1 && (cut === -1 || at < cut)) cut = at;
  return cut === -1 ? null : text.slice(0, cut);
}
