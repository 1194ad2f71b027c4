import { describe, expect, it } from "vitest";
import { exactMatch, exactMatchOptionsFromSnake } from "./exact";

describe("exactMatch", () => {
  it("is 1 when the prediction equals any reference, else 0", () => {
    expect(exactMatch("Paris", ["London", "Paris"])).toBe(1);
    expect(exactMatch("Paris", ["London"])).toBe(0);
    expect(exactMatch("Paris", [])).toBe(0);
  });

  it("compares as is by default", () => {
    expect(exactMatch(" Paris", ["Paris"])).toBe(0);
    expect(exactMatch("paris", ["Paris"])).toBe(0);
    expect(exactMatch("", [""])).toBe(1);
  });

  it("strip trims surrounding whitespace; lower also lowercases", () => {
    expect(exactMatch(" Paris\n", ["Paris"], { normalize: "strip" })).toBe(1);
    expect(exactMatch(" paris\n", ["Paris"], { normalize: "strip" })).toBe(0);
    expect(exactMatch(" PARIS\n", ["paris "], { normalize: "lower" })).toBe(1);
    expect(exactMatch("ÉCOLE", ["école"], { normalize: "lower" })).toBe(1);
  });

  it("does not normalize inner whitespace or Unicode forms", () => {
    expect(exactMatch("a  b", ["a b"], { normalize: "lower" })).toBe(0);
    expect(exactMatch("e\u0301", ["é"], { normalize: "lower" })).toBe(0);
  });

  it("rejects an unknown normalize mode", () => {
    expect(() => exactMatch("a", ["a"], { normalize: "casefold" as never })).toThrow(/normalize/);
  });
});

describe("exactMatchOptionsFromSnake", () => {
  it("maps normalize and rejects unknown names or values, naming them", () => {
    expect(exactMatchOptionsFromSnake(undefined)).toEqual({});
    expect(exactMatchOptionsFromSnake({ normalize: "lower" })).toEqual({ normalize: "lower" });
    expect(() => exactMatchOptionsFromSnake({ ignore_case: true })).toThrow(/"ignore_case"/);
    expect(() => exactMatchOptionsFromSnake({ normalize: "upper" })).toThrow(/normalize/);
    expect(() => exactMatchOptionsFromSnake("lower")).toThrow(/object/);
  });
});
