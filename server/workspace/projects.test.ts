import { describe, expect, it } from "vitest";
import { SLUG_RE } from "./inputs";
import { slugify } from "./projects";

describe("slugs", () => {
  it("derives a valid slug from any name", () => {
    expect(slugify("Search Quality!")).toBe("search-quality");
    expect(slugify("  Ünïcödé Café  ")).toBe("unicode-cafe");
    expect(slugify("!!!")).toBe("project");
    expect(slugify("x".repeat(60))).toHaveLength(40);
    for (const name of ["Search Quality!", "a--b", "-lead", "x".repeat(60)]) expect(slugify(name)).toMatch(SLUG_RE);
  });
  it("accepts only lower-case letters, digits and inner hyphens", () => {
    expect(SLUG_RE.test("demo")).toBe(true);
    expect(SLUG_RE.test("a")).toBe(true);
    expect(SLUG_RE.test("Demo")).toBe(false);
    expect(SLUG_RE.test("-demo")).toBe(false);
    expect(SLUG_RE.test("demo-")).toBe(false);
    expect(SLUG_RE.test("de mo")).toBe(false);
  });
});
