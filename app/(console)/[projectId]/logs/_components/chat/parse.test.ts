import { describe, expect, it } from "vitest";
import { parseChat, previewText } from "./parse";

const text = (t: string) => ({ type: "text", text: t });

describe("parseChat", () => {
  it("reads OpenAI chat: a messages object or a bare array, string or part content", () => {
    const msgs = [
      { role: "system", content: "Be brief." },
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "https://x/cat.png" } },
        ],
      },
    ];
    const expected = [
      { role: "system", parts: [text("Be brief.")] },
      { role: "user", parts: [text("What is this?"), { type: "image", ref: "https://x/cat.png" }] },
    ];
    expect(parseChat({ model: "gpt-4o", messages: msgs })).toEqual(expected);
    expect(parseChat(msgs)).toEqual(expected);
  });

  it("reads OpenAI tool calls (arguments as JSON text) and the tool's answer by its id", () => {
    const chat = parseChat({
      messages: [
        { role: "user", content: "Weather in Oslo?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }],
        },
        { role: "tool", tool_call_id: "call_1", content: "-3 C" },
      ],
    });
    expect(chat?.[1]).toEqual({
      role: "assistant",
      parts: [{ type: "tool_call", id: "call_1", name: "get_weather", arguments: { city: "Oslo" } }],
    });
    expect(chat?.[2]).toEqual({ role: "tool", parts: [{ type: "tool_result", id: "call_1", content: "-3 C" }] });
  });

  it("keeps arguments that are not JSON as text", () => {
    const [m] = parseChat([{ role: "assistant", tool_calls: [{ id: "c", function: { name: "f", arguments: "{oops" } }] }]) ?? [];
    expect(m?.parts[0]).toEqual({ type: "tool_call", id: "c", name: "f", arguments: "{oops" });
  });

  it("reads an OpenAI completion, a single message and plain text as the output", () => {
    const completion = { id: "x", choices: [{ index: 0, message: { role: "assistant", content: "Hi!" }, finish_reason: "stop" }] };
    expect(parseChat(completion, "output")).toEqual([{ role: "assistant", parts: [text("Hi!")] }]);
    expect(parseChat({ role: "assistant", content: "Hi!" }, "output")).toEqual([{ role: "assistant", parts: [text("Hi!")] }]);
    expect(parseChat("Hi!", "output")).toEqual([{ role: "assistant", parts: [text("Hi!")] }]);
    expect(parseChat("Hi!", "input")).toBeNull();
  });

  it("reads Anthropic Messages: system, tool_use and tool_result blocks, and the reply", () => {
    const chat = parseChat({
      system: "You are terse.",
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: [text("Checking."), { type: "tool_use", id: "tu_1", name: "weather", input: { city: "Oslo" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "tu_1", content: "-3 C" }] },
      ],
    });
    expect(chat?.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(chat?.[2]?.parts[1]).toEqual({ type: "tool_call", id: "tu_1", name: "weather", arguments: { city: "Oslo" } });
    expect(chat?.[3]?.parts[0]).toEqual({ type: "tool_result", id: "tu_1", content: "-3 C" });
    const reply = { id: "msg_1", type: "message", role: "assistant", content: [text("Cold.")], stop_reason: "end_turn" };
    expect(parseChat(reply, "output")).toEqual([{ role: "assistant", parts: [text("Cold.")] }]);
  });

  it("reads Langfuse's shapes: {input: [...]} and LangChain message types", () => {
    expect(parseChat({ input: [{ role: "user", content: "Hello" }] })).toEqual([{ role: "user", parts: [text("Hello")] }]);
    expect(
      parseChat([
        { type: "human", content: "Hi" },
        { type: "ai", content: "Hello" },
      ]),
    ).toEqual([
      { role: "user", parts: [text("Hi")] },
      { role: "assistant", parts: [text("Hello")] },
    ]);
  });

  it("reads OTel GenAI messages with text, tool_call and tool_call_response parts", () => {
    const chat = parseChat([
      { role: "user", parts: [{ type: "text", content: "Weather in Paris?" }] },
      { role: "assistant", parts: [{ type: "tool_call", id: "c1", name: "get_weather", arguments: { location: "Paris" } }] },
      { role: "tool", parts: [{ type: "tool_call_response", id: "c1", response: "rainy, 57F" }] },
    ]);
    expect(chat).toEqual([
      { role: "user", parts: [text("Weather in Paris?")] },
      { role: "assistant", parts: [{ type: "tool_call", id: "c1", name: "get_weather", arguments: { location: "Paris" } }] },
      { role: "tool", parts: [{ type: "tool_result", id: "c1", content: "rainy, 57F" }] },
    ]);
    const out = [{ role: "assistant", parts: [{ type: "text", content: "Rainy." }], finish_reason: "stop" }];
    expect(parseChat(out, "output")).toEqual([{ role: "assistant", parts: [text("Rainy.")] }]);
  });

  it("reads the older OTel indexed and event messages as otel.ts stores them", () => {
    // gen_ai.prompt.0.role / .content -> [{role, content}]; gen_ai.choice events -> [{message}] or [{content}]
    expect(parseChat([{ role: "user", content: "Where is my parcel?" }])).toEqual([{ role: "user", parts: [text("Where is my parcel?")] }]);
    expect(parseChat([{ index: 0, message: { content: "Tomorrow." } }], "output")).toEqual([
      { role: "assistant", parts: [text("Tomorrow.")] },
    ]);
    expect(parseChat([{ content: "Tomorrow." }], "output")).toEqual([{ role: "assistant", parts: [text("Tomorrow.")] }]);
  });

  it("keeps unknown blocks as data instead of dropping them", () => {
    expect(parseChat([{ role: "user", content: [{ type: "audio", id: "a1" }] }])?.[0]?.parts).toEqual([
      { type: "data", value: { type: "audio", id: "a1" } },
    ]);
  });

  it("gives null for values that are not a chat, or only partly one", () => {
    for (const v of [
      null,
      undefined,
      42,
      "plain prompt",
      {},
      { query: "a search", k: 5 },
      [],
      [1, 2],
      [{ role: "user", content: "ok" }, { nope: true }],
      { messages: [{ role: "user", content: "ok" }, "stray"] },
      { messages: "not a list" },
      { choices: [{ finish_reason: "stop" }] },
      { role: "<script>", content: "x" },
      { role: "user" },
    ])
      expect(parseChat(v), JSON.stringify(v)).toBeNull();
  });
});

describe("previewText", () => {
  it("is the last user message for a chat, the reply for an output, else text or JSON on one line", () => {
    const chat = {
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "First\nquestion" },
      ],
    };
    expect(previewText(chat)).toBe("First question");
    expect(previewText({ choices: [{ message: { role: "assistant", content: "An answer" } }] })).toBe("An answer");
    expect(previewText([{ role: "assistant", tool_calls: [{ id: "1", function: { name: "lookup", arguments: "{}" } }] }])).toBe("lookup()");
    expect(previewText("  plain\ttext  ")).toBe("plain text");
    expect(previewText({ q: 1 })).toBe('{"q":1}');
    expect(previewText(null)).toBe("");
    expect(previewText("x".repeat(300), 10)).toBe(`${"x".repeat(9)}…`);
  });
});
