import { describe, expect, it } from "vitest";
import { previewText } from "./format";

describe("list preview from the server's first 300 characters of JSON", () => {
  it("reads any chat shape through the chat parser when the text parses", () => {
    const openai = JSON.stringify({
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "What do otters eat?" },
      ],
    });
    expect(previewText(openai)).toBe("What do otters eat?");
    const anthropic = JSON.stringify({ system: "s", messages: [{ role: "user", content: [{ type: "text", text: "Hi there" }] }] });
    expect(previewText(anthropic)).toBe("Hi there");
    const otel = JSON.stringify([{ role: "user", parts: [{ type: "text", content: "from otel" }] }]);
    expect(previewText(otel)).toBe("from otel");
  });

  it("falls back to the last content string of a value cut short", () => {
    const cut = JSON.stringify({ messages: [{ role: "user", content: `long ${"x".repeat(400)}` }] }).slice(0, 300);
    expect(previewText(cut)).toMatch(/^long x+…$/);
    expect(previewText(null)).toBe("");
    expect(previewText('"plain text"')).toBe("plain text");
  });
});
