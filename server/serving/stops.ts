/**
 * Stop sequences over a growing decoded text. The generator decodes everything generated so far
 * after each token and calls `update`; the text before the earliest stop sequence is the answer.
 * While streaming, a tail that could still become a stop sequence (a prefix of one) is held back,
 * and so is a trailing U+FFFD (a byte-level token that ends in the middle of a UTF-8 character),
 * so no caller ever sees text that is later cut or changed.
 */

/** Index of the earliest occurrence of any stop sequence in `text`, or -1. */
export function findStop(text: string, stops: readonly string[]): number {
  let best = -1;
  for (const s of stops) {
    if (!s) continue;
    const i = text.indexOf(s);
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop sequence. */
export function partialStopLength(text: string, stops: readonly string[]): number {
  let best = 0;
  for (const s of stops) {
    for (let n = Math.min(s.length - 1, text.length); n > best; n--) {
      if (text.endsWith(s.slice(0, n))) {
        best = n;
        break;
      }
    }
  }
  return best;
}

export class StopStream {
  private emitted = 0;
  private current = "";
  stopped = false;

  constructor(
    private readonly stops: readonly string[],
    private readonly onDelta?: (delta: string) => void,
  ) {}

  /** Feed the whole decoded text so far; true when a stop sequence appeared (the text is cut there). */
  update(fullText: string): boolean {
    if (this.stopped) return true;
    const at = findStop(fullText, this.stops);
    if (at >= 0) {
      this.stopped = true;
      this.current = fullText.slice(0, at);
      this.emitUpTo(this.current.length);
      return true;
    }
    this.current = fullText;
    let safe = fullText.length - partialStopLength(fullText, this.stops);
    while (safe > this.emitted && fullText.charCodeAt(safe - 1) === 0xfffd) safe--;
    this.emitUpTo(safe);
    return false;
  }

  /** The generation ended: emit what was held back; the final text. */
  finish(): string {
    this.emitUpTo(this.current.length);
    return this.current;
  }

  get text(): string {
    return this.current;
  }

  private emitUpTo(n: number): void {
    if (n <= this.emitted) return;
    const delta = this.current.slice(this.emitted, n);
    this.emitted = n;
    this.onDelta?.(delta);
  }
}
