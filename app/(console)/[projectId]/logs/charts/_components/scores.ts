import { colorAt, type Grid, type ScoreSeries, type Series } from "./series";

/** How one score name is charted: what its line(s) mean, on which axis. */
export interface ScoreChart {
  key: string;
  title: string;
  description: string;
  yTitle: string;
  series: Series[];
  format: (v: number) => string;
  axisFormat?: (v: number) => string;
  integer?: boolean;
  yRange?: [number, number];
}

const range = (s: ScoreSeries) => (s.min !== null && s.max !== null && s.max > s.min ? ([s.min, s.max] as [number, number]) : undefined);
const pct = (v: number) => `${Number(v.toFixed(1))}%`;

/**
 * A score's chart over the grid: a numeric score's mean per bucket (on its configured range), a
 * boolean's (thumbs') share of true in percent, a categorical score's ratings per label, one line
 * each. Buckets without ratings of the score are gaps (counts: 0).
 */
export function scoreChart(score: ScoreSeries, grid: Grid, sameName: boolean): ScoreChart {
  const at = new Map(score.points.map((p) => [p.bucket.getTime(), p]));
  const points = grid.times.map((t) => at.get(t));
  const total = score.points.reduce((n, p) => n + p.count, 0);
  const ratings = `${total} rating${total === 1 ? "" : "s"}`;
  // one name with two types (no config, numbers and booleans both sent) gets a chart per type
  const name = sameName ? `${score.name} (${score.dataType})` : score.name;
  const base = { key: `${score.name}\u0000${score.dataType}`, title: `Rating: ${name}` };
  if (score.dataType === "categorical") {
    return {
      ...base,
      description: `Ratings of "${score.name}" per label per bucket (count), ${ratings}`,
      yTitle: "ratings (count)",
      integer: true,
      format: (v) => String(v),
      series: score.categories.map((label, k) => ({
        key: label,
        label,
        color: colorAt(k),
        values: points.map((p) => p?.counts[k] ?? 0),
      })),
    };
  }
  if (score.dataType === "boolean") {
    return {
      ...base,
      description: `Share of "${score.name}" ratings that are true (thumbs up) per bucket (%), ${ratings}`,
      yTitle: "true / thumbs up (%)",
      yRange: [0, 100],
      format: pct,
      axisFormat: pct,
      series: [
        { key: "share", label: "Share true", color: colorAt(1), values: points.map((p) => (p && p.value !== null ? p.value * 100 : null)) },
      ],
    };
  }
  const r = range(score);
  return {
    ...base,
    description: `Mean of "${score.name}" per bucket${r ? ` on its ${r[0]} to ${r[1]} scale` : ""}, ${ratings}`,
    yTitle: r ? `mean ${score.name} (${r[0]} to ${r[1]})` : `mean ${score.name}`,
    yRange: r,
    format: (v) => v.toFixed(2),
    series: [{ key: "mean", label: "Mean", color: colorAt(6), values: points.map((p) => p?.value ?? null) }],
  };
}

/** The charts of every score, in the server's order (configs first). */
export function scoreCharts(scores: ScoreSeries[], grid: Grid): ScoreChart[] {
  const names = new Map<string, number>();
  for (const s of scores) names.set(s.name, (names.get(s.name) ?? 0) + 1);
  return scores.map((s) => scoreChart(s, grid, (names.get(s.name) ?? 0) > 1));
}
