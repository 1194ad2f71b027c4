import { describe, expect, it } from "vitest";
import { scoreCharts } from "./scores";
import type { Grid, ScoreSeries } from "./series";

const H = 3_600_000;
const grid: Grid = { times: [0, H, 2 * H], present: [true, true, true], bucket: "hour" };
const point = (t: number, count: number, value: number | null, counts: number[] = []) => ({ bucket: new Date(t), count, value, counts });
const score = (s: Partial<ScoreSeries> & Pick<ScoreSeries, "name" | "dataType" | "points">): ScoreSeries => ({
  min: null,
  max: null,
  categories: [],
  ...s,
});

describe("scoreCharts", () => {
  it("charts each kind on its own terms, aligned to the grid with gaps where a bucket has no rating", () => {
    const [stars, thumbs, tone] = scoreCharts(
      [
        score({ name: "stars", dataType: "numeric", min: 1, max: 5, points: [point(0, 2, 3.5), point(2 * H, 1, 4)] }),
        score({ name: "thumbs", dataType: "boolean", points: [point(H, 3, 2 / 3)] }),
        score({ name: "tone", dataType: "categorical", categories: ["formal", "casual"], points: [point(0, 3, null, [1, 2])] }),
      ],
      grid,
    );
    expect(stars).toMatchObject({ title: "Rating: stars", yRange: [1, 5], yTitle: "mean stars (1 to 5)" });
    expect(stars?.series.map((s) => s.values)).toEqual([[3.5, null, 4]]);
    expect(stars?.description).toContain("3 ratings");
    expect(thumbs).toMatchObject({ yRange: [0, 100], yTitle: "true / thumbs up (%)" });
    expect(thumbs?.series[0]?.values.map((v) => (v === null ? v : Number(v.toFixed(1))))).toEqual([null, 66.7, null]);
    expect(thumbs?.format(66.666)).toBe("66.7%");
    expect(tone).toMatchObject({ integer: true, yTitle: "ratings (count)" });
    expect(tone?.series.map((s) => [s.label, s.values])).toEqual([
      ["formal", [1, 0, 0]],
      ["casual", [2, 0, 0]],
    ]);
  });

  it("names the type when one score name holds two kinds, and drops a range it cannot use", () => {
    const charts = scoreCharts(
      [
        score({ name: "q", dataType: "numeric", min: 3, max: 3, points: [point(0, 1, 3)] }),
        score({ name: "q", dataType: "boolean", points: [point(0, 1, 1)] }),
      ],
      grid,
    );
    expect(charts.map((c) => c.title)).toEqual(["Rating: q (numeric)", "Rating: q (boolean)"]);
    expect(new Set(charts.map((c) => c.key)).size).toBe(2);
    expect(charts[0]?.yRange).toBeUndefined();
  });
});
