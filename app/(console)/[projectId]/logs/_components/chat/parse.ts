/**
 * Logged chat values in every shape Keel receives, turned into one list of messages for the chat view.
 * Shapes: OpenAI chat (a `messages` array or a bare array; string or part content; `tool_calls`;
 * role `tool` with `tool_call_id`; a completion `{choices: [{message}]}`; Responses API items),
 * Anthropic Messages (`system` + `messages` with `text` / `tool_use` / `tool_result` blocks),
 * Langfuse (ChatML-like arrays, `{input: [...]}`, LangChain's `type: human/ai`), and the OTel GenAI
 * conventions (`[{role, parts: [...]}]`, and the older indexed or event messages that otel.ts stores
 * as `[{role, content}]`). Pure: no DOM, so it is unit-tested beside here. Anything it does not
 * recognise in full gives null, and the caller shows the raw value instead of a half-read chat.
 */

export type ChatPart =
  | { type: "text"; text: string }
  /** an image the message refers to: shown as its address, never loaded */
  | { type: "image"; ref: string }
  | { type: "tool_call"; id?: string; name: string; arguments: unknown }
  | { type: "tool_result"; id?: string; content: unknown }
  /** a block of a kind this parser does not know: shown as JSON */
  | { type: "data"; value: unknown };

