import { describe, expect, it } from "vitest";
import { downsample, normalizeMetrics } from "./run-metrics";
import { checkRunArtifactPath, directoryLevel } from "./runs-artifacts";

describe("normalizeMetrics", () => {
  it("fills step 0 and now, and refuses non-finite values naming the key", () => {
    expect(normalizeMetrics([{ key: "loss", value: 1 }], 99)).toEqual([{ key: "loss", value: 1, step: 0, timestamp: 99 }]);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, "1" as unknown as number])
      expect(() =>
        normalizeMetrics([
          { key: "acc", value: 1 },
          { key: "loss", value },
        ]),
      ).toThrow(/metric loss must be a finite number/);
    expect(() => normalizeMetrics([{ key: "", value: 1 }])).toThrow(/metric key/);
    expect(() => normalizeMetrics([{ key: "a", value: 1, timestamp: -1 }])).toThrow(/timestamp/);
    expect(() => normalizeMetrics(Array.from({ length: 1001 }, () => ({ key: "a", value: 1 })))).toThrow(/at most 1000/);
  });
});

describe("downsample", () => {
  it("keeps first and last, evenly spaced, and leaves short series alone", () => {
    const n = 1001;
    const s = { key: "k", steps: [...Array(n).keys()], timestamps: [...Array(n).keys()], values: [...Array(n).keys()].map((i) => i * 2) };
    const d = downsample(s, 11);
    expect(d.steps).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(d.values[10]).toBe(2000);
    expect(downsample(s, 5000)).toBe(s);
  });
});

describe("run artifact paths", () => {
  it("lists one directory level", () => {
    const files = [
      { path: "model/MLmodel", size: 1 },
      { path: "model/data/w.bin", size: 2 },
      { path: "notes.txt", size: 3 },
    ];
    expect(directoryLevel(files, "")).toEqual([
      { name: "model", isDir: true, size: null },
      { name: "notes.txt", isDir: false, size: 3 },
    ]);
    expect(directoryLevel(files, "model/")).toEqual([
      { name: "MLmodel", isDir: false, size: 1 },
      { name: "data", isDir: true, size: null },
    ]);
    expect(directoryLevel(files, "nothing")).toEqual([]);
  });
  it("refuses escaping or odd paths", () => {
    for (const bad of ["", "/abs", "a/../b", "a//b", "./a", "a\\b", "a/\u0000"])
      expect(() => checkRunArtifactPath(bad)).toThrow(/artifact path/);
    expect(checkRunArtifactPath("plots/loss curve.png")).toBe("plots/loss curve.png");
  });
});
