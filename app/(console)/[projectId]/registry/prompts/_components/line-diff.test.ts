import { describe, expect, it } from "vitest";
import { lineDiff, stableJson } from "./line-diff";

const show = (a: string, b: string) =>
  lineDiff(a, b)
    .map((l) => `${l.kind === "same" ? " " : l.kind === "added" ? "+" : "-"}${l.text}`)
    .join("|");

describe("lineDiff", () => {
  it("marks equal texts as unchanged", () => {
    expect(show("a\nb", "a\nb")).toBe(" a| b");
  });
  it("finds a changed line between common ones", () => {
    expect(show("Hello {{name}}\nBe brief.\nBye", "Hello {{name}}\nBe very brief.\nBye")).toBe(
      " Hello {{name}}|-Be brief.|+Be very brief.| Bye",
    );
  });
  it("keeps the longest common subsequence (moves show as a removal and an addition)", () => {
    expect(show("a\nb\nc\nd", "b\nc\na\nd")).toBe("-a| b| c|+a| d");
    expect(show("x\ny", "p\nx\nq\ny\nr")).toBe("+p| x|+q| y|+r");
  });
  it("handles empty sides", () => {
    expect(show("", "a")).toBe("-|+a");
    expect(show("a\nb", "a")).toBe(" a|-b");
  });
});

describe("stableJson", () => {
  it("sorts keys at every level so equal objects give equal text", () => {
    expect(stableJson({ b: 1, a: { d: [2, { z: 1, y: 0 }], c: null } })).toBe(stableJson({ a: { c: null, d: [2, { y: 0, z: 1 }] }, b: 1 }));
    expect(stableJson({ b: 1, a: 2 }).split("\n")).toEqual(["{", '  "a": 2,', '  "b": 1', "}"]);
  });
});
