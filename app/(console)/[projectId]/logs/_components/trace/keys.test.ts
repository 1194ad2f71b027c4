import { describe, expect, it } from "vitest";
import { isTextField, type KeyScore, keyHint, ratingKey } from "./keys";

const score = (id: string, dataType: KeyScore["dataType"], extra: Partial<KeyScore> = {}): KeyScore => ({
  id,
  name: id,
  dataType,
  min: null,
  max: null,
  categories: null,
  ...extra,
});
const helpful = score("helpful", "boolean");
const stars = score("stars", "numeric", { min: 1, max: 5 });
const tone = score("tone", "categorical", {
  categories: [
    { label: "friendly", value: 1 },
    { label: "rude", value: 0 },
  ],
});

describe("ratingKey", () => {
  it("y / n pick the first boolean score", () => {
    expect(ratingKey([stars, helpful], "y")).toEqual({ kind: "pick", configId: "helpful", value: true });
    expect(ratingKey([stars, helpful], "N")).toEqual({ kind: "pick", configId: "helpful", value: false });
    expect(ratingKey([stars], "y")).toBeNull();
  });

  it("digits give the first numeric score its value within range, or the n-th category", () => {
    expect(ratingKey([helpful, stars, tone], "4")).toEqual({ kind: "pick", configId: "stars", value: "4" });
    expect(ratingKey([stars], "7")).toBeNull();
    expect(ratingKey([stars], "0")).toBeNull();
    expect(ratingKey([tone, stars], "2")).toEqual({ kind: "pick", configId: "tone", value: "rude" });
    expect(ratingKey([tone], "3")).toBeNull();
  });

  it("Enter submits, s skips, c goes to the comment, ? asks for help; other keys do nothing", () => {
    expect(ratingKey([], "Enter")).toEqual({ kind: "submit" });
    expect(ratingKey([], "s")).toEqual({ kind: "skip" });
    expect(ratingKey([], "c")).toEqual({ kind: "comment" });
    expect(ratingKey([], "?")).toEqual({ kind: "help" });
    for (const k of ["u", "d", "+", "-", "x", "Tab"]) expect(ratingKey([helpful, stars], k)).toBeNull();
  });
});

describe("keyHint", () => {
  it("names the keys of the scores they drive", () => {
    const all = [helpful, stars, tone];
    expect(keyHint(all, helpful)).toBe("keys Y / N");
    expect(keyHint(all, stars)).toBe("keys 1–5");
    expect(keyHint(all, tone)).toBeUndefined();
    expect(keyHint([tone], tone)).toBe("keys 1–2 pick a label");
    expect(keyHint([score("t", "text")], score("t", "text"))).toBeUndefined();
  });
});

describe("isTextField", () => {
  it("is true for typing targets only", () => {
    expect(isTextField({ tagName: "TEXTAREA" } as unknown as EventTarget)).toBe(true);
    expect(isTextField({ tagName: "INPUT", type: "number" } as unknown as EventTarget)).toBe(true);
    expect(isTextField({ tagName: "INPUT", type: "checkbox" } as unknown as EventTarget)).toBe(false);
    expect(isTextField({ tagName: "BUTTON" } as unknown as EventTarget)).toBe(false);
    expect(isTextField(null)).toBe(false);
  });
});
