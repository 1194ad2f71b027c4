/**
 * A line diff by longest common subsequence (the classic O(n·m) table): enough for prompts, which
 * are short; past MAX_CELLS lines the middle is shown as one removal and one addition instead.
 * Common leading and trailing lines are matched first, so an edit in a long prompt stays cheap.
 */

export type DiffLine = { kind: "same" | "removed" | "added"; text: string };

const MAX_CELLS = 4_000_000;

export function lineDiff(a: string, b: string): DiffLine[] {
  const x = a.split("\n");
  const y = b.split("\n");
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let endX = x.length;
  let endY = y.length;
  while (endX > start && endY > start && x[endX - 1] === y[endY - 1]) {
    endX--;
    endY--;
  }
  const same = (lines: string[]): DiffLine[] => lines.map((text) => ({ kind: "same", text }));
  return [...same(x.slice(0, start)), ...middle(x.slice(start, endX), y.slice(start, endY)), ...same(x.slice(endX))];
}

function middle(x: string[], y: string[]): DiffLine[] {
  const n = x.length;
  const m = y.length;
  if (n * m > MAX_CELLS)
    return [...x.map((text) => ({ kind: "removed" as const, text })), ...y.map((text) => ({ kind: "added" as const, text }))];
  // lcs[i][j]: the LCS length of x[i..] and y[j..], one flat array
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i * w + j] =
        x[i] === y[j] ? (lcs[(i + 1) * w + j + 1] as number) + 1 : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push({ kind: "same", text: x[i] as string });
      i++;
      j++;
    } else if ((lcs[(i + 1) * w + j] as number) >= (lcs[i * w + j + 1] as number)) out.push({ kind: "removed", text: x[i++] as string });
    else out.push({ kind: "added", text: y[j++] as string });
  }
  while (i < n) out.push({ kind: "removed", text: x[i++] as string });
  while (j < m) out.push({ kind: "added", text: y[j++] as string });
  return out;
}

/** A JSON value as stable, indented text (keys sorted at every level), so two configs diff by line. */
export function stableJson(v: unknown): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sort)
      : x && typeof x === "object"
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
          )
        : x;
  return JSON.stringify(sort(v), null, 2);
}
