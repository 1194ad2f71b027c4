import { describe, expect, it } from "vitest";
import { containsPattern, searchMode } from "./search";

describe("searchMode", () => {
  it("keeps plain words and web-search syntax a word search", () => {
    expect(searchMode("script")).toEqual({ kind: "words", query: "script" });
    expect(searchMode("refund -angry")).toEqual({ kind: "words", query: "refund -angry" });
    expect(searchMode('order "late delivery"')).toEqual({ kind: "words", query: 'order "late delivery"' });
    expect(searchMode("  hello world  ")).toEqual({ kind: "words", query: "hello world" });
  });
  it("takes a quoted query of 3+ characters as a substring, without the quotes", () => {
    expect(searchMode('"alert"')).toEqual({ kind: "substring", text: "alert" });
    expect(searchMode('"ab"')).toEqual({ kind: "words", query: '"ab"' });
  });
  it("takes 3+ characters with a non-word character as a substring", () => {
    expect(searchMode("<script>")).toEqual({ kind: "substring", text: "<script>" });
    expect(searchMode("alert(1)")).toEqual({ kind: "substring", text: "alert(1)" });
    expect(searchMode("user_id")).toEqual({ kind: "substring", text: "user_id" });
    expect(searchMode("<b")).toEqual({ kind: "words", query: "<b" });
  });
});

describe("containsPattern", () => {
  it("escapes LIKE's wildcards and its escape character", () => {
    expect(containsPattern("50%_off\\")).toBe("%50\\%\\_off\\\\%");
  });
});
