"use client";

import { cx } from "@/app/_components/classes";
import { contentText } from "../format";
import { JsonBlock } from "../JsonBlock";

interface ChatMessage {
  role: string;
  content?: unknown;
  name?: string;
  tool_calls?: unknown;
  tool_call_id?: string;
}

const isMessage = (m: unknown): m is ChatMessage => !!m && typeof m === "object" && typeof (m as { role?: unknown }).role === "string";

/** Chat messages in a logged value: an array of messages, or one message. */
function asMessages(v: unknown): ChatMessage[] | null {
  if (Array.isArray(v)) return v.length > 0 && v.every(isMessage) ? v : null;
  if (isMessage(v)) return [v];
  return null;
}

/** The reply in an output: a message, an OpenAI completion ({choices: [{message}]}), or plain text. */
function outputMessages(v: unknown): ChatMessage[] | null {
  if (typeof v === "string") return [{ role: "assistant", content: v }];
  const choices = v && typeof v === "object" ? (v as { choices?: unknown }).choices : undefined;
  if (Array.isArray(choices)) {
    const msgs = choices.map((c) => (c as { message?: unknown })?.message).filter(isMessage);
    if (msgs.length) return msgs;
  }
  return asMessages(v);
}

/** OpenAI sends function arguments as a JSON string; show them as JSON when they parse. */
function readableToolCalls(calls: unknown): unknown {
  if (!Array.isArray(calls)) return calls;
  return calls.map((c) => {
    const fn = (c as { function?: { arguments?: unknown } })?.function;
    if (typeof fn?.arguments !== "string") return c;
    try {
      return { ...c, function: { ...fn, arguments: JSON.parse(fn.arguments) } };
    } catch {
      return c;
    }
  });
}

const ROLE_STYLE: Record<string, string> = {
  system: "border-slate-200 bg-slate-50",
  user: "border-indigo-100 bg-indigo-50/60",
  assistant: "border-emerald-100 bg-emerald-50/60",
  tool: "border-amber-100 bg-amber-50/60",
};

function Bubble({ m }: { m: ChatMessage }) {
  const text = contentText(m.content);
  const hasToolCalls = Array.isArray(m.tool_calls) ? m.tool_calls.length > 0 : !!m.tool_calls;
  return (
    <li className={cx("rounded-lg border px-4 py-3", ROLE_STYLE[m.role] ?? "border-slate-200 bg-white", m.role === "user" && "sm:ml-12")}>
      <div className="mb-1 flex items-center gap-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">
        {m.role}
        {m.name && <span className="font-mono font-normal normal-case">{m.name}</span>}
        {m.tool_call_id && <span className="font-mono font-normal normal-case">→ {m.tool_call_id}</span>}
      </div>
      {text !== null ? (
        <p className="text-sm break-words whitespace-pre-wrap text-slate-900">{text}</p>
      ) : m.content !== undefined && m.content !== null ? (
        <JsonBlock value={m.content} />
      ) : null}
      {hasToolCalls && <JsonBlock value={readableToolCalls(m.tool_calls)} label="Tool calls" className="mt-2" />}
    </li>
  );
}

function Messages({ label, messages }: { label: string; messages: ChatMessage[] }) {
  return (
    <ol aria-label={label} className="flex flex-col gap-3">
      {messages.map((m, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: messages have no ids; the list is fixed for a trace
        <Bubble key={i} m={m} />
      ))}
    </ol>
  );
}

const absent = (v: unknown) => v === null || v === undefined;

/** The trace's input and output: chat bubbles by role where they are chat messages, else JSON or text. */
export function Conversation({ input, output }: { input: unknown; output: unknown }) {
  const inMsgs = asMessages(input);
  const outMsgs = absent(output) ? null : outputMessages(output);
  return (
    <div className="flex flex-col gap-3">
      {inMsgs ? (
        <Messages label="Input messages" messages={inMsgs} />
      ) : absent(input) ? (
        <p className="text-sm text-slate-500">No input logged.</p>
      ) : (
        <JsonBlock value={input} label="Input" />
      )}
      {outMsgs ? (
        <Messages label="Output messages" messages={outMsgs} />
      ) : absent(output) ? (
        <p className="text-sm text-slate-500">No output logged.</p>
      ) : (
        <JsonBlock value={output} label="Output" />
      )}
    </div>
  );
}
