import { describe, expect, it } from "vitest";
import { clip } from "./clip";

describe("clip", () => {
  it("leaves short texts whole", () => {
    expect(clip("one\ntwo")).toBeNull();
    expect(clip(Array(20).fill("line").join("\n"))).toBeNull();
    expect(clip(`${Array(20).fill("line").join("\n")}\n`)).toBeNull();
  });

  it("cuts after 20 lines or 1,500 characters, whichever comes first", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    expect(clip(lines.join("\n"))).toBe(lines.slice(0, 20).join("\n"));
    expect(clip("x".repeat(1_600))).toBe("x".repeat(1_500));
    expect(clip(Array(30).fill("y".repeat(100)).join("\n"))).toHaveLength(1_500);
  });
});
