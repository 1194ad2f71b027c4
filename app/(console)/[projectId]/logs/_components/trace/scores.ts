/**
 * A trace's ratings summed up per score name, each in its own terms (pure, unit-tested beside here):
 * thumbs/yes-no as counts and share, numbers as a mean against the score's scale, categories as
 * counts per label, text as a count. Kinds are never averaged together (a 0/1 thumb and a 1–5 score
 * have no common mean).
 */

export interface ScoreRating {
  name: string;
  dataType: "numeric" | "categorical" | "boolean" | "text";
  value: number | null;
  stringValue: string | null;
}
export interface ScoreScale {
  name: string;
  min: number | null;
  max: number | null;
  categories: { label: string; value: number }[] | null;
}

export type ScoreSummary = { name: string; count: number; text: string } & (
  | { dataType: "boolean"; up: number; down: number }
  | { dataType: "numeric"; mean: number; low: number; high: number; max: number | null }
  | { dataType: "categorical"; counts: [string, number][] }
  | { dataType: "text" }
);

/** 4.5, 4.33, 12 */
export const shortNumber = (n: number) => String(Number(n.toFixed(2)));

function one(name: string, rs: ScoreRating[], scale: ScoreScale | undefined): ScoreSummary {
  const count = rs.length;
  const kind = rs[0]?.dataType ?? "text";
  if (kind === "boolean") {
    const up = rs.filter((r) => r.value === 1).length;
    const down = count - up;
    return { name, count, dataType: "boolean", up, down, text: `${up} up · ${down} down (${Math.round((up / count) * 100)}% up)` };
  }
  if (kind === "numeric") {
    const vs = rs.flatMap((r) => (r.value === null ? [] : [r.value]));
    const mean = vs.reduce((a, b) => a + b, 0) / Math.max(vs.length, 1);
    const max = scale?.max ?? null;
    const low = Math.min(...vs);
    const high = Math.max(...vs);
    return {
      name,
      count,
      dataType: "numeric",
      mean,
      low,
      high,
      max,
      text: `${shortNumber(mean)}${max !== null ? ` / ${shortNumber(max)}` : ""} (${count})`,
    };
  }
  if (kind === "categorical") {
    const by = new Map<string, number>();
    for (const r of rs) {
      const label = r.stringValue ?? (r.value === null ? "?" : shortNumber(r.value));
      by.set(label, (by.get(label) ?? 0) + 1);
    }
    // the score's own order of labels first, then any others by count
    const order = (scale?.categories ?? []).map((c) => c.label);
    const rank = (l: string) => (order.includes(l) ? order.indexOf(l) : order.length);
    const counts = [...by].sort((a, b) => rank(a[0]) - rank(b[0]) || b[1] - a[1]);
    return { name, count, dataType: "categorical", counts, text: counts.map(([l, n]) => `${l} ${n}`).join(" · ") };
  }
  return { name, count, dataType: "text", text: `${count} ${count === 1 ? "note" : "notes"}` };
}

/** One summary per score name (by name), from the trace's ratings and the project's score configs. */
export function summarizeScores(ratings: ScoreRating[], scales: ScoreScale[]): ScoreSummary[] {
  const byName = new Map<string, ScoreRating[]>();
  for (const r of ratings) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  return [...byName.keys()].sort().map((name) => {
    const rs = byName.get(name) as ScoreRating[];
    // a name rated with two kinds (a config changed type): summarise the latest kind; ratings come newest first
    const kind = rs[0]?.dataType;
    return one(
      name,
      rs.filter((r) => r.dataType === kind),
      scales.find((s) => s.name === name),
    );
  });
}
