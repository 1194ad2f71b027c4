import { describe, expect, it } from "vitest";
import { normalizeRating, type ScoreConfigLike } from "./rating-values";

const cfg = (c: Partial<ScoreConfigLike>): ScoreConfigLike => ({
  id: "c1",
  name: "q",
  dataType: "numeric",
  min: null,
  max: null,
  categories: null,
  archived: false,
  ...c,
});

describe("rating values", () => {
  it("infers the type without a config", () => {
    expect(normalizeRating(4, undefined)).toMatchObject({ ok: true, dataType: "numeric", value: 4 });
    expect(normalizeRating(true, undefined)).toMatchObject({ ok: true, dataType: "boolean", value: 1 });
    expect(normalizeRating("meh", undefined)).toMatchObject({ ok: true, dataType: "text", stringValue: "meh" });
  });
  it("checks numeric ranges inclusively", () => {
    const c = cfg({ min: 1, max: 5 });
    expect(normalizeRating(1, c)).toMatchObject({ ok: true, value: 1 });
    expect(normalizeRating(5, c)).toMatchObject({ ok: true, value: 5 });
    expect(normalizeRating(7, c)).toEqual({ ok: false, error: 'value: 7 is outside 1..5 (score config "q", numeric)' });
    expect(normalizeRating("5", c)).toMatchObject({ ok: false });
  });
  it("maps categorical labels and values, booleans and text", () => {
    const c = cfg({
      dataType: "categorical",
      categories: [
        { label: "bad", value: 0 },
        { label: "good", value: 1 },
      ],
    });
    expect(normalizeRating("good", c)).toMatchObject({ ok: true, value: 1, stringValue: "good" });
    expect(normalizeRating(0, c)).toMatchObject({ ok: true, value: 0, stringValue: "bad" });
    expect(normalizeRating("great", c)).toMatchObject({ ok: false });
    const b = cfg({ dataType: "boolean" });
    expect(normalizeRating(false, b)).toMatchObject({ ok: true, value: 0 });
    expect(normalizeRating(2, b)).toMatchObject({ ok: false });
    expect(normalizeRating(3, cfg({ dataType: "text" }))).toMatchObject({ ok: false });
  });
  it("refuses archived configs", () => {
    expect(normalizeRating(1, cfg({ archived: true }))).toEqual({ ok: false, error: 'score config "q" is archived' });
  });
});