export interface ChatMessage {
  role: string;
  name?: string;
  parts: ChatPart[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const idOf = (v: unknown): string | undefined => (typeof v === "string" || typeof v === "number" ? String(v) : undefined);

/** LangChain's message types (Langfuse's LangChain integration logs them) as chat roles. */
const LANGCHAIN_ROLE: Record<string, string> = { human: "user", ai: "assistant", system: "system", tool: "tool", function: "tool" };
const ROLE = /^[a-z][a-z0-9_-]{0,31}$/i;

/** OpenAI sends function arguments as a JSON string: the parsed value where it parses, else the text. */
function args(v: unknown): unknown {
  if (typeof v !== "string") return v ?? {};
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function imageRef(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (!isObj(v)) return undefined;
  if (typeof v.url === "string") return v.url;
  // Anthropic's inline image: name its type and size rather than carry the base64 along
  if (v.type === "base64" && typeof v.data === "string")
    return `${str(v.media_type) ?? "image"} (${v.data.length.toLocaleString()} base64 characters)`;
  return undefined;
}

/** One content block of any known shape; unknown ones are kept as data. */
function part(b: unknown): ChatPart {
  if (typeof b === "string") return { type: "text", text: b };
  if (!isObj(b)) return { type: "data", value: b };
  const t = b.type;
  if ((t === "text" || t === "input_text" || t === "output_text" || t === undefined) && typeof b.text === "string")
    return { type: "text", text: b.text };
  // OTel GenAI: {type: "text", content}
  if (t === "text" && typeof b.content === "string") return { type: "text", text: b.content };
  if (t === "image_url" || t === "input_image" || t === "image") {
    const ref = imageRef(b.image_url) ?? imageRef(b.source) ?? imageRef(b.url);
    if (ref) return { type: "image", ref };
  }
  if (t === "tool_use" && typeof b.name === "string") return { type: "tool_call", id: idOf(b.id), name: b.name, arguments: b.input ?? {} };
  if (t === "tool_call" && typeof b.name === "string")
    return { type: "tool_call", id: idOf(b.id), name: b.name, arguments: args(b.arguments) };
  if (t === "tool_result") return { type: "tool_result", id: idOf(b.tool_use_id), content: b.content ?? null };
  if (t === "tool_call_response") return { type: "tool_result", id: idOf(b.id), content: b.response ?? null };
  return { type: "data", value: b };
}

function contentParts(c: unknown): ChatPart[] {
  if (c === null || c === undefined || c === "") return [];
  if (Array.isArray(c)) return c.map(part);
  if (typeof c === "string") return [{ type: "text", text: c }];
  return [part(c)];
}

/** OpenAI's `tool_calls` (and the older single `function_call`) as tool-call parts. */
function toolCalls(m: Obj): ChatPart[] {
  const calls = Array.isArray(m.tool_calls) ? m.tool_calls : isObj(m.function_call) ? [{ function: m.function_call }] : [];
  return calls.map((c): ChatPart => {
    const fn = isObj(c) && isObj(c.function) ? c.function : isObj(c) ? c : {};
    return { type: "tool_call", id: isObj(c) ? idOf(c.id) : undefined, name: str(fn.name) ?? "tool", arguments: args(fn.arguments) };
  });
}

/** The Responses API's tool items, which carry no role. */
function responsesItem(m: Obj): ChatMessage | null {
  if (m.type === "function_call" && typeof m.name === "string")
    return { role: "assistant", parts: [{ type: "tool_call", id: idOf(m.call_id ?? m.id), name: m.name, arguments: args(m.arguments) }] };
  if (m.type === "function_call_output")
    return { role: "tool", parts: [{ type: "tool_result", id: idOf(m.call_id), content: m.output ?? null }] };
  return null;
}

/** One message of any known shape, or null when `m` is not one. */
export function parseMessage(m: unknown): ChatMessage | null {
  if (!isObj(m)) return null;
  const item = responsesItem(m);
  if (item) return item;
  const role = str(m.role) ?? (typeof m.type === "string" ? LANGCHAIN_ROLE[m.type] : undefined);
  if (!role || !ROLE.test(role)) return null;
  const hasBody = "content" in m || "parts" in m || "tool_calls" in m || "function_call" in m;
  if (!hasBody) return null;
  let parts = Array.isArray(m.parts) ? m.parts.map(part) : contentParts(m.content);
  // a tool's (or legacy function's) answer is the result of the call it names
  const callId = idOf(m.tool_call_id);
  if ((role === "tool" || role === "function") && (callId || role === "function") && !parts.some((p) => p.type === "tool_result")) {
    const content = typeof m.content === "string" || m.content === undefined ? (m.content ?? null) : m.content;
    parts = [{ type: "tool_result", id: callId, content }];
  }
  const name = str(m.name);
  return { role: role === "function" ? "tool" : role, ...(name ? { name } : {}), parts: [...parts, ...toolCalls(m)] };
}

function messageList(v: unknown[]): ChatMessage[] | null {
  if (v.length === 0) return null;
  const out: ChatMessage[] = [];
  for (const m of v) {
    const msg = parseMessage(m);
    if (!msg) return null;
    out.push(msg);
  }
  return out;
}

/** Anthropic's top-level `system`: a string or text blocks. */
function systemMessage(s: unknown): ChatMessage[] {
  if (typeof s === "string" && s) return [{ role: "system", parts: [{ type: "text", text: s }] }];
  if (Array.isArray(s) && s.length) return [{ role: "system", parts: s.map(part) }];
  return [];
}

/** The reply in an OpenAI completion: each choice's message (or legacy text). */
function choices(v: Obj): ChatMessage[] | null {
  if (!Array.isArray(v.choices) || v.choices.length === 0) return null;
  const out: ChatMessage[] = [];
  for (const c of v.choices) {
    if (!isObj(c)) return null;
    const msg = isObj(c.message) ? parseMessage({ role: "assistant", ...c.message }) : null;
    if (msg) out.push(msg);
    else if (typeof c.text === "string") out.push({ role: "assistant", parts: [{ type: "text", text: c.text }] });
    else return null;
  }
  return out;
}

/**
 * A logged value as chat messages, or null when it is not a chat. `side` says where it was logged:
 * an output may also be plain text or a choice without a role, which are the assistant's.
 */
export function parseChat(value: unknown, side: "input" | "output" = "input"): ChatMessage[] | null {
  if (Array.isArray(value)) {
    const list = messageList(value);
    if (list || side === "input") return list;
    // OTel `gen_ai.choice` events are stored as [{message: {...}}] or [{content}] without a role
    return messageList(value.map((c) => (isObj(c) ? { role: "assistant", ...(isObj(c.message) ? c.message : c) } : c)));
  }
  if (typeof value === "string") return side === "output" && value ? [{ role: "assistant", parts: [{ type: "text", text: value }] }] : null;
  if (!isObj(value)) return null;
  if (Array.isArray(value.messages)) {
    const list = messageList(value.messages);
    return list ? [...systemMessage(value.system ?? value.instructions), ...list] : null;
  }
  if (Array.isArray(value.input)) {
    const list = messageList(value.input);
    return list ? [...systemMessage(value.instructions), ...list] : null;
  }
  const fromChoices = choices(value);
  if (fromChoices) return fromChoices;
  if (Array.isArray(value.choices)) return null;
  const one = parseMessage(value);
  return one ? [one] : null;
}

/** The text of a message's text parts, joined. */
export const messageText = (m: ChatMessage) =>
  m.parts
    .map((p) => (p.type === "text" ? p.text : ""))
    .filter(Boolean)
    .join("\n");

/**
 * One line that stands for a logged value in a list: for a chat, the last user message's text (an
 * output: the last message's), else tool calls by name; for other values, the text or compact JSON.
 */
export function previewText(value: unknown, max = 200): string {
  const chat = parseChat(value, typeof value === "string" ? "input" : "output");
  let text: string;
  if (chat) {
    const user = [...chat].reverse().find((m) => m.role === "user" && messageText(m));
    const last = user ?? [...chat].reverse().find((m) => messageText(m)) ?? chat[chat.length - 1];
    const calls = (last?.parts ?? []).flatMap((p) => (p.type === "tool_call" ? [`${p.name}()`] : []));
    text = (last && messageText(last)) || calls.join(", ");
  } else if (value === null || value === undefined) text = "";
  else text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
