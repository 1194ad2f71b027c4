/** URL pieces for console links and route params. */

/** One path segment or query value, percent-encoded (names may hold spaces, slashes, any printable character). */
export const enc = encodeURIComponent;

/** A route param as the name it was made from: Next passes dynamic segments still percent-encoded. */
export function decodeParam(raw: string | undefined): string {
  if (!raw) return "";
  try {
    return decodeURIComponent(raw);
  } catch {
    // a stray "%" that was never an escape: the raw text is the name
    return raw;
  }
}
